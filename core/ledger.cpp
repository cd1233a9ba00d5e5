// Ledger bookkeeping: every task is pending, in flight with one or more live attempts, or merged.
#include "core/ledger.hpp"

#include <algorithm>
#include <utility>

namespace cohort {

namespace {
constexpr std::size_t max_run_samples = 1023;
} // namespace

ledger::ledger(std::uint64_t task_count, std::uint32_t stripes, std::uint32_t max_attempts)
    : task_count_(task_count), max_attempts_(std::max(max_attempts, 1u)), pending_(task_count) {
  stripes = std::max(stripes, 1u);
  stripes_.reserve(stripes);
  for (std::uint32_t s = 0; s < stripes; ++s) {
    stripes_.push_back(stripe{{}, s, {}});
  }
}

ledger::ledger(const std::vector<std::uint32_t>& stripe_of, std::uint32_t stripes,
               std::uint32_t max_attempts)
    : ledger(stripe_of.size(), stripes, max_attempts) {
  for (auto& st : stripes_) {
    st.next_fresh = 0;
  }
  for (std::uint64_t i = 0; i < stripe_of.size(); ++i) {
    stripes_.at(stripe_of[i]).members.push_back(i);
  }
  stripe_of_ = stripe_of;
}

std::uint32_t ledger::stripe_of(std::uint64_t index) const {
  return stripe_of_.empty() ? static_cast<std::uint32_t>(index % stripes_.size())
                            : stripe_of_[index];
}

bool ledger::has_fresh(const stripe& st) const {
  return stripe_of_.empty() ? st.next_fresh < task_count_ : st.next_fresh < st.members.size();
}

std::uint64_t ledger::fresh(const stripe& st) const {
  return stripe_of_.empty() ? st.next_fresh : st.members[st.next_fresh];
}

void ledger::mark_merged(index_set done) {
  merged_before_ = std::move(done);
  merged_ += merged_before_.size();
  pending_ -= merged_before_.size();
  for (auto& st : stripes_) {
    skip_merged_before(st);
  }
}

void ledger::skip_merged_before(stripe& st) const {
  const auto stride = stripe_of_.empty() ? stripes_.size() : 1;
  while (has_fresh(st) && merged_before_.contains(fresh(st))) {
    st.next_fresh += stride;
  }
}

bool ledger::stripe_has_pending(std::uint32_t s) const {
  const auto& st = stripes_[s];
  return !st.returned.empty() || has_fresh(st);
}

ledger::history& ledger::hist(std::uint64_t index) {
  auto [it, inserted] = history_.try_emplace(index);
  if (inserted) {
    // Every task with a history has been dispatched at least once.
    it->second.runs = 1;
  }
  return it->second;
}

bool ledger::runs_on(std::uint64_t index, worker_ref worker) const {
  auto i = in_flight_.find(index);
  if (i == in_flight_.end()) {
    return false;
  }
  if (i->second.first.worker == worker) {
    return true;
  }
  return std::any_of(i->second.more.begin(), i->second.more.end(),
                     [&](const live_attempt& a) { return a.worker == worker; });
}

std::vector<worker_ref> ledger::live_workers(std::uint64_t index) const {
  std::vector<worker_ref> out;
  if (auto i = in_flight_.find(index); i != in_flight_.end()) {
    out.push_back(i->second.first.worker);
    for (const auto& a : i->second.more) {
      out.push_back(a.worker);
    }
  }
  return out;
}

ledger::live_attempt* ledger::find_live(std::uint64_t index, std::uint32_t attempt,
                                        worker_ref worker) {
  return const_cast<live_attempt*>(std::as_const(*this).find_live(index, attempt, worker));
}

const ledger::live_attempt* ledger::find_live(std::uint64_t index, std::uint32_t attempt,
                                              worker_ref worker) const {
  auto i = in_flight_.find(index);
  if (i == in_flight_.end()) {
    return nullptr;
  }
  auto matches = [&](const live_attempt& a) {
    return a.attempt == attempt && a.worker == worker;
  };
  if (matches(i->second.first)) {
    return &i->second.first;
  }
  auto m = std::find_if(i->second.more.begin(), i->second.more.end(), matches);
  return m == i->second.more.end() ? nullptr : &*m;
}

bool ledger::is_live(std::uint64_t index, std::uint32_t attempt, worker_ref worker) const {
  return find_live(index, attempt, worker) != nullptr;
}

void ledger::time(flight& f) {
  auto start = f.second.first.start;
  flight* older = newest_;
  while (older != nullptr && older->second.first.start > start) {
    older = older->second.older;
  }
  flight* newer = older == nullptr ? oldest_ : older->second.newer;
  f.second.older = older;
  f.second.newer = newer;
  (older == nullptr ? oldest_ : older->second.newer) = &f;
  (newer == nullptr ? newest_ : newer->second.older) = &f;
  f.second.timed = true;
}

void ledger::untime(flight& f) {
  if (!f.second.timed) {
    return;
  }
  auto* older = f.second.older;
  auto* newer = f.second.newer;
  (older == nullptr ? oldest_ : older->second.newer) = newer;
  (newer == nullptr ? newest_ : newer->second.older) = older;
  f.second.older = f.second.newer = nullptr;
  f.second.timed = false;
}

void ledger::add_live(std::uint64_t index, live_attempt a) {
  auto [it, inserted] = in_flight_.try_emplace(index, live_set{a, {}});
  if (inserted) {
    time(*it);
  } else {
    it->second.more.push_back(a);
  }
  ++live_count_;
  if (auto h = history_.find(index); h != history_.end() && h->second.group != 0) {
    ++groups_[h->second.group].live;
  }
  counts_.peak_in_flight = std::max(counts_.peak_in_flight, live_count_);
}

bool ledger::remove_live(std::uint64_t index, std::uint32_t attempt, worker_ref worker) {
  auto i = in_flight_.find(index);
  auto& set = i->second;
  auto matches = [&](const live_attempt& a) {
    return a.attempt == attempt && a.worker == worker;
  };
  bool others = !set.more.empty();
  if (matches(set.first)) {
    untime(*i);
    if (others) {
      set.first = set.more.back();
      set.more.pop_back();
      if (auto h = history_.find(index); h == history_.end() || !h->second.speculated) {
        time(*i);
      }
    } else {
      in_flight_.erase(i);
    }
  } else {
    set.more.erase(std::find_if(set.more.begin(), set.more.end(), matches));
  }
  --live_count_;
  if (auto h = history_.find(index); h != history_.end() && h->second.group != 0) {
    auto g = groups_.find(h->second.group);
    --g->second.live;
    if (g->second.live == 0 && g->second.queued.empty()) {
      groups_.erase(g);
    }
  }
  return others;
}

dispatched_task ledger::record(std::uint64_t index, worker_ref worker, clock::time_point now) {
  std::uint32_t attempt = 1;
  if (auto h = history_.find(index); h != history_.end()) {
    attempt = ++h->second.runs;
    h->second.taken_for = h->second.reason;
    switch (std::exchange(h->second.reason, requeue_reason::none)) {
    case requeue_reason::retry:
      ++counts_.retries;
      break;
    case requeue_reason::reassign:
      ++counts_.reassigned;
      break;
    case requeue_reason::none:
      break;
    }
  }
  add_live(index, live_attempt{now, worker, attempt});
  ++counts_.attempts;
  return {index, attempt};
}

std::vector<dispatched_task> ledger::take(std::uint32_t s, std::uint64_t n, worker_ref worker,
                                          bool avoid_failed, clock::time_point now) {
  std::vector<dispatched_task> out;
  auto& st = stripes_[s];
  out.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(n, pending_)));
  for (auto i = st.returned.begin(); i != st.returned.end() && out.size() < n;) {
    auto& h = history_.at(*i);
    if (runs_on(*i, worker) || (avoid_failed && h.last_failed_on == worker)) {
      ++i;
      continue;
    }
    auto index = *i;
    i = st.returned.erase(i);
    h.queued = false;
    --pending_;
    out.push_back(record(index, worker, now));
  }
  const auto stride = stripe_of_.empty() ? stripes_.size() : 1;
  while (out.size() < n && has_fresh(st)) {
    out.push_back(record(fresh(st), worker, now));
    --pending_;
    st.next_fresh += stride;
    if (merged_before_.size() > 0) {
      skip_merged_before(st);
    }
  }
  return out;
}

