// Worker choice by free credit; see dispatcher.hpp for the policy.
#include "actors/dispatcher.hpp"

#include <algorithm>

namespace cohort {

worker_ref dispatcher::add(worker_entry w) {
  workers_.push_back(std::move(w));
  return static_cast<worker_ref>(workers_.size() - 1);
}

void dispatcher::remove(worker_ref w) {
  workers_[w].alive = false;
  workers_[w].cpu_used = 0;
  workers_[w].latency_used = 0;
}

std::size_t dispatcher::alive_count() const {
  return static_cast<std::size_t>(
      std::count_if(workers_.begin(), workers_.end(), [](auto& w) { return w.alive; }));
}

bool dispatcher::has_tags(worker_ref w, const std::vector<std::string>& required) const {
  const auto& tags = workers_[w].tags;
  return std::all_of(required.begin(), required.end(), [&](const std::string& t) {
    return std::find(tags.begin(), tags.end(), t) != tags.end();
  });
}

std::uint32_t dispatcher::free_credit(worker_ref w, task_bound b) const {
  const auto& e = workers_[w];
  if (!e.alive || e.draining) {
    return 0;
  }
  if (b == task_bound::cpu) {
    return e.slots > e.cpu_used ? e.slots - e.cpu_used : 0;
  }
  return e.concurrency > e.latency_used ? e.concurrency - e.latency_used : 0;
}

void dispatcher::charge(worker_ref w, task_bound b, std::uint32_t n) {
  auto& used = b == task_bound::cpu ? workers_[w].cpu_used : workers_[w].latency_used;
  used += n;
}

void dispatcher::release(worker_ref w, task_bound b, std::uint32_t n) {
  auto& used = b == task_bound::cpu ? workers_[w].cpu_used : workers_[w].latency_used;
  used -= std::min(used, n);
}

std::optional<worker_ref> dispatcher::pick(dispatch_policy policy,
                                           const std::function<std::uint32_t(worker_ref)>& room) {
  auto n = static_cast<worker_ref>(workers_.size());
  std::optional<worker_ref> best;
  std::uint32_t best_room = 0;
  for (worker_ref k = 1; k <= n; ++k) {
    worker_ref w = (cursor_ + k) % n;
    if (!workers_[w].alive) {
      continue;
    }
    auto r = room(w);
    if (r == 0) {
      continue;
    }
    if (policy == dispatch_policy::round_robin) {
      best = w;
      break;
    }
    if (r > best_room) {
      best = w;
      best_room = r;
    }
  }
  if (best) {
    cursor_ = *best;
  }
  return best;
}

} // namespace cohort
