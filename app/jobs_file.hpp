// Reader of --jobs files: JSON Lines, one job_request per line, all checked before any job runs.
#pragma once

#include "cohort/runtime.hpp"

#include <functional>
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

/// Parses JSON Lines of `{"job", "params", "require", "task_timeout", "deadline", "max_attempts",
/// "speculate", "concurrency"}`; each job starts from `defaults` and its fields override them.
/// Blank lines are skipped; a file without jobs is an error. Kinds and params are not checked here:
/// the registry does.
/// Checks one job (say, against the registry); throws param_error, reported with the job's FILE:LINE.
using job_check = std::function<void(const job_request&)>;

std::vector<job_request> parse_jobs(std::istream& in, const std::string& file,
                                    const job_request& defaults, const job_check& check = {});

/// Reads and parses the file at `path`; throws jobs_file_error naming it when it cannot be read.
std::vector<job_request> read_jobs_file(const std::string& path, const job_request& defaults,
                                        const job_check& check = {});

} // namespace cohort::app
