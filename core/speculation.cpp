// The speculation policy; see speculation.hpp.
#include "core/speculation.hpp"

#include <algorithm>

namespace cohort::speculation {

bool applies(bool allowed, const ledger& led) {
  return allowed && led.pending() == 0;
}

bool at_dispatch(bool allowed, task_bound bound, const ledger& led) {
  return bound == task_bound::cpu && applies(allowed, led) && led.in_flight() > 0;
}

std::optional<clock::duration> threshold(const ledger& led) {
  auto median = led.median_run(samples);
  if (!median) {
    return std::nullopt;
  }
  return *median * 2;
}

std::vector<std::uint64_t> due(const ledger& led, clock::time_point now) {
  auto limit = threshold(led);
  return limit ? led.overdue(now, *limit) : std::vector<std::uint64_t>{};
}

std::optional<worker_ref> where(const dispatcher& d, task_bound bound,
                                const std::vector<worker_ref>& holders,
                                const worker_test& eligible) {
  auto score = [&](worker_ref w) -> std::int64_t {
    if (!eligible(w) || d.free_credit(w, bound) == 0 ||
        std::find(holders.begin(), holders.end(), w) != holders.end()) {
      return -1;
    }
    bool same_process = std::any_of(holders.begin(), holders.end(), [&](worker_ref h) {
      return d.at(h).process == d.at(w).process;
    });
    return (same_process ? 0 : std::int64_t{1} << 32) + d.free_credit(w, bound);
  };
  std::optional<worker_ref> pick;
  std::int64_t best = -1;
  for (auto w : d.workers()) {
    if (auto s = score(w); s > best) {
      pick = w;
      best = s;
    }
  }
  return pick;
}

std::optional<clock::time_point> next_due(const dispatcher& d, task_bound bound, const ledger& led,
                                          clock::time_point now, const worker_test& eligible) {
  bool idle = false;
  for (auto w : d.workers()) {
    if (eligible(w) && d.free_credit(w, bound) > 0) {
      idle = true;
      break;
    }
  }
  auto limit = idle ? threshold(led) : std::nullopt;
  return limit ? led.next_overdue(now, *limit) : std::nullopt;
}

} // namespace cohort::speculation