void ledger::untake(const std::vector<dispatched_task>& tasks, worker_ref worker) {
  // Backwards, so each goes to the front of its queue in the order it was taken.
  for (auto t = tasks.rbegin(); t != tasks.rend(); ++t) {
    remove_live(t->index, t->attempt, worker);
    --counts_.attempts;
    auto& h = hist(t->index);
    h.runs = t->attempt - 1;
    auto why = std::exchange(h.taken_for, requeue_reason::none);
    if (why == requeue_reason::retry) {
      --counts_.retries;
    } else if (why == requeue_reason::reassign) {
      --counts_.reassigned;
    }
    requeue(t->index, why);
  }
}

std::vector<std::uint32_t> ledger::waiting_groups() const {
  std::vector<std::uint32_t> out;
  for (const auto& [g, state] : groups_) {
    if (!state.queued.empty()) {
      out.push_back(g);
    }
  }
  return out;
}

std::optional<std::uint64_t> ledger::group_task(std::uint32_t group) const {
  auto g = groups_.find(group);
  if (g == groups_.end() || g->second.queued.empty()) {
    return std::nullopt;
  }
  return g->second.queued.front();
}

std::vector<dispatched_task> ledger::take_group(std::uint32_t group, std::uint64_t n,
                                                worker_ref worker, clock::time_point now) {
  std::vector<dispatched_task> out;
  auto g = groups_.find(group);
  if (g == groups_.end()) {
    return out;
  }
  auto& queued = g->second.queued;
  for (auto i = queued.begin(); i != queued.end() && out.size() < n;) {
    if (runs_on(*i, worker)) {
      ++i;
      continue;
    }
    auto index = *i;
    i = queued.erase(i);
    history_.at(index).queued = false;
    --pending_;
    --isolated_pending_;
    // record() adds the attempt to the group's live count, so the group cannot vanish here.
    out.push_back(record(index, worker, now));
  }
  return out;
}

