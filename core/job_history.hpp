// What a master says of its jobs to clients (`cohort jobs`, `cohort wait`): a summary of each
// running or queued job, and the ended ones it keeps (--history N), with their output lines.
#pragma once

#include "cohort/job_outcome.hpp"
#include "core/job_report.hpp"

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

namespace cohort {

/// One job as `cohort jobs` shows it.
struct job_summary {
  std::uint64_t id = 0;
  /// Who submitted it (a client's number; 0: the master's own command line).
  std::uint64_t owner = 0;
  std::string kind;
  std::string name;
  /// queued | running | ok | failed | cancelled
  std::string state;
  std::uint64_t done = 0;
  std::uint64_t total = 0;
  double wall_s = 0;
};

/// `{"id", "name" (when given), "job", "status", "done", "total", "wall_s"}`.
std::string summary_line(const job_summary& s);

/// The ended jobs a master keeps: the newest `keep`, each with its summary and output line.
class job_history {
public:
  struct record {
    job_summary summary;
    job_status status = job_status::failed;
    std::string line;
  };

  explicit job_history(std::size_t keep) : keep_(keep) {}

  void add(record r);
  /// The ended job `id`, or nullptr when it never was or is forgotten.
  const record* find(std::uint64_t id) const;
  /// The kept jobs, oldest first.
  std::vector<const record*> all() const;

private:
  std::size_t keep_;
  std::deque<std::uint64_t> order_;
  std::unordered_map<std::uint64_t, record> records_;
};

} // namespace cohort
