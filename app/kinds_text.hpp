// `cohort kinds [KIND]`: each job kind with what it does and its parameter table.
#pragma once

#include "cohort/registry.hpp"

#include <string>
#include <string_view>

namespace cohort::app {

/// How a kind runs, in words: "CPU-bound", "latency-bound, not idempotent, needs --allow-exec".
std::string kind_traits(const job_kind& k);

/// Every kind of `kinds`, or only `kind` when it is not empty: a heading line, then one line per
/// parameter (name, type, default, meaning).
std::string kinds_text(const registry& kinds, std::string_view kind = {});

} // namespace cohort::app
