// The records files of jobs (an exec joblog): each job's lines appended to the file its records
// parameter names, by whoever submitted the job (the master for its own command line, a client for
// its jobs), so the file lands on the submitter's side.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <string>

namespace cohort {

class record_files {
public:
  /// Appends `line` and a newline to job's file `file`, which the job's first line creates (or
  /// truncates). Returns a one-line error the first time the file cannot be written; the job's
  /// later lines are then dropped.
  std::optional<std::string> write(std::uint64_t job, const std::string& file,
                                   const std::string& line);
  /// The job ended: its file is flushed and closed.
  void close(std::uint64_t job);

private:
  struct open_file {
    std::ofstream out;
    bool failed = false;
  };
  std::map<std::uint64_t, open_file> files_;
};

} // namespace cohort
