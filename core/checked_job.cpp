// The one check every job passes where it enters: its kind, its parameters, its options.
#include "cohort/checked_job.hpp"

#include "core/peer_names.hpp"

namespace cohort {

checked_job check_job(const registry& kinds, job_request job) {
  auto kind = kinds.find(job.kind);
  if (!kind) {
    std::string known;
    for (const auto& n : kinds.names()) {
      known += (known.empty() ? "" : ", ") + n;
    }
    throw param_error("unknown job kind '" + job.kind + "' (known: " + known + ")");
  }
  if (job.max_attempts == 0) {
    throw param_error(job.kind + ": max_attempts must be at least 1");
  }
  if (job.concurrency && *job.concurrency == 0) {
    throw param_error(job.kind + ": concurrency must be at least 1");
  }
  if (!job.name.empty() && !valid_peer_name(job.name)) {
    throw param_error(job.kind + ": a job's name must be 1 to " + std::to_string(max_peer_name) +
                      " printable characters");
  }
  if (job.priority < min_priority || job.priority > max_priority) {
    throw param_error(job.kind + ": priority must be from " + std::to_string(min_priority) +
                      " to " + std::to_string(max_priority));
  }
  check_params(kind->name(), kind->parameters(), job.args);
  kind->validate(job.args);
  return checked_job(std::move(job), std::move(kind));
}

} // namespace cohort
