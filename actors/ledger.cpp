// Ledger bookkeeping: every task is pending, in flight with exactly one live attempt, or merged.
#include "actors/ledger.hpp"

#include <algorithm>

namespace cohort {

ledger::ledger(std::uint64_t task_count, std::uint32_t stripes, std::uint32_t max_attempts)
    : task_count_(task_count), max_attempts_(std::max(max_attempts, 1u)), pending_(task_count) {
  stripes = std::max(stripes, 1u);
  stripes_.reserve(stripes);
  for (std::uint32_t s = 0; s < stripes; ++s) {
    stripes_.push_back(stripe{{}, s});
  }
}

bool ledger::stripe_has_pending(std::uint32_t s) const {
  const auto& st = stripes_[s];
  return !st.returned.empty() || st.next_fresh < task_count_;
}

std::vector<dispatched_task> ledger::take(std::uint32_t s, std::uint64_t n, worker_ref worker,
                                          bool avoid_failed, clock::time_point now) {
  std::vector<dispatched_task> out;
  auto& st = stripes_[s];
  out.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(n, pending_)));
  auto record = [&](std::uint64_t index) {
    std::uint32_t attempt = 1;
    if (auto h = history_.find(index); h != history_.end()) {
      attempt = ++h->second.runs;
    }
    in_flight_.emplace(index, live_attempt{worker, attempt, now});
    out.push_back({index, attempt});
    --pending_;
    ++counts_.attempts;
  };
  for (auto i = st.returned.begin(); i != st.returned.end() && out.size() < n;) {
    auto h = history_.find(*i);
    bool failed_here = h != history_.end() && h->second.last_failed_on == worker;
    if (avoid_failed && failed_here) {
      ++i;
      continue;
    }
    record(*i);
    i = st.returned.erase(i);
  }
  auto stride = stripes_.size();
  while (out.size() < n && st.next_fresh < task_count_) {
    record(st.next_fresh);
    st.next_fresh += stride;
  }
  counts_.peak_in_flight = std::max<std::uint64_t>(counts_.peak_in_flight, in_flight_.size());
  return out;
}

const ledger::live_attempt* ledger::live(std::uint64_t index, std::uint32_t attempt,
                                         worker_ref worker) const {
  auto i = in_flight_.find(index);
  if (i == in_flight_.end() || i->second.attempt != attempt || i->second.worker != worker) {
    return nullptr;
  }
  return &i->second;
}

bool ledger::accept(std::uint64_t index, std::uint32_t attempt, worker_ref worker) {
  if (live(index, attempt, worker) == nullptr) {
    ++counts_.duplicates;
    return false;
  }
  in_flight_.erase(index);
  ++merged_;
  return true;
}

void ledger::put_back(std::uint64_t index) {
  auto& h = history_[index];
  if (h.runs == 0) {
    h.runs = 1;
  }
  stripes_[index % stripes_.size()].returned.push_front(index);
  ++pending_;
}

ledger::failure_verdict ledger::fail(std::uint64_t index, std::uint32_t attempt,
                                     worker_ref worker) {
  if (live(index, attempt, worker) == nullptr) {
    return failure_verdict::stale;
  }
  in_flight_.erase(index);
  auto& h = history_[index];
  h.runs = std::max(h.runs, attempt);
  h.failures += 1;
  h.last_failed_on = worker;
  if (h.failures >= max_attempts_) {
    return failure_verdict::exhausted;
  }
  ++counts_.retries;
  put_back(index);
  return failure_verdict::retry;
}

bool ledger::give_back(std::uint64_t index, std::uint32_t attempt, worker_ref worker) {
  if (live(index, attempt, worker) == nullptr) {
    return false;
  }
  in_flight_.erase(index);
  ++counts_.reassigned;
  history_[index].runs = std::max(history_[index].runs, attempt);
  put_back(index);
  return true;
}

std::uint32_t ledger::failures(std::uint64_t index) const {
  auto h = history_.find(index);
  return h == history_.end() ? 0 : h->second.failures;
}

} // namespace cohort
