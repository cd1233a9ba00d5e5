// The generated sections of docs/reference.md: where each starts and ends, and what it holds.
#pragma once

#include "cohort/registry.hpp"

#include <string>
#include <vector>

namespace cohort::app {

struct reference_section {
  /// The marker lines around the section: `<!-- begin NAME -->` and `<!-- end NAME -->`.
  std::string name;
  std::string text;
};

/// The options and kinds sections, as the binary would write them.
std::vector<reference_section> reference_sections(const registry& kinds);

/// `doc` with each section's text between its markers replaced; throws std::runtime_error naming
/// a section whose markers are missing.
std::string with_sections(std::string doc, const std::vector<reference_section>& sections);

} // namespace cohort::app
