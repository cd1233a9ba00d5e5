// cohort's log: spdlog's default logger on stderr, one line per event in the binary's format
// ("2026-11-30T12:00:00.000 info worker joined: ..."). An embedding program picks how much it sees.
#pragma once

#include <string_view>

namespace cohort {

enum class log_level { trace, debug, info, warn, error, off };

/// The format of every line: ISO time with milliseconds, the level, the message.
inline constexpr const char* log_pattern = "%Y-%m-%dT%H:%M:%S.%e %l %v";

/// Logs `level` and above on stderr in cohort's format, from now on. Info carries one line per
/// lifecycle event (a worker joined or left, a job waits); debug adds the chatter.
void set_log_level(log_level level);

/// The level a name gives ("trace", "debug", "info", "warn", "error", "off"); throws param_error
/// naming the known ones for any other.
log_level parse_log_level(std::string_view name);

} // namespace cohort
