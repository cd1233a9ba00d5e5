// Turns: owners in a ring after the one served last; within an owner, levels from the highest, and
// within a level the jobs in a ring after the one served last.
#include "core/fair_turns.hpp"

namespace cohort {

void fair_turns::add(std::uint64_t job, std::uint64_t owner, std::int32_t priority) {
  owners_[owner][priority].jobs.insert(job);
  where_[job] = {owner, priority};
}

void fair_turns::remove(std::uint64_t job) {
  auto w = where_.find(job);
  if (w == where_.end()) {
    return;
  }
  auto o = owners_.find(w->second.owner);
  auto l = o->second.find(w->second.priority);
  l->second.jobs.erase(job);
  if (l->second.jobs.empty()) {
    o->second.erase(l);
  }
  if (o->second.empty()) {
    owners_.erase(o);
  }
  where_.erase(w);
}

std::optional<std::uint64_t> fair_turns::offer(levels& ls,
                                               const std::function<bool(std::uint64_t)>& take) {
  for (auto& [priority, l] : ls) {
    auto start = l.jobs.upper_bound(l.last);
    for (std::size_t k = 0; k < l.jobs.size(); ++k, ++start) {
      if (start == l.jobs.end()) {
        start = l.jobs.begin();
      }
      if (take(*start)) {
        l.last = *start;
        return *start;
      }
    }
  }
  return std::nullopt;
}

std::optional<std::uint64_t> fair_turns::next(const std::function<bool(std::uint64_t)>& take) {
  auto start = owners_.upper_bound(last_owner_);
  for (std::size_t k = 0; k < owners_.size(); ++k, ++start) {
    if (start == owners_.end()) {
      start = owners_.begin();
    }
    // `take` may not add or remove jobs: the caller applies ends after the turn.
    if (auto job = offer(start->second, take)) {
      last_owner_ = start->first;
      return job;
    }
  }
  return std::nullopt;
}

} // namespace cohort
