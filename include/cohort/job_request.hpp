// One job to run: its kind, parameters and per-job options, as a --job or a jobs-file line gives
// them.
#pragma once

#include "cohort/params.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cohort {

/// The range of job_request::priority.
inline constexpr std::int32_t min_priority = -1000;
inline constexpr std::int32_t max_priority = 1000;

struct job_request {
  std::string kind;
  params args;
  /// Shown in its output line and progress (--name, the jobs-file field "name"); may be empty.
  std::string name;
  /// Among one submitter's jobs, those of higher priority get dispatch turns first; from
  /// min_priority to max_priority.
  std::int32_t priority = 0;
  /// Its tasks go only to workers carrying all these tags.
  std::vector<std::string> require;
  /// An attempt running longer is started again elsewhere (first answer wins); none: off.
  std::optional<std::chrono::nanoseconds> task_timeout;
  /// The job fails with reason `deadline` after this long; none: off.
  std::optional<std::chrono::nanoseconds> deadline;
  std::uint32_t max_attempts = 3;
  /// Duplicate slow attempts of idempotent kinds.
  bool speculate = true;
  /// Most tasks of this job in flight per worker actor; none: the worker's --concurrency.
  std::optional<std::uint32_t> concurrency;
};

} // namespace cohort