void ledger::requeue(std::uint64_t index, requeue_reason why) {
  auto& h = hist(index);
  h.reason = why;
  h.queued = true;
  ++pending_;
  if (h.group != 0) {
    groups_[h.group].queued.push_back(index);
    ++isolated_pending_;
  } else {
    stripes_[stripe_of(index)].returned.push_front(index);
  }
}

void ledger::unqueue(std::uint64_t index) {
  auto& h = history_.at(index);
  h.queued = false;
  --pending_;
  if (h.group != 0) {
    auto g = groups_.find(h.group);
    auto& q = g->second.queued;
    q.erase(std::find(q.begin(), q.end(), index));
    --isolated_pending_;
    if (q.empty() && g->second.live == 0) {
      groups_.erase(g);
    }
  } else {
    auto& q = stripes_[stripe_of(index)].returned;
    q.erase(std::find(q.begin(), q.end(), index));
  }
}

bool ledger::accept(std::uint64_t index, std::uint32_t attempt, worker_ref worker,
                    clock::time_point now, std::vector<losing_attempt>& losers) {
  auto i = in_flight_.find(index);
  auto* won = i == in_flight_.end() ? nullptr : find_live(index, attempt, worker);
  if (won == nullptr) {
    ++counts_.duplicates;
    return false;
  }
  auto ran = now - won->start;
  last_run_ = ran;
  ++samples_taken_;
  if (run_samples_.size() < max_run_samples) {
    run_samples_.push_back(ran);
  } else {
    run_samples_[next_sample_] = ran;
    next_sample_ = (next_sample_ + 1) % max_run_samples;
  }
  auto& set = i->second;
  auto lose = [&](const live_attempt& a) {
    if (&a != won) {
      losers.push_back({index, a.attempt, a.worker});
    }
  };
  lose(set.first);
  std::for_each(set.more.begin(), set.more.end(), lose);
  auto live = 1 + set.more.size();
  live_count_ -= live;
  untime(*i);
  in_flight_.erase(i);
  if (auto h = history_.find(index); h != history_.end()) {
    if (h->second.queued) {
      unqueue(index);
    }
    if (h->second.group != 0) {
      auto g = groups_.find(h->second.group);
      g->second.live -= live;
      if (g->second.live == 0 && g->second.queued.empty()) {
        groups_.erase(g);
      }
    }
  }
  ++merged_;
  return true;
}

ledger::verdict ledger::settle(std::uint64_t index, bool others_live, requeue_reason why) {
  if (others_live) {
    return verdict::absorbed;
  }
  if (!hist(index).queued) {
    requeue(index, why);
  }
  return verdict::requeued;
}

ledger::verdict ledger::fail(std::uint64_t index, std::uint32_t attempt, worker_ref worker) {
  if (find_live(index, attempt, worker) == nullptr) {
    return verdict::stale;
  }
  bool others = remove_live(index, attempt, worker);
  auto& h = hist(index);
  h.failures += 1;
  h.last_failed_on = worker;
  if (h.failures >= max_attempts_) {
    return verdict::exhausted;
  }
  if (!others && !h.queued) {
    // A throw is not a loss: the task leaves its isolation group unless it was charged a loss.
    h.group = h.solo ? new_group() : 0;
  }
  return settle(index, others, requeue_reason::retry);
}

