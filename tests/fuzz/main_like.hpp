// The command-line layer as app/main.cpp drives it: parse, then check every job against the
// built-in kinds; the two errors main() reports and exits 2 on are caught, anything else escapes.
#pragma once

#include "app/options.hpp"
#include "cohort/registry.hpp"
#include "cohort/runtime.hpp"

#include <memory>

namespace cohort::fuzz {

inline const registry& builtin_kinds() {
  static const std::shared_ptr<registry> kinds = builtin_registry();
  return *kinds;
}

inline void parse_like_main(int argc, const char* const* argv) {
  try {
    auto cfg = app::parse_command_line(
        argc, argv, [](const job_request& j) { validate_job(builtin_kinds(), j); });
    for (const auto& job : cfg.jobs) {
      validate_job(builtin_kinds(), job);
    }
  } catch (const app::usage_error&) {
  } catch (const param_error&) {
  }
}

} // namespace cohort::fuzz
