// The messages between master and workers, as plain structs with CAF inspect overloads (no CAF
// include).
#pragma once

#include "cohort/job.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cohort {

/// Bumped whenever a message below changes shape; a join with another version is refused.
constexpr std::uint32_t protocol_version = 6;

/// Which job a batch belongs to and what its tasks need on the worker.
struct job_desc {
  std::uint64_t job = 0;
  std::string kind;
  std::map<std::string, std::string> args;
  /// The job's --task-timeout (task_context::task_timeout); zero or less: none.
  std::chrono::nanoseconds task_timeout{0};
};

enum class task_outcome : std::uint8_t { ok = 0, failed = 1, cancelled = 2 };

/// The answer for one task of a batch.
struct task_result {
  std::uint64_t index = 0;
  std::uint32_t attempt = 0;
  task_outcome outcome = task_outcome::ok;
  partial value;
  std::string error;
};

/// What a worker actor announces when it joins a master.
struct worker_hello {
  std::uint32_t protocol = protocol_version;
  std::string id;
  std::string host;
  std::vector<std::string> tags;
  std::uint32_t slots = 1;
  std::uint32_t concurrency = 10000;
  /// How many worker actors this worker's process runs (a spawn node's --workers).
  std::uint32_t node_workers = 1;
  /// What it grants beyond tags ("exec" with --allow-exec).
  std::vector<std::string> capabilities;
};

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, task_spec& x) {
  return f(x.index, x.attempt, x.lo, x.hi, x.data);
}

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, partial& x) {
  return f(x.count, x.data);
}

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, job_desc& x) {
  return f(x.job, x.kind, x.args, x.task_timeout);
}

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, task_result& x) {
  return f(x.index, x.attempt, x.outcome, x.value, x.error);
}

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, worker_hello& x) {
  return f(x.protocol, x.id, x.host, x.tags, x.slots, x.concurrency, x.node_workers,
           x.capabilities);
}

} // namespace cohort
