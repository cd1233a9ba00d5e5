// Bounds connections to a published port that never began to speak: CAF 0.17 keeps a connection
// that sends less than a whole BASP header (or, over TLS, less than a client's handshake) for ever
// and caps none, so 20,000 idle connections used up a master's file descriptors and a worker could
// not join. A thread of the node looks at the port's sockets twice a second (TCP_INFO: the bytes
// each received) and shuts down those still below the mark after `bound`, and the oldest of them
// beyond `cap`. CAF then closes them as it closes any connection its peer dropped.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <thread>

namespace cohort {

class connection_guard {
public:
  struct settings {
    std::uint16_t port = 0;
    bool tls = false;
    std::chrono::milliseconds bound{10'000};
    std::size_t cap = 256;
  };

  explicit connection_guard(settings s);
  ~connection_guard();
  connection_guard(const connection_guard&) = delete;
  connection_guard& operator=(const connection_guard&) = delete;

  /// Connections shut down so far.
  std::uint64_t refused() const { return refused_.load(); }

private:
  void run();

  settings settings_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> refused_{0};
  std::thread thread_;
};

/// Raises this process's soft limit of open files to its hard limit (a master serving many
/// workers, a worker with many requests in flight), and returns the limit now in force.
std::uint64_t raise_file_limit();

} // namespace cohort
