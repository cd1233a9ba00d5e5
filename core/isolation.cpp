// Isolation groups and the reservation of processes for them; see isolation.hpp.
#include "core/isolation.hpp"

#include <algorithm>
#include <optional>

namespace cohort {

std::size_t isolation::groups_for(std::size_t lost, std::uint32_t beside) {
  return beside > 1 ? std::min(fanout, lost) : 0;
}

std::size_t isolation::group_of(std::size_t k, std::size_t lost, std::size_t groups) {
  return k * groups / lost;
}

bool isolation::has(std::uint64_t job, std::uint32_t group) const {
  return std::any_of(reservations_.begin(), reservations_.end(),
                     [&](const auto& r) { return r.second.job == job && r.second.group == group; });
}

bool isolation::reserve(dispatcher& d, std::uint64_t job, std::uint32_t group,
                        const worker_test& eligible) {
  std::optional<std::uint32_t> best;
  for (auto w : d.workers()) {
    auto p = d.at(w).process;
    if (!eligible(w) || d.process(p).reserved) {
      continue;
    }
    if (!best || d.process(p).load < d.process(*best).load) {
      best = p;
    }
  }
  if (!best) {
    return false;
  }
  d.reserve(*best, true);
  reservations_.emplace(*best, reservation{job, group});
  return true;
}

void isolation::release(dispatcher& d,
                        const std::function<bool(std::uint64_t, std::uint32_t)>& done) {
  for (auto i = reservations_.begin(); i != reservations_.end();) {
    if (done(i->second.job, i->second.group)) {
      d.reserve(i->first, false);
      i = reservations_.erase(i);
    } else {
      ++i;
    }
  }
}

std::vector<isolation::ready_group> isolation::ready(const dispatcher& d) {
  std::vector<ready_group> out;
  for (auto& [p, r] : reservations_) {
    if (!r.started && d.process(p).load != 0) {
      continue;
    }
    r.started = true;
    out.push_back({p, r.job, r.group});
  }
  return out;
}

} // namespace cohort
