// exec_format: the exec kind's commands file, and its bytes on the wire: a command in a task, one
// command's result in a partial.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cohort {

/// One line of a commands file: an argv run as is, or a script for `/bin/sh -c`.
struct exec_command {
  bool shell = false;
  /// The argv; for a shell command, the script alone.
  std::vector<std::string> args;
  /// Tags a worker must carry to run it (the line's "require"), besides the job's.
  std::vector<std::string> require;

  /// What the worker spawns: args, or /bin/sh -c script.
  std::vector<std::string> argv() const;
  /// The line as JSON, for error messages.
  std::string describe() const;
};

/// The commands of a JSON Lines file (`{"argv": [...]}` or `{"sh": "..."}` a line; blank lines are
/// skipped). Throws param_error naming FILE:LINE and what is wrong.
std::vector<exec_command> load_exec_commands(const std::string& path);
/// The same from `in`, named `path` in errors ("-" for standard input).
std::vector<exec_command> read_exec_commands(std::istream& in, const std::string& path);

std::string encode_command(const exec_command& c);
/// Throws std::invalid_argument on bytes that encode_command did not write.
exec_command decode_command(std::string_view data);

/// How one command ended, as the result lists it.
struct exec_result {
  std::uint64_t index = 0;
  std::optional<int> exit_code;
  std::optional<int> signal;
  /// Killed at its timeout (the `timeout` param or --task-timeout).
  bool timed_out = false;
  std::string stdout_tail;
  std::string stderr_tail;
  std::uint64_t wall_ns = 0;
  /// The worker's host, and when the command started (Unix epoch, ns).
  std::string host;
  std::uint64_t start_ns = 0;

  /// It exited non-zero (126 and 127 included: it could not start), was killed, or timed out.
  bool failed() const { return timed_out || signal.has_value() || exit_code.value_or(0) != 0; }
};

std::string encode_result(const exec_result& r);
/// Throws std::invalid_argument on bytes that encode_result did not write.
exec_result decode_result(std::string_view data);

} // namespace cohort
