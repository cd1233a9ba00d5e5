// The worker table: slots reused after a leave, credit per worker and load per process.
#include "core/dispatcher.hpp"

#include "cohort/capabilities.hpp"

#include <algorithm>

namespace cohort {

worker_ref dispatcher::add(worker_entry w) {
  auto [known, fresh] =
      process_of_node_.try_emplace(w.node, static_cast<std::uint32_t>(processes_.size()));
  if (fresh) {
    if (free_processes_.empty()) {
      processes_.emplace_back();
    } else {
      known->second = free_processes_.back();
      free_processes_.pop_back();
    }
    processes_[known->second] = process_entry{w.node, 0, 0, false, std::nullopt};
  }
  ++processes_[known->second].alive_workers;
  w.process = known->second;
  std::uint32_t s;
  if (free_slots_.empty()) {
    s = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  } else {
    s = free_slots_.back();
    free_slots_.pop_back();
  }
  slots_[s].entry = std::move(w);
  slots_[s].occupied = true;
  ++alive_;
  ++roster_version_;
  reindex(s);
  return {s, slots_[s].generation};
}

worker_removal dispatcher::remove(worker_ref w) {
  auto& s = slots_[w.slot];
  auto pi = s.entry.process;
  auto& p = processes_[pi];
  if (!p.load_at_loss) {
    p.load_at_loss = p.load;
  }
  worker_removal out{*p.load_at_loss, std::nullopt};
  p.load -= std::min(p.load, s.entry.cpu_used + s.entry.latency_used);
  if (--p.alive_workers == 0) {
    process_of_node_.erase(p.node);
    p = process_entry{};
    free_processes_.push_back(pi);
    out.process_gone = pi;
  }
  s.entry = worker_entry{};
  s.occupied = false;
  ++s.generation;
  free_slots_.push_back(w.slot);
  --alive_;
  ++roster_version_;
  reindex(w.slot);
  return out;
}

void dispatcher::drain(worker_ref w) {
  slots_[w.slot].entry.draining = true;
  reindex(w.slot);
}

void dispatcher::reserve(std::uint32_t p, bool on) {
  processes_[p].reserved = on;
  for (std::uint32_t s = 0; s < slots_.size(); ++s) {
    if (slots_[s].occupied && slots_[s].entry.process == p) {
      reindex(s);
    }
  }
}

void dispatcher::reindex(std::uint32_t s) {
  const auto& e = slots_[s].entry;
  bool open = slots_[s].occupied && !e.draining && !processes_[e.process].reserved;
  by_credit_[0].set(s, open && e.slots > e.cpu_used ? e.slots - e.cpu_used : 0);
  by_credit_[1].set(s, open && e.concurrency > e.latency_used ? e.concurrency - e.latency_used : 0);
}

std::optional<worker_ref> dispatcher::in_slot(std::uint32_t slot) const {
  if (slot >= slots_.size() || !slots_[slot].occupied) {
    return std::nullopt;
  }
  return worker_ref{slot, slots_[slot].generation};
}

bool dispatcher::has_tags(worker_ref w, const std::vector<std::string>& required) const {
  const auto& tags = at(w).tags;
  return std::all_of(required.begin(), required.end(), [&](const std::string& t) {
    return std::find(tags.begin(), tags.end(), t) != tags.end();
  });
}

bool dispatcher::grants(worker_ref w, std::string_view capability) const {
  const auto& caps = at(w).capabilities;
  return missing_capability(capability, caps).empty();
}

std::uint32_t dispatcher::free_credit(worker_ref w, task_bound b, bool for_reservation) const {
  const auto& e = at(w);
  if (e.draining || (processes_[e.process].reserved && !for_reservation)) {
    return 0;
  }
  if (b == task_bound::cpu) {
    return e.slots > e.cpu_used ? e.slots - e.cpu_used : 0;
  }
  return e.concurrency > e.latency_used ? e.concurrency - e.latency_used : 0;
}

void dispatcher::charge(worker_ref w, task_bound b, std::uint32_t n) {
  auto& e = slots_[w.slot].entry;
  auto& used = b == task_bound::cpu ? e.cpu_used : e.latency_used;
  used += n;
  processes_[e.process].load += n;
  reindex(w.slot);
}

void dispatcher::release(worker_ref w, task_bound b, std::uint32_t n) {
  auto& e = slots_[w.slot].entry;
  auto& used = b == task_bound::cpu ? e.cpu_used : e.latency_used;
  n = std::min(used, n);
  used -= n;
  auto& load = processes_[e.process].load;
  load -= std::min(load, n);
  reindex(w.slot);
}

} // namespace cohort
