// A worker process: worker actors that join a master over the network, or a spawn node a master
// fills.
#pragma once

#include "cohort/registry.hpp"
#include "cohort/runtime.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace cohort {

struct worker_node_options {
  /// Join this master (`cohort worker --master`), or else...
  std::optional<endpoint> master;
  /// ...serve as a spawn node here (`cohort worker --listen`).
  std::optional<endpoint> listen;
  std::uint32_t workers = std::max(1u, std::thread::hardware_concurrency());
  std::uint32_t slots = 1;
  std::uint32_t concurrency = 10000;
  std::vector<std::string> tags;
  /// What the worker actors grant beyond tags ("exec": --allow-exec).
  std::vector<std::string> capabilities;
  double slowdown = 1.0;
  /// First connection attempts (backoff 100 ms .. 1 s) give up after this long: exit 1.
  std::chrono::nanoseconds connect_timeout = std::chrono::seconds(60);
  /// Exit when the master ends (0 when it shut down, 1 when it was lost) instead of reconnecting.
  bool exit_with_master = false;
  /// On SIGTERM/SIGINT: running tasks get this long to finish; the rest are handed back.
  std::chrono::nanoseconds drain_timeout = std::chrono::seconds(10);
  std::map<std::string, std::string> caf_settings;
  /// Connect to the master, or serve spawns, over mutual TLS with these files; none: plain.
  std::optional<tls_files> tls;
  /// The shared secret sent with each join, and required from a master attaching a spawned worker.
  std::optional<std::string> token;
};

/// Runs a worker process until it is stopped; returns its exit code (0 after a drained stop, 1 when
/// the master could not be reached or was lost with exit_with_master).
int run_worker_node(const worker_node_options& opts,
                    std::shared_ptr<const registry> kinds = builtin_registry());

} // namespace cohort
