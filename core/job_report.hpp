// A job's report: its output line (status, result or error, stats).
#pragma once

#include "cohort/job_outcome.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cohort {

/// One worker's part in a job, held by the job itself: the worker's slot is reused once it left.
struct worker_share {
  std::string id;
  std::string host;
  std::uint64_t tasks = 0;
  std::uint64_t attempts = 0;
  bool left = false;
};

/// What a job's line says about how it ran; times in seconds, rounded when rendered.
struct job_stats {
  /// Tasks merged.
  std::uint64_t tasks = 0;
  std::uint64_t attempts = 0;
  std::uint64_t retries = 0;
  std::uint64_t reassigned = 0;
  std::uint64_t speculative = 0;
  std::uint64_t duplicates = 0;
  double split_s = 0;
  double merge_s = 0;
  /// From submission to the end.
  double wall_s = 0;
  /// The part of wall_s the job had tasks and no worker that could take them.
  double wait_s = 0;
  std::uint64_t peak_in_flight = 0;
  /// With --journal: the tasks merged before a master restart, carried over (not in `tasks`).
  std::optional<std::uint64_t> resumed;
  /// The job ran again from its first task after a master restart: its kind keeps no snapshots.
  bool restarted = false;
  /// Workers that had at least one attempt of the job.
  std::vector<worker_share> workers;
  /// A job whose tasks carry tags: its tasks and those merged, per tag set.
  struct tag_count {
    std::string tags;
    std::uint64_t tasks = 0;
    std::uint64_t merged = 0;
  };
  std::vector<tag_count> tags;
};

/// How a job ended: `reason` and `error` are shown when `status` is not ok; `result` is null then,
/// unless the job's kind keeps what finished (job_kind::keeps_partial_result).
struct job_end_state {
  job_status status = job_status::failed;
  std::string reason;
  std::string error;
  nlohmann::ordered_json result;
};

/// The name of a status in lines: ok, failed or cancelled.
std::string status_name(job_status s);

/// How a line names its job: the master's number for it, its kind, and its name when it was given
/// one.
struct job_identity {
  std::uint64_t id = 0;
  std::string kind;
  std::string name;
};

/// The job's JSON line: id, name (when given), job, status, then reason, error and a null result,
/// or the result, then stats. Invalid UTF-8 in any string is replaced.
std::string job_line(const job_identity& who, job_end_state end, const job_stats& stats);

/// The line of a job whose request to the master failed with `what`: failed with reason `task`,
/// and stats of a job that never ran (zeros, no workers), so every line has the same fields.
std::string request_failed_line(const job_identity& who, const std::string& what);

} // namespace cohort
