// Parsing of the DUR ("500ms", "1.5s", "2min", "off") and SIZE ("64MiB") values used by options and
// params.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cohort {

/// Parses a DUR; nullopt means "off". Throws std::invalid_argument (message names the text) on a
/// bare number, an unknown unit, a negative value or garbage.
std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text);

/// Parses a SIZE with an optional unit B, KiB, MiB or GiB. Throws std::invalid_argument on anything
/// else.
std::uint64_t parse_size(std::string_view text);

/// Parses a plain unsigned decimal integer (no sign, no spaces). Throws std::invalid_argument.
std::uint64_t parse_u64(std::string_view text);

/// Renders a duration back as a DUR ("off" for nullopt), the inverse of parse_duration.
std::string format_duration(std::optional<std::chrono::nanoseconds> d);

} // namespace cohort
