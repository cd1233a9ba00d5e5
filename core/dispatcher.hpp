// The dispatcher: the worker table with each worker's credit, and the choice of worker for the next
// batch.
#pragma once

#include "cohort/job.hpp"
#include "cohort/master_settings.hpp"
#include "core/ledger.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
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
  bool alive = true;
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

/// Credit is counted per worker actor and per bound: CPU tasks against `slots`, latency-bound tasks
/// against `concurrency`. The master never sends more than the free credit, so a worker's mailbox
/// holds at most its credit and a fast worker, draining sooner, is offered more.
class dispatcher {
public:
  worker_ref add(worker_entry w);
  /// Marks `w` gone and returns how many tasks were in flight on its process when the process first
  /// lost a worker (so later losses of the same process are judged by the same count).
  std::uint32_t remove(worker_ref w);
  void drain(worker_ref w) { workers_[w].draining = true; }
  const worker_entry& at(worker_ref w) const { return workers_[w]; }
  std::size_t size() const { return workers_.size(); }
  std::size_t alive_count() const;
  bool has_tags(worker_ref w, const std::vector<std::string>& required) const;
  /// Whether `w` grants `capability` (an empty one is granted by every worker).
  bool grants(worker_ref w, std::string_view capability) const;

  const process_entry& process(std::uint32_t p) const { return processes_[p]; }
  std::size_t process_count() const { return processes_.size(); }
  void reserve(std::uint32_t p, bool on) { processes_[p].reserved = on; }

  /// Free credit of `w`; none while its process is reserved, unless `for_reservation`.
  std::uint32_t free_credit(worker_ref w, task_bound b, bool for_reservation = false) const;
  void charge(worker_ref w, task_bound b, std::uint32_t n);
  void release(worker_ref w, task_bound b, std::uint32_t n);

  /// Picks among alive workers with room(w) > 0. least-loaded: the most room (ties rotate);
  /// round-robin: the next one after the last pick. room(w) already folds in credit, tags and job
  /// caps.
  std::optional<worker_ref> pick(dispatch_policy policy,
                                 const std::function<std::uint32_t(worker_ref)>& room);

private:
  std::vector<worker_entry> workers_;
  std::vector<process_entry> processes_;
  worker_ref cursor_ = 0;
};

} // namespace cohort
