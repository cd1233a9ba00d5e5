// `man cohort`: the manual page in roff, walked from the option schema and the kinds' parameter
// tables, like --help and docs/reference.md, so the three cannot drift apart.
#pragma once

#include "cohort/registry.hpp"

#include <string>
#include <string_view>

namespace cohort::app {

/// The whole page (man(7) macros) for this version.
std::string man_page(const registry& kinds, std::string_view version);

/// `text` safe in roff: backslashes and hyphens escaped, a leading dot or quote guarded.
std::string roff_text(std::string_view text);

} // namespace cohort::app
