// Settings of a master process: its dispatch, its local worker actors, its network face and the
// nodes it fills with workers.
#pragma once

#include "cohort/endpoint.hpp"
#include "cohort/log.hpp"
#include "cohort/master_settings.hpp"
#include "cohort/network_settings.hpp"
#include "cohort/progress.hpp"
#include "cohort/scheduler_settings.hpp"
#include "cohort/worker_settings.hpp"

#include <functional>
#include <optional>
#include <vector>

namespace cohort {

struct runtime_options {
  master_settings master;
  /// The worker actors inside this process (`count` 0: none).
  worker_settings local;
  /// `listen`: publish the master for `cohort worker --master` processes to join.
  network_settings network;
  scheduler_settings scheduler;
  /// Serve the status page, /api/status, /metrics and /healthz here (--http); none: no HTTP.
  std::optional<endpoint> http;
  /// Spawn worker actors on these `cohort worker --listen` nodes (each node's --workers count).
  std::vector<endpoint> spawn_on;
  /// With master.progress: takes the progress of the jobs given to run() once a second, on the
  /// master's thread (draw it, do not block); unset: their plain progress lines go to stderr.
  std::function<void(const std::vector<job_progress_report>&)> on_progress;
  /// Polled while run() waits: once it returns true, every running job is cancelled.
  std::function<bool()> cancel_requested;
  /// Set: the runtime logs this level and above on stderr in cohort's format (set_log_level);
  /// unset: it leaves spdlog's default logger as the program set it.
  std::optional<log_level> log;
};

} // namespace cohort
