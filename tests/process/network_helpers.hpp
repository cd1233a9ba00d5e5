// network_helpers: cohort processes in the background, their listening ports, raw TCP peers and
// network namespaces, for the network process tests.
#pragma once

#include "tests/process/process.hpp"

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace cohort::test {

/// A process running in the background in its own process group, stdout and stderr captured in
/// files. The whole group gets SIGKILL when the object goes, whatever happened before.
class background_process {
public:
  explicit background_process(std::vector<std::string> argv);
  ~background_process();
  background_process(const background_process&) = delete;
  background_process& operator=(const background_process&) = delete;

  pid_t pid() const { return pid_; }
  const std::vector<std::string>& argv() const { return argv_; }

  /// Sends sig to the process (not its group).
  void signal(int sig) const;

  /// How it ended, once it ended within timeout; nullopt while it still runs.
  std::optional<process_result> wait_exit(std::chrono::milliseconds timeout);

  bool running() { return !wait_exit(std::chrono::milliseconds(0)); }

  std::string out() const;
  std::string err() const;

  /// The groups of the first match of pattern in stderr (whole match first), waiting up to timeout;
  /// throws std::runtime_error naming the command and its stderr when the time runs out or the
  /// process ends without one.
  std::vector<std::string> wait_for_err(const std::regex& pattern,
                                        std::chrono::milliseconds timeout);

  /// The command, its state and the tail of its stderr, for messages.
  std::string report();

private:
  std::vector<std::string> argv_;
  temp_dir dir_;
  pid_t pid_ = -1;
  std::chrono::steady_clock::time_point start_;
  std::optional<process_result> ended_;
};

/// argv of the cohort binary under test with args.
std::vector<std::string> cohort_argv(std::vector<std::string> args);

/// The port of the stderr line `listening on HOST:PORT`, waiting up to timeout.
std::uint16_t listening_port(background_process& p, std::chrono::milliseconds timeout);

/// A TCP port on 127.0.0.1 that was free a moment ago.
std::uint16_t free_port();

/// The pid in a worker id `host/pid/n`, or 0 when the id has another form.
pid_t pid_of_worker_id(const std::string& id);

/// The highest `done=D` of the stderr progress lines.
std::uint64_t progress_done(const std::string& err);

/// Opens `connections` TCP connections to 127.0.0.1:port at once and sends `bytes` seeded random
/// bytes on each, then closes them. Returns how many connections the peer closed or reset before
/// all the bytes went out (a peer dropping garbage does that); every socket call is bounded.
std::size_t send_random_bytes(std::uint16_t port, std::size_t connections, std::size_t bytes,
                              std::uint64_t seed);

/// Connects to 127.0.0.1:port, sends text, and waits up to timeout for the peer to close the
/// connection; true when it did.
bool peer_drops(std::uint16_t port, const std::string& text, std::chrono::milliseconds timeout);

/// Network namespaces for one test, named cohort-PID-N-m and cohort-PID-N-wI: worker namespace I
/// (from 0) reaches the master namespace over a veth pair, 10.231.(I+1).2/24 on its side,
/// 10.231.(I+1).1/24 on the master's. Nothing is set up outside the namespaces; all are deleted
/// when the object goes.
class netns_lab {
public:
  /// False (with the reason in why) when this host does not permit `ip netns add`.
  static bool permitted(std::string& why);

  explicit netns_lab(std::size_t workers);
  ~netns_lab();
  netns_lab(const netns_lab&) = delete;
  netns_lab& operator=(const netns_lab&) = delete;

  const std::string& master_ns() const { return names_.front(); }
  const std::string& worker_ns(std::size_t i) const { return names_.at(i + 1); }
  /// The master namespace's address on worker namespace i's link.
  static std::string master_address(std::size_t i);

  /// Sets the master's end of worker namespace i's link down: that worker is cut off.
  void cut(std::size_t i) const;

  /// argv run inside namespace ns with `ip netns exec`.
  static std::vector<std::string> in(const std::string& ns, std::vector<std::string> argv);

private:
  std::vector<std::string> names_;
};

} // namespace cohort::test
