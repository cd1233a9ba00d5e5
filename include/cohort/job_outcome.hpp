// How a job ended, with its output line.
#pragma once

#include <string>

namespace cohort {

enum class job_status { ok, failed, cancelled };

struct job_outcome {
  job_status status = job_status::failed;
  /// The job's JSON line (docs/reference.md, "Output").
  std::string json;
};

} // namespace cohort
