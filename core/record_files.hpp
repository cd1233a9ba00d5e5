// The records files of jobs (an exec joblog): each job's lines appended to the file its records
// parameter names, by whoever submitted the job (the master for its own command line, a client for
// its jobs), so the file lands on the submitter's side.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace cohort {

class record_files {
public:
  /// Appends `line` and a newline to job's file `file`. The first job to name a file creates (or
  /// truncates) it; jobs naming a file already open share it, and a job's first line that repeats
  /// the file's first line (the same header) is not written again. Returns a one-line error the
  /// first time the file cannot be written; the file's later lines are then dropped.
  /// With `append`, a file not open yet is appended to instead (a job resumed after a restart).
  std::optional<std::string> write(std::uint64_t job, const std::string& file,
                                   const std::string& line, bool append = false);
  /// The job ended: its file is closed once no other job writes to it.
  void close(std::uint64_t job);

private:
  struct open_file {
    std::ofstream out;
    std::string first_line;
    std::size_t jobs = 0;
    bool failed = false;
  };
  std::map<std::string, std::shared_ptr<open_file>> by_path_;
  std::map<std::uint64_t, std::string> path_of_;
};

} // namespace cohort
