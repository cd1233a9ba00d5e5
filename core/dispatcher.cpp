// Worker choice by free credit; see dispatcher.hpp for the policy.
#include "core/dispatcher.hpp"

#include <algorithm>

namespace cohort {

worker_ref dispatcher::add(worker_entry w) {
  auto p = std::find_if(processes_.begin(), processes_.end(),
                        [&](const process_entry& e) { return e.node == w.node; });
  if (p == processes_.end()) {
    processes_.push_back(process_entry{w.node, 0, 0, false, std::nullopt});
    p = processes_.end() - 1;
  }
  ++p->alive_workers;
  w.process = static_cast<std::uint32_t>(p - processes_.begin());
  workers_.push_back(std::move(w));
  return static_cast<worker_ref>(workers_.size() - 1);
}

std::uint32_t dispatcher::remove(worker_ref w) {
  auto& e = workers_[w];
  auto& p = processes_[e.process];
  if (!e.alive) {
    return p.load_at_loss.value_or(p.load);
  }
  if (!p.load_at_loss) {
    p.load_at_loss = p.load;
  }
  auto beside = *p.load_at_loss;
  p.load -= std::min(p.load, e.cpu_used + e.latency_used);
  e.alive = false;
  e.cpu_used = 0;
  e.latency_used = 0;
  if (--p.alive_workers == 0) {
    p.load_at_loss.reset();
    p.reserved = false;
  }
  return beside;
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

bool dispatcher::grants(worker_ref w, std::string_view capability) const {
  const auto& caps = workers_[w].capabilities;
  return capability.empty() || std::find(caps.begin(), caps.end(), capability) != caps.end();
}

std::uint32_t dispatcher::free_credit(worker_ref w, task_bound b, bool for_reservation) const {
  const auto& e = workers_[w];
  if (!e.alive || e.draining || (processes_[e.process].reserved && !for_reservation)) {
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
  processes_[workers_[w].process].load += n;
}

void dispatcher::release(worker_ref w, task_bound b, std::uint32_t n) {
  auto& used = b == task_bound::cpu ? workers_[w].cpu_used : workers_[w].latency_used;
  n = std::min(used, n);
  used -= n;
  auto& load = processes_[workers_[w].process].load;
  load -= std::min(load, n);
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
