// The ledger of one job: which tasks are pending, which attempts are in flight where, and what was
// merged.
#pragma once

#include "core/index_set.hpp"
#include "core/worker_ref.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

namespace cohort {

/// One task handed to a worker: the index and the attempt number the worker must answer with.
struct dispatched_task {
  std::uint64_t index;
  std::uint32_t attempt;
};

/// A live attempt that lost: another attempt of its task was merged first.
struct losing_attempt {
  std::uint64_t index;
  std::uint32_t attempt;
  worker_ref worker;
};

/// Pending tasks are striped (stripe = index mod stripes) so the designated policy can give each
/// worker its own share; other policies use one stripe. A job whose tasks carry tags gives each
/// task's stripe instead (its route: the tasks of one tag set). Tasks that come back go to the
/// front of their stripe. A task may have several live attempts (timed out, speculated); the first
/// answer wins. Counters are kept so that attempts = merged + retries + reassigned + speculative
/// whenever the job completes: every attempt after a task's first is counted once, by why it was
/// made.
class ledger {
public:
  using clock = std::chrono::steady_clock;

  ledger(std::uint64_t task_count, std::uint32_t stripes, std::uint32_t max_attempts);
  /// Each task `i` in stripe `stripe_of[i]` (< stripes).
  ledger(const std::vector<std::uint32_t>& stripe_of, std::uint32_t stripes,
         std::uint32_t max_attempts);
  /// Not copied: it links its own tasks in flight.
  ledger(const ledger&) = delete;
  ledger& operator=(const ledger&) = delete;

  std::uint64_t task_count() const { return task_count_; }
  std::uint32_t stripes() const { return static_cast<std::uint32_t>(stripes_.size()); }
  /// Pending tasks, isolated ones included.
  std::uint64_t pending() const { return pending_; }
  /// Pending tasks that belong to an isolation group.
  std::uint64_t isolated_pending() const { return isolated_pending_; }
  bool stripe_has_pending(std::uint32_t stripe) const;
  /// Live attempts.
  std::uint64_t in_flight() const { return live_count_; }
  std::uint64_t merged() const { return merged_; }
  bool complete() const { return merged_ == task_count_; }

  /// Marks tasks merged before this ledger existed (a job resumed from the journal): they are
  /// never taken and count as merged. Call before anything is taken.
  void mark_merged(index_set done);
  /// How many tasks mark_merged marked.
  std::uint64_t merged_before() const { return merged_before_.size(); }

  /// Takes up to `n` pending tasks of `stripe` for `worker`, returned tasks first, and records them
  /// in flight. Isolated tasks and tasks `worker` already runs are skipped; with `avoid_failed`, so
  /// is a task that last failed on `worker`.
  std::vector<dispatched_task> take(std::uint32_t stripe, std::uint64_t n, worker_ref worker,
                                    bool avoid_failed, clock::time_point now);

  /// Puts back tasks just taken for `worker` as if they had never been taken (a batch was cut).
  void untake(const std::vector<dispatched_task>& tasks, worker_ref worker);

  /// Isolation groups: tasks lost beside others run again with nothing else on their process, a
  /// group at a time, before any of them is charged; a task charged a loss forms a group of its
  /// own. The caller reserves a process for a group and dispatches only that group's tasks to it.
  std::uint32_t new_group() { return next_group_++; }
  /// Groups with pending tasks, oldest first.
  std::vector<std::uint32_t> waiting_groups() const;
  /// Takes up to `n` pending tasks of `group` for `worker`.
  std::vector<dispatched_task> take_group(std::uint32_t group, std::uint64_t n, worker_ref worker,
                                          clock::time_point now);
  /// A task of `group` waiting to run, if any.
  std::optional<std::uint64_t> group_task(std::uint32_t group) const;
  /// Whether `group` has nothing pending and nothing in flight.
  bool group_done(std::uint32_t group) const { return !groups_.contains(group); }

