// --kinds-from: the plugins a master or worker loads, their kinds added beside the built-ins.
#pragma once

#include "app/option_schema.hpp"
#include "cohort/registry.hpp"

#include <vector>

namespace cohort::app {

/// Loads each plugin named in `files`, in order, and adds its kinds to `kinds`. Throws usage_error,
/// one line naming the setting, the file and what is wrong (a kind whose name is taken included).
void add_kinds_from(const std::vector<given_value>& files, registry& kinds);

} // namespace cohort::app
