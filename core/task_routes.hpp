// Per-task routing: a job whose tasks carry tags has a route per distinct tag set, and each task
// goes only to workers carrying its route's tags.
#pragma once

#include "cohort/job.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cohort {

class task_routes {
public:
  /// The routes of `plan`'s tasks; none when its tasks carry no tags.
  static std::optional<task_routes> of(const job_plan& plan);

  std::uint32_t count() const { return static_cast<std::uint32_t>(tags_.size()); }
  /// The tags a worker must carry for `route` (sorted, no repeats; empty for untagged tasks).
  const std::vector<std::string>& tags(std::uint32_t route) const { return tags_.at(route); }
  std::uint32_t route_of(std::uint64_t index) const { return route_of_.at(index); }
  /// Each task's route, by index.
  const std::vector<std::uint32_t>& routes() const { return route_of_; }
  /// How many of the job's tasks take `route`.
  std::uint64_t tasks(std::uint32_t route) const { return tasks_.at(route); }
  /// `route`'s tags joined with commas, or "untagged".
  std::string label(std::uint32_t route) const;

private:
  std::vector<std::vector<std::string>> tags_;
  std::vector<std::uint32_t> route_of_;
  std::vector<std::uint64_t> tasks_;
};

} // namespace cohort
