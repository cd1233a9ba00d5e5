// A worker process: worker actors that join a master over the network, or a spawn node a master
// fills.
#pragma once

#include "cohort/endpoint.hpp"
#include "cohort/log.hpp"
#include "cohort/network_settings.hpp"
#include "cohort/registry.hpp"
#include "cohort/scheduler_settings.hpp"
#include "cohort/worker_settings.hpp"

#include <chrono>
#include <memory>
#include <optional>

namespace cohort {

struct worker_node_options {
  worker_settings workers;
  /// `listen`: serve as a spawn node there (`cohort worker --listen`) instead of joining a master.
  network_settings network;
  scheduler_settings scheduler;
  /// Join this master (`cohort worker --master`).
  std::optional<endpoint> master;
  /// First connection attempts (backoff 100 ms .. 1 s) give up after this long: exit 1.
  std::chrono::nanoseconds connect_timeout = std::chrono::seconds(60);
  /// Exit when the master ends (0 when it shut down, 1 when it was lost) instead of reconnecting.
  bool exit_with_master = false;
  /// On SIGTERM/SIGINT: unstarted tasks go back at once, running ones get this long to finish.
  std::chrono::nanoseconds drain_timeout = std::chrono::seconds(10);
  /// Set: log this level and above on stderr in cohort's format (set_log_level).
  std::optional<log_level> log;
};

/// Runs a worker process until it is stopped; returns its exit code (0 after a drained stop, 1 when
/// the master could not be reached or was lost with exit_with_master).
int run_worker_node(const worker_node_options& opts,
                    std::shared_ptr<const registry> kinds = builtin_registry());

} // namespace cohort
