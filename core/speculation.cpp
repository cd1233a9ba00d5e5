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
  // Workers come most free credit first: the first one on another process than the holders is
  // the pick; one on a holder's process only when there is none.
  std::optional<worker_ref> beside;
  std::optional<worker_ref> apart;
  d.by_credit(bound, [&](worker_ref w, std::uint32_t) {
    if (d.free_credit(w, bound) == 0 || !eligible(w) ||
        std::find(holders.begin(), holders.end(), w) != holders.end()) {
      return true;
    }
    bool same_process = std::any_of(holders.begin(), holders.end(), [&](worker_ref h) {
      return d.at(h).process == d.at(w).process;
    });
    if (!same_process) {
      apart = w;
      return false;
    }
    if (!beside) {
      beside = w;
    }
    return true;
  });
  return apart ? apart : beside;
}

std::optional<clock::time_point> next_due(const dispatcher& d, task_bound bound, const ledger& led,
                                          clock::time_point now, const worker_test& eligible) {
  bool idle = false;
  d.by_credit(bound, [&](worker_ref w, std::uint32_t) {
    idle = d.free_credit(w, bound) > 0 && eligible(w);
    return !idle;
  });
  auto limit = idle ? threshold(led) : std::nullopt;
  return limit ? led.next_overdue(now, *limit) : std::nullopt;
}

} // namespace cohort::speculation
