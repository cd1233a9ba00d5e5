// child_process: one command run by the exec kind, polled without ever blocking the worker's
// thread, and killed with its whole process group when its owner goes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace cohort {

/// The last `limit` bytes written to a stream, and how many came before them.
class byte_tail {
public:
  explicit byte_tail(std::size_t limit) : limit_(limit) {}
  void append(const char* data, std::size_t n);
  /// The kept bytes; when earlier ones were dropped, without a UTF-8 character cut in half at the
  /// start.
  std::string text() const;
  bool truncated() const { return dropped_ != 0; }

private:
  std::size_t limit_;
  std::size_t dropped_ = 0;
  std::string bytes_;
};

/// How a command ended: exactly one of exit_code and signal is set.
struct child_status {
  std::optional<int> exit_code;
  std::optional<int> signal;
};

/// A command spawned in its own process group, stdin from /dev/null, stdout and stderr read from
/// non-blocking pipes into byte tails. Nothing here blocks except reaping a child that was just
/// sent SIGKILL. The destructor kills the group and reaps, so no child outlives its owner.
class child_process {
public:
  /// Spawns argv (argv[0] looked up in PATH). When it cannot be run, the object is already ended:
  /// exit code 127 (not found) or 126 (not executable) and the reason on its stderr, as a shell
  /// reports it.
  child_process(const std::vector<std::string>& argv, std::size_t tail_bytes);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  /// Reads what the pipes hold now (a bounded amount per call); true when any byte came.
  bool drain();
  /// Whether the command has ended. The first time it sees the command gone it also kills what the
  /// command left behind in its process group, reaps it and drains the pipes one last time.
  bool poll();
  /// Kills the whole process group with SIGKILL and reaps the command; no-op once it ended.
  void kill();

  /// Set once poll() or kill() saw the end.
  const std::optional<child_status>& status() const { return status_; }
  const byte_tail& out() const { return out_; }
  const byte_tail& err() const { return err_; }
  pid_t pid() const { return pid_; }

private:
  // Waits for the command, which has ended or was just sent SIGKILL; an ECHILD leaves both unset.
  void reap();
  void close_pipes();

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  byte_tail out_;
  byte_tail err_;
  std::optional<child_status> status_;
};

} // namespace cohort