ledger::verdict ledger::lose(std::uint64_t index, std::uint32_t attempt, worker_ref worker,
                             std::optional<std::uint32_t> group) {
  if (find_live(index, attempt, worker) == nullptr) {
    return verdict::stale;
  }
  bool others = remove_live(index, attempt, worker);
  auto& h = hist(index);
  if (!group) {
    h.failures += 1;
    h.last_failed_on = worker;
    h.solo = true;
    if (h.failures >= max_attempts_) {
      return verdict::exhausted;
    }
  }
  if (!others && !h.queued) {
    h.group = group ? *group : new_group();
  }
  return settle(index, others, requeue_reason::reassign);
}

ledger::verdict ledger::give_back(std::uint64_t index, std::uint32_t attempt, worker_ref worker) {
  if (find_live(index, attempt, worker) == nullptr) {
    return verdict::stale;
  }
  bool others = remove_live(index, attempt, worker);
  return settle(index, others, requeue_reason::reassign);
}

std::vector<std::uint64_t> ledger::expire(clock::time_point now, clock::duration timeout) {
  std::vector<std::uint64_t> exhausted;
  for (auto& [index, set] : in_flight_) {
    bool young = false;
    bool charged = false;
    std::optional<worker_ref> on;
    auto check = [&](live_attempt& a) {
      if (a.expired) {
        return;
      }
      if (now - a.start < timeout) {
        young = true;
        return;
      }
      a.expired = true;
      charged = true;
      on = a.worker;
    };
    check(set.first);
    std::for_each(set.more.begin(), set.more.end(), check);
    if (!charged) {
      continue;
    }
    auto& h = hist(index);
    h.failures += 1;
    h.last_failed_on = on;
    if (h.failures >= max_attempts_) {
      exhausted.push_back(index);
    } else if (!young && !h.queued) {
      requeue(index, requeue_reason::retry);
    }
  }
  return exhausted;
}

std::optional<ledger::clock::duration> ledger::median_run(std::size_t min_samples) const {
  if (run_samples_.size() < std::max<std::size_t>(min_samples, 1)) {
    return std::nullopt;
  }
  if (median_at_ != samples_taken_ &&
      (run_samples_.size() < max_run_samples || samples_taken_ - median_at_ >= 32)) {
    auto copy = run_samples_;
    auto mid = copy.begin() + static_cast<std::ptrdiff_t>(copy.size() / 2);
    std::nth_element(copy.begin(), mid, copy.end());
    median_ = *mid;
    median_at_ = samples_taken_;
  }
  return median_;
}

bool ledger::may_speculate(std::uint64_t index, const live_set& set) const {
  if (!set.more.empty()) {
    return false;
  }
  auto h = history_.find(index);
  return h == history_.end() || !(h->second.speculated || h->second.queued);
}

std::vector<std::uint64_t> ledger::overdue(clock::time_point now, clock::duration threshold) const {
  std::vector<std::uint64_t> out;
  for (auto* f = oldest_; f != nullptr && now - f->second.first.start > threshold;
       f = f->second.newer) {
    if (may_speculate(f->first, f->second)) {
      out.push_back(f->first);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<ledger::clock::time_point> ledger::next_overdue(clock::time_point now,
                                                              clock::duration threshold) const {
  for (auto* f = oldest_; f != nullptr; f = f->second.newer) {
    auto due = f->second.first.start + threshold;
    if (due > now && may_speculate(f->first, f->second)) {
      return due;
    }
  }
  return std::nullopt;
}

std::optional<dispatched_task> ledger::speculate(std::uint64_t index, worker_ref worker,
                                                 clock::time_point now) {
  if (!in_flight_.contains(index) || runs_on(index, worker)) {
    return std::nullopt;
  }
  auto& h = hist(index);
  if (h.speculated) {
    return std::nullopt;
  }
  h.speculated = true;
  untime(*in_flight_.find(index));
  auto attempt = ++h.runs;
  add_live(index, live_attempt{now, worker, attempt});
  ++counts_.attempts;
  ++counts_.speculative;
  return dispatched_task{index, attempt};
}

std::uint32_t ledger::failures(std::uint64_t index) const {
  auto h = history_.find(index);
  return h == history_.end() ? 0 : h->second.failures;
}

} // namespace cohort
