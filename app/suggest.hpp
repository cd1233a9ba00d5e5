// "did you mean ...?": the nearest of the known words to a mistyped one.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cohort::app {

/// The candidate closest to `word` by edits (insert, delete, replace, swap of neighbours), if one
/// is close enough to be a typo of it: at most one edit per three letters, at least one.
std::optional<std::string> nearest(std::string_view word, const std::vector<std::string>& known);

/// "; did you mean X?" for the nearest candidate (as `prefix` + it), or nothing.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& known,
                         std::string_view prefix = {});

} // namespace cohort::app