  /// An answer is merged only from a worker holding a live attempt of that task; the task's other
  /// live attempts lose and are appended to `losers`. An answer that is not merged is counted as a
  /// duplicate.
  bool accept(std::uint64_t index, std::uint32_t attempt, worker_ref worker, clock::time_point now,
              std::vector<losing_attempt>& losers);
  /// An answer (of any outcome) from an attempt no longer live: dropped and counted.
  void count_duplicate() { ++counts_.duplicates; }
  /// Whether `worker` holds live attempt `attempt` of `index`.
  bool is_live(std::uint64_t index, std::uint32_t attempt, worker_ref worker) const;
  /// The workers holding live attempts of `index`.
  std::vector<worker_ref> live_workers(std::uint64_t index) const;

  enum class verdict {
    stale,     ///< no such live attempt: nothing changed
    requeued,  ///< pending again (front of its stripe)
    absorbed,  ///< another live attempt of the task carries on
    exhausted, ///< failed max-attempts times: the job fails
  };
  /// A live attempt failed (the task threw). Charged.
  verdict fail(std::uint64_t index, std::uint32_t attempt, worker_ref worker);
  /// A live attempt was lost with its worker. Without `group` it is charged (it was alone in flight
  /// on its process) and from then on runs in a group of its own; with one, it joins that isolation
  /// group uncharged, so a poison task cannot blame its neighbours.
  verdict lose(std::uint64_t index, std::uint32_t attempt, worker_ref worker,
               std::optional<std::uint32_t> group);
  /// A live attempt came back unfinished and is not to blame (handed back, cancelled, no answer).
  verdict give_back(std::uint64_t index, std::uint32_t attempt, worker_ref worker);

  /// Charges every live attempt running `timeout` or longer (once per attempt) and queues its task
  /// again unless another of its attempts is younger. Returns the tasks that have now failed
  /// max-attempts times.
  std::vector<std::uint64_t> expire(clock::time_point now, clock::duration timeout);

  /// How long the attempt accept() merged last had run.
  clock::duration last_run() const { return last_run_; }
  /// Median run time of merged attempts (from a sample of the latest), once there are
  /// `min_samples`. Exact until the sample holds 1,023; from then on worked out again after every
  /// 32 new samples, so it may lag the latest 31.
  std::optional<clock::duration> median_run(std::size_t min_samples) const;
  /// Tasks with exactly one live attempt, running longer than `threshold`, never speculated.
  std::vector<std::uint64_t> overdue(clock::time_point now, clock::duration threshold) const;
  /// When the next task overdue() would name at `threshold` becomes overdue, after `now`: the
  /// earliest start plus `threshold` among candidates not overdue yet; none without one.
  std::optional<clock::time_point> next_overdue(clock::time_point now,
                                                clock::duration threshold) const;
  /// Adds a speculative live attempt of `index` on `worker`; none when the task has no live
  /// attempt, was already speculated, or `worker` runs it.
  std::optional<dispatched_task> speculate(std::uint64_t index, worker_ref worker,
                                           clock::time_point now);

  /// How many attempts of `index` were charged a failure so far.
  std::uint32_t failures(std::uint64_t index) const;

