// The embedding API: a master with worker actors in this process (and any that join it), running
// jobs and giving one JSON line per job.
#pragma once

#include "cohort/checked_job.hpp"
#include "cohort/job_outcome.hpp"
#include "cohort/job_request.hpp"
#include "cohort/registry.hpp"
#include "cohort/runtime_options.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace cohort {

/// A master with local workers in this process; jobs run on it until it is destroyed.
class runtime {
public:
  explicit runtime(runtime_options opts,
                   std::shared_ptr<const registry> kinds = builtin_registry());
  ~runtime();
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  /// Runs all jobs at once. Calls on_done for job i as soon as jobs 0..i are done, and returns all
  /// outcomes in input order.
  std::vector<job_outcome> run(const std::vector<checked_job>& jobs,
                               const std::function<void(const job_outcome&)>& on_done = {});
  /// The same, checking every job against this runtime's kinds first: throws param_error naming
  /// the first bad one ("job 2: ...") before anything runs.
  std::vector<job_outcome> run(const std::vector<job_request>& jobs,
                               const std::function<void(const job_outcome&)>& on_done = {});

  /// Takes jobs from clients (master_settings::serve) until stop_requested() turns true, then
  /// cancels every job still running and returns once all ended.
  void serve(const std::function<bool()>& stop_requested);

  /// The kinds this runtime runs.
  const registry& kinds() const;
  /// The port the master listens on (network.listen with port 0 picks one); 0 when not listening.
  std::uint16_t port() const;
  /// The port of its status page (runtime_options::http, port 0 picks one); 0 without one.
  std::uint16_t http_port() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace cohort
