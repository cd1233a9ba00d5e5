// The reference tables made from the option schema and the kinds' parameter tables, so
// docs/reference.md can never drift from the binary (a test compares them).
#pragma once

#include "cohort/registry.hpp"

#include <string>

namespace cohort::app {

/// Markdown: one table of options per section of --help (option, argument, default, meaning).
std::string options_reference();

/// Markdown: each job kind, what it does, and its parameter table.
std::string kinds_reference(const registry& kinds);

} // namespace cohort::app
