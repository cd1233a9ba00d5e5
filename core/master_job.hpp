// A job as the master core holds it while it runs, and the small helpers the master core's files
// share (master_core.cpp, master_dispatch.cpp, master_journal.cpp, master_report.cpp).
#pragma once

#include "core/master_core.hpp"
#include "core/task_routes.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace cohort {

struct master_core::job_state {
  /// A worker's part in the job; what the report shows is copied here, so the worker's slot can
  /// be reused as soon as it leaves.
  struct per_worker {
    worker_share share;
    std::uint32_t in_flight = 0;
  };

  std::uint64_t id = 0;
  /// Who submitted it (a client's number; 0: the master's own command line).
  std::uint64_t owner = 0;
  job_request req;
  task_bound bound = task_bound::cpu;
  bool idempotent = true;
  bool rerun_after_loss = true;
  /// Whether slow tasks may be copied: the job's speculate option, and its kind allows it.
  bool speculates = true;
  std::string capability;
  bool keeps_partial_result = false;
  job_desc desc;
  std::unique_ptr<job_plan> plan;
  std::unique_ptr<reducer> red;
  std::unique_ptr<ledger> led;
  clock::time_point submitted;
  std::optional<clock::time_point> waiting_since;
  /// Time spent waiting for workers before waiting_since (stats `wait_s`).
  clock::duration waited{};
  double split_s = 0;
  double merge_s = 0;
  std::vector<worker_ref> designated;
  /// How many present workers fit it, counted at the worker table's roster_version fitting_roster.
  std::size_t fitting = 0;
  std::uint64_t fitting_roster = UINT64_MAX;
  /// When its tasks carry tags: their routes (one ledger stripe each), and tasks merged per route.
  std::optional<task_routes> routes;
  std::vector<std::uint64_t> merged_by_route;
  /// Unordered: it is read for every batch and answer; reports sort it by worker.
  std::unordered_map<worker_ref, per_worker> by_worker;
  /// Set by end_job; the job is rendered and erased when the event that ended it is done.
  std::optional<job_end> ended;
  /// The file its records go to (job_kind::records_param); empty: none.
  std::string records_file;
  /// Its batches in master_core::lost_batches_.
  std::vector<std::uint64_t> lost_batches;
  /// With --journal: whether its reducer keeps snapshots; the tasks merged so far, and the answers
  /// merged since the journal last heard of them; when the last snapshot was taken.
  bool resumable = false;
  index_set merged;
  std::vector<merged_task> unjournaled;
  clock::time_point last_snapshot;
  /// Started again from its first task after a master restart (a kind without snapshots).
  bool restarted = false;
  /// Resumed from the journal (its records file already holds its header and earlier lines).
  bool from_journal = false;
  /// With --journal: its task count and input digest (journal::job_accepted::plan).
  std::string plan_print;
};

namespace master_detail {

inline double seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

inline std::string joined(const std::vector<std::string>& tags) {
  std::string out;
  for (const auto& t : tags) {
    out += (out.empty() ? "" : ",") + t;
  }
  return out;
}

} // namespace master_detail

} // namespace cohort