  struct counters {
    std::uint64_t attempts = 0;
    std::uint64_t retries = 0;
    std::uint64_t reassigned = 0;
    std::uint64_t speculative = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t peak_in_flight = 0;
  };
  const counters& counts() const { return counts_; }

private:
  enum class requeue_reason : std::uint8_t { none, retry, reassign };
  struct stripe {
    std::deque<std::uint64_t> returned;
    /// The next task never taken: an index (modulo striping), or a position in `members`.
    std::uint64_t next_fresh;
    /// The stripe's tasks in order, when the caller gave each task's stripe.
    std::vector<std::uint64_t> members;
  };
  // The start first: 24 bytes with an 8-byte worker_ref.
  struct live_attempt {
    clock::time_point start;
    worker_ref worker;
    std::uint32_t attempt;
    bool expired = false;
  };
  struct live_set;
  /// A task in flight: its index and live attempts.
  using flight = std::pair<const std::uint64_t, live_set>;
  struct live_set {
    live_attempt first;
    std::vector<live_attempt> more;
    /// Its place among the tasks speculation may still copy, by the start of `first`: the
    /// neighbours older and newer, and whether it is in that order at all.
    flight* older = nullptr;
    flight* newer = nullptr;
    bool timed = false;
  };
  struct history {
    std::uint32_t runs = 0;
    std::uint32_t failures = 0;
    std::optional<worker_ref> last_failed_on;
    requeue_reason reason = requeue_reason::none;
    /// Why its live attempt was made (undone by untake).
    requeue_reason taken_for = requeue_reason::none;
    /// Isolation group (0: none); `solo` once charged a loss.
    std::uint32_t group = 0;
    bool solo = false;
    bool queued = false;
    bool speculated = false;
  };
  struct group_state {
    std::deque<std::uint64_t> queued;
    std::uint64_t live = 0;
  };

  history& hist(std::uint64_t index);
  const live_attempt* find_live(std::uint64_t index, std::uint32_t attempt,
                                worker_ref worker) const;
  live_attempt* find_live(std::uint64_t index, std::uint32_t attempt, worker_ref worker);
  bool runs_on(std::uint64_t index, worker_ref worker) const;
  /// One live attempt, never speculated, not pending again: speculation may copy it.
  bool may_speculate(std::uint64_t index, const live_set& set) const;
  void add_live(std::uint64_t index, live_attempt a);
  /// Puts a task in flight among those ordered by start (at the newest end, unless a caller's
  /// clock went back), or takes it out.
  void time(flight& f);
  void untime(flight& f);
  /// Removes one live attempt; true when the task still has others.
  bool remove_live(std::uint64_t index, std::uint32_t attempt, worker_ref worker);
  dispatched_task record(std::uint64_t index, worker_ref worker, clock::time_point now);
  std::uint32_t stripe_of(std::uint64_t index) const;
  bool has_fresh(const stripe& st) const;
  std::uint64_t fresh(const stripe& st) const;
  /// Moves a stripe's next fresh task past those merged before.
  void skip_merged_before(stripe& st) const;
  void requeue(std::uint64_t index, requeue_reason why);
  void unqueue(std::uint64_t index);
  void leave_group(std::uint64_t index);
  verdict settle(std::uint64_t index, bool others_live, requeue_reason why);

  std::uint64_t task_count_;
  std::uint32_t max_attempts_;
  std::vector<stripe> stripes_;
  /// Each task's stripe, when the caller gave them; empty: index mod stripes.
  std::vector<std::uint32_t> stripe_of_;
  std::uint64_t pending_;
  std::uint64_t isolated_pending_ = 0;
  std::uint64_t merged_ = 0;
  std::uint64_t live_count_ = 0;
  index_set merged_before_;
  std::unordered_map<std::uint64_t, live_set> in_flight_;
  /// Tasks in flight never speculated, oldest first attempt first: overdue() reads them from the
  /// oldest and stops at the first too young, so it costs what it finds, not what is in flight.
  /// Links point into in_flight_'s nodes, which stay put until erased.
  flight* oldest_ = nullptr;
  flight* newest_ = nullptr;
  std::unordered_map<std::uint64_t, history> history_;
  std::map<std::uint32_t, group_state> groups_;
  std::uint32_t next_group_ = 1;
  std::vector<clock::duration> run_samples_;
  /// Samples taken so far, and the median as of `median_at_` of them (a median of 1,023 samples
  /// is worked out again after 32 more, not on every dispatch of a job's last tasks).
  std::uint64_t samples_taken_ = 0;
  mutable std::uint64_t median_at_ = 0;
  mutable clock::duration median_{};
  clock::duration last_run_{};
  std::size_t next_sample_ = 0;
  counters counts_;
};

} // namespace cohort
