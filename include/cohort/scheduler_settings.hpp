// CAF's scheduler for one process: its threads and how they share work (--scheduler.*).
#pragma once

#include <cstdint>
#include <optional>

namespace cohort {

enum class scheduler_policy { stealing, sharing };

struct scheduler_settings {
  /// Scheduler threads; none: one per worker actor of the process, plus one.
  std::optional<std::uint32_t> max_threads;
  scheduler_policy policy = scheduler_policy::stealing;
  /// Messages an actor handles per turn before it lets others run; none: unlimited.
  std::optional<std::uint64_t> max_throughput;
};

} // namespace cohort
