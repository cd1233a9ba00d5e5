// The worker table: each joined worker actor's credit, the process it lives in, and reusable slots.
#pragma once

#include "cohort/job.hpp"
#include "core/credit_index.hpp"
#include "core/worker_ref.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace cohort {

/// A joined worker actor as the master sees it.
struct worker_entry {
  std::string id;
  std::string host;
  /// The process the worker actor lives in (its node); actors of one process share its fate.
  std::string node;
  std::vector<std::string> tags;
  /// What it grants beyond tags (job_kind::capability).
  std::vector<std::string> capabilities;
  std::uint32_t slots = 1;
  std::uint32_t concurrency = 10000;
  std::uint32_t cpu_used = 0;
  std::uint32_t latency_used = 0;
  /// Leaving: keeps what it holds, gets nothing new.
  bool draining = false;
  /// Index of its process in the dispatcher's process table.
  std::uint32_t process = 0;
};

/// A process holding worker actors: its tasks in flight, and whether it is reserved for an
/// isolation run (then only the reserving group's tasks go to it).
struct process_entry {
  std::string node;
  std::uint32_t load = 0;
  std::uint32_t alive_workers = 0;
  bool reserved = false;
  /// Its load when it first lost a worker, until it has none left: losses of one process are
  /// judged together.
  std::optional<std::uint32_t> load_at_loss;
};

/// A question about one worker (does it fit a job, may it take its tasks now), for the policies
/// that choose among workers.
using worker_test = std::function<bool(worker_ref)>;

/// What a worker's removal means for its process.
struct worker_removal {
  /// Tasks in flight on the process when it first lost a worker (later losses of the same
  /// process are judged by the same count).
  std::uint32_t beside = 0;
  /// The process's index when this was its last worker: the entry is freed and may be reused.
  std::optional<std::uint32_t> process_gone;
};

/// Credit is counted per worker actor and per bound: CPU tasks against `slots`, latency-bound tasks
/// against `concurrency`. The master never sends more than the free credit, so a worker's mailbox
/// holds at most its credit and a fast worker, draining sooner, is offered more. A worker that
/// leaves frees its slot and, as its process's last, the process entry; both are reused by later
/// joins, so the table is as large as the most workers (and processes) present at once.
class dispatcher {
public:
  /// The workers present, in slot order.
  class range;

  worker_ref add(worker_entry w);
  /// Frees the slot of `w`, which must be current.
  worker_removal remove(worker_ref w);
  /// Whether `w` names a worker present now (not one that left, nor a slot reused since).
  bool current(worker_ref w) const {
    return w.slot < slots_.size() && slots_[w.slot].occupied &&
           slots_[w.slot].generation == w.generation;
  }
  void drain(worker_ref w);
  /// The entry of current worker `w`.
  const worker_entry& at(worker_ref w) const { return slots_[w.slot].entry; }
  range workers() const;
  /// Slots, free ones included: the bound of a walk over slot numbers.
  std::uint32_t slot_count() const { return static_cast<std::uint32_t>(slots_.size()); }
  /// The worker in `slot`, if one is there.
  std::optional<worker_ref> in_slot(std::uint32_t slot) const;
  std::size_t alive_count() const { return alive_; }
  /// Changes whenever a worker joins or leaves: what is computed over the workers present holds
  /// while it stays the same.
  std::uint64_t roster_version() const { return roster_version_; }
  bool has_tags(worker_ref w, const std::vector<std::string>& required) const;
  /// Whether `w` grants `capability` (an empty one is granted by every worker).
  bool grants(worker_ref w, std::string_view capability) const;

  const process_entry& process(std::uint32_t p) const { return processes_[p]; }
  /// Process entries, free ones included.
  std::size_t process_count() const { return processes_.size(); }
  /// Reserves process `p` for an isolation run, or ends that; its workers leave the credit
  /// indexes while it is reserved (picks go by free_credit with for_reservation instead).
  void reserve(std::uint32_t p, bool on);

  /// Free credit of `w`; none while its process is reserved, unless `for_reservation`.
  std::uint32_t free_credit(worker_ref w, task_bound b, bool for_reservation = false) const;
  void charge(worker_ref w, task_bound b, std::uint32_t n);
  void release(worker_ref w, task_bound b, std::uint32_t n);

  /// Calls `visit(w, credit)` for the workers with free credit of bound `b`, most credit first
  /// (equals in the order they reached it), until it returns false. Draining workers and those of
  /// reserved processes are not among them.
  template <class Visit> void by_credit(task_bound b, Visit&& visit) const {
    by_credit_[index_of(b)].visit([&](std::uint32_t s, std::uint32_t credit) {
      return visit(worker_ref{s, slots_[s].generation}, credit);
    });
  }

private:
  struct slot {
    worker_entry entry;
    /// Bumped when the slot is freed, so refs to its last occupant go stale.
    std::uint32_t generation = 0;
    bool occupied = false;
  };

  static std::size_t index_of(task_bound b) { return b == task_bound::cpu ? 0 : 1; }
  /// Puts slot `s` in the credit indexes at its credit now.
  void reindex(std::uint32_t s);

  std::vector<slot> slots_;
  credit_index by_credit_[2];
  std::uint64_t roster_version_ = 0;
  std::vector<std::uint32_t> free_slots_;
  std::size_t alive_ = 0;
  std::vector<process_entry> processes_;
  std::vector<std::uint32_t> free_processes_;
  std::unordered_map<std::string, std::uint32_t> process_of_node_;
};

class dispatcher::range {
public:
  class iterator {
  public:
    iterator(const dispatcher& d, std::uint32_t slot) : d_(&d), slot_(slot) { skip_free(); }
    worker_ref operator*() const { return {slot_, d_->slots_[slot_].generation}; }
    iterator& operator++() {
      ++slot_;
      skip_free();
      return *this;
    }
    bool operator==(const iterator& o) const { return slot_ == o.slot_; }

  private:
    void skip_free() {
      while (slot_ < d_->slots_.size() && !d_->slots_[slot_].occupied) {
        ++slot_;
      }
    }
    const dispatcher* d_;
    std::uint32_t slot_;
  };

  explicit range(const dispatcher& d) : d_(d) {}
  iterator begin() const { return {d_, 0}; }
  iterator end() const { return {d_, d_.slot_count()}; }

private:
  const dispatcher& d_;
};

inline dispatcher::range dispatcher::workers() const {
  return range(*this);
}

} // namespace cohort
