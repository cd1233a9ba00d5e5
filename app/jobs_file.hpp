// Reader of --jobs files: JSON Lines, one job per line, all checked before any job runs.
#pragma once

#include "cohort/checked_job.hpp"
#include "cohort/registry.hpp"

#include <istream>
#include <stdexcept>
#include <string>
#include <vector>

namespace cohort::app {

/// A jobs file that cannot be read or has a bad line; the message starts with "FILE:LINE: " for a
/// line.
struct jobs_file_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// One job of a jobs file, with its line number.
struct job_line {
  int line = 0;
  job_request job;
};

/// Parses JSON Lines of `{"job", "name", "priority", "params", "require", "task_timeout",
/// "deadline", "max_attempts", "speculate", "concurrency"}`; each job starts from `defaults` and
/// its fields override them. Blank lines are skipped; a file without jobs is an error. Kinds and
/// params are checked by check_jobs.
std::vector<job_line> parse_jobs(std::istream& in, const std::string& file,
                                 const job_request& defaults);

/// Checks every job against `kinds`; an error names the job's FILE:LINE.
std::vector<checked_job> check_jobs(const std::vector<job_line>& jobs, const std::string& file,
                                    const registry& kinds);

/// Reads and parses the file at `path` ("-": standard input); throws jobs_file_error naming it when
/// it cannot be read.
std::vector<job_line> read_jobs_file(const std::string& path, const job_request& defaults);

} // namespace cohort::app
