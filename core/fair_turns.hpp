// Whose turn it is to send a batch: the submitters (clients; the master's own command line is one)
// take turns, and within one submitter its jobs of the highest priority that can use the turn,
// equal ones in turn; so one client's 1,000 queued jobs do not starve another's one.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

namespace cohort {

class fair_turns {
public:
  void add(std::uint64_t job, std::uint64_t owner, std::int32_t priority);
  void remove(std::uint64_t job);

  /// Offers the turn to jobs in fair order until `take` accepts one (returns true); that job and
  /// its owner are then served last. Returns the job that took it, or nothing when none did.
  std::optional<std::uint64_t> next(const std::function<bool(std::uint64_t)>& take);

  bool empty() const { return where_.empty(); }

private:
  /// One priority level of one owner: its jobs by id, and the job served last there.
  struct level {
    std::set<std::uint64_t> jobs;
    std::uint64_t last = 0;
  };
  /// One owner's levels, highest priority first.
  using levels = std::map<std::int32_t, level, std::greater<>>;

  std::optional<std::uint64_t> offer(levels& l, const std::function<bool(std::uint64_t)>& take);

  std::map<std::uint64_t, levels> owners_;
  std::uint64_t last_owner_ = 0;
  struct place {
    std::uint64_t owner;
    std::int32_t priority;
  };
  std::unordered_map<std::uint64_t, place> where_;
};

} // namespace cohort
