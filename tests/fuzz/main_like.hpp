// The command-line layer as app/main.cpp drives it: parse, checking every job against the
// built-in kinds; the error main() reports and exits 2 on is caught, anything else escapes.
#pragma once

#include "app/command_line.hpp"
#include "cohort/registry.hpp"

#include <memory>

namespace cohort::fuzz {

/// Not const: a --kinds-from plugin adds its kinds to it, as in main().
inline registry& builtin_kinds() {
  static const std::shared_ptr<registry> kinds = builtin_registry();
  return *kinds;
}

inline void parse_like_main(int argc, const char* const* argv) {
  try {
    app::parse_command_line(argc, argv, builtin_kinds());
  } catch (const app::usage_error&) {
  }
}

} // namespace cohort::fuzz
