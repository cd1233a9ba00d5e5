// A job whose kind exists and whose parameters and options that kind accepted: the only form in
// which a job reaches a master, so every job is checked once, where it enters.
#pragma once

#include "cohort/job.hpp"
#include "cohort/job_request.hpp"
#include "cohort/registry.hpp"

#include <memory>

namespace cohort {

class checked_job {
public:
  const job_request& request() const { return request_; }
  const job_kind& kind() const { return *kind_; }

private:
  checked_job(job_request r, std::shared_ptr<const job_kind> k)
      : request_(std::move(r)), kind_(std::move(k)) {}
  friend checked_job check_job(const registry& kinds, job_request job);

  job_request request_;
  std::shared_ptr<const job_kind> kind_;
};

/// Checks a job before anything runs: its kind exists, its parameters are the kind's and well
/// formed, its options are in range. Throws param_error with one line naming the problem.
checked_job check_job(const registry& kinds, job_request job);

} // namespace cohort
