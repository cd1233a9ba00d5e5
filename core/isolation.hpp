// Isolation: lost tasks run again in groups, each alone on a process reserved for it.
#pragma once

#include "core/dispatcher.hpp"
#include "core/worker_ref.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <vector>

namespace cohort {

/// A poison task is found before any task is charged a loss: tasks lost beside others are not
/// charged, and each group runs with nothing else on its process.
class isolation {
public:
  /// Tasks lost beside others are split into at most this many groups: a poison task is found
  /// after few losses, and a large loss still re-runs in a few groups, not one task at a time.
  static constexpr std::size_t fanout = 8;

  /// How many groups `lost` tasks form when their process had `beside` tasks in flight at its
  /// first loss: none when a task was alone there (its loss is charged instead).
  static std::size_t groups_for(std::size_t lost, std::uint32_t beside);
  /// The group (0 to groups-1) of the k-th of `lost` tasks: consecutive tasks, evenly spread.
  static std::size_t group_of(std::size_t k, std::size_t lost, std::size_t groups);

  /// Whether (job, group) has a process reserved.
  bool has(std::uint64_t job, std::uint32_t group) const;
  /// Reserves for (job, group) the process of a worker `eligible` for it that is not reserved
  /// yet: an idle one if there is one, else the least loaded, which then gets no new work until
  /// it is empty. False when every such process is reserved.
  bool reserve(dispatcher& d, std::uint64_t job, std::uint32_t group, const worker_test& eligible);
  /// Drops the reservations for which `done(job, group)` holds (group finished, job ended) and
  /// frees their processes.
  void release(dispatcher& d, const std::function<bool(std::uint64_t, std::uint32_t)>& done);
  /// Forgets the reservation of process `p`, which has no worker left: its entry may be reused.
  void process_gone(std::uint32_t p) { reservations_.erase(p); }

  struct ready_group {
    std::uint32_t process;
    std::uint64_t job;
    std::uint32_t group;
  };
  /// The groups that may run now: their process has run empty since it was reserved.
  std::vector<ready_group> ready(const dispatcher& d);
  std::size_t reserved() const { return reservations_.size(); }

private:
  struct reservation {
    std::uint64_t job;
    std::uint32_t group;
    bool started = false;
  };
  /// By process index.
  std::map<std::uint32_t, reservation> reservations_;
};

} // namespace cohort
