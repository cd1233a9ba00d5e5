// The master's running account for its status page and metrics, fed by master_core as things
// happen: each worker's merged tasks, when it was last heard and how fast it goes; each job's
// progress rate; attempts that ended by kind and outcome; task run times; recent events.
#pragma once

#include "core/rate_meter.hpp"
#include "core/status_view.hpp"
#include "core/worker_ref.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cohort {

class status_board {
public:
  using clock = std::chrono::steady_clock;

  struct worker_stats {
    std::uint64_t merged = 0;
    clock::time_point last_heard;
    rate_meter rate{};
  };

  void worker_joined(worker_ref w, clock::time_point now);
  void worker_left(worker_ref w);
  /// An answer, or any other message, came from `w`.
  void heard(worker_ref w, clock::time_point now);
  /// A task's answer from `w` was merged after running `ran`.
  void merged(worker_ref w, std::string_view kind, clock::duration ran, clock::time_point now);
  /// An attempt ended otherwise: failed, timeout, lost (its worker went).
  void attempt_ended(std::string_view kind, std::string_view outcome);
  /// Whether the rates are due to be sampled (once a second: a tick of a master with 100,000
  /// workers does not walk them all ten times a second).
  bool sample_due(clock::time_point now);
  /// Samples the rates: each worker's merged count and each job's `done` (job_sampled).
  void sample_workers(clock::time_point now);
  void job_sampled(std::uint64_t job, std::uint64_t done, clock::time_point now);
  void job_ended(std::uint64_t job);
  /// Something that happened, for the page.
  void event(std::string text);

  const worker_stats* worker(worker_ref w) const;
  const rate_meter* job(std::uint64_t id) const;
  /// Fills the view's counters, histogram and events.
  void fill(status_view& v) const;

private:
  /// A worker's stats with the generation of the slot they belong to.
  struct slot_stats {
    worker_stats stats;
    std::uint32_t generation = 0;
    bool present = false;
  };
  const slot_stats* find(worker_ref w) const;
  slot_stats* find(worker_ref w);
  void count(std::string_view kind, std::string_view outcome);

  /// Orders (kind, outcome) keys and finds them by string views: counting an answer builds no
  /// string.
  struct outcome_order {
    using is_transparent = void;
    template <class A, class B> bool operator()(const A& a, const B& b) const {
      return std::pair<std::string_view, std::string_view>(a.first, a.second) <
             std::pair<std::string_view, std::string_view>(b.first, b.second);
    }
  };

  /// By worker slot: the master reads them for every answer, so no tree of 10^5 workers to walk.
  std::vector<slot_stats> workers_;
  std::map<std::uint64_t, rate_meter> jobs_;
  std::map<std::pair<std::string, std::string>, std::uint64_t, outcome_order> tasks_;
  histogram task_seconds_{task_seconds_bounds()};
  std::uint64_t jobs_ended_ = 0;
  event_log events_;
  std::optional<clock::time_point> last_sample_;
};

} // namespace cohort
