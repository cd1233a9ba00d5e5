// The ledger of one job: which tasks are pending, which attempts are in flight where, and what was
// merged.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <vector>

namespace cohort {

using worker_ref = std::uint32_t;

/// One task handed to a worker: the index and the attempt number the worker must answer with.
struct dispatched_task {
  std::uint64_t index;
  std::uint32_t attempt;
};

/// Pending tasks are striped (stripe = index mod stripes) so the designated policy can give each
/// worker its own share; other policies use one stripe. Tasks that come back go to the front of
/// their stripe.
class ledger {
public:
  using clock = std::chrono::steady_clock;

  ledger(std::uint64_t task_count, std::uint32_t stripes, std::uint32_t max_attempts);

  std::uint64_t task_count() const { return task_count_; }
  std::uint32_t stripes() const { return static_cast<std::uint32_t>(stripes_.size()); }
  std::uint64_t pending() const { return pending_; }
  bool stripe_has_pending(std::uint32_t stripe) const;
  std::uint64_t in_flight() const { return in_flight_.size(); }
  std::uint64_t merged() const { return merged_; }
  bool complete() const { return merged_ == task_count_; }

  /// Takes up to `n` pending tasks of `stripe` for `worker`, returned tasks first, and records them
  /// in flight. With `avoid_failed`, a task that last failed on `worker` is left for another
  /// worker.
  std::vector<dispatched_task> take(std::uint32_t stripe, std::uint64_t n, worker_ref worker,
                                    bool avoid_failed, clock::time_point now);

  /// An answer is accepted only from the worker holding that live attempt; true means merge it.
  bool accept(std::uint64_t index, std::uint32_t attempt, worker_ref worker);

  enum class failure_verdict { stale, retry, exhausted };
  /// A live attempt failed (the task threw, or was charged a lost worker). Retry puts it back in
  /// front.
  failure_verdict fail(std::uint64_t index, std::uint32_t attempt, worker_ref worker);

  /// A live attempt came back unfinished, not charged (worker lost or handed it back): pending
  /// again.
  bool give_back(std::uint64_t index, std::uint32_t attempt, worker_ref worker);

  /// How many attempts of `index` failed so far.
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
  void count_duplicate() { ++counts_.duplicates; }

private:
  struct stripe {
    std::deque<std::uint64_t> returned;
    std::uint64_t next_fresh;
  };
  struct live_attempt {
    worker_ref worker;
    std::uint32_t attempt;
    clock::time_point start;
  };
  struct history {
    std::uint32_t runs = 0;
    std::uint32_t failures = 0;
    std::optional<worker_ref> last_failed_on;
  };

  const live_attempt* live(std::uint64_t index, std::uint32_t attempt, worker_ref worker) const;
  void put_back(std::uint64_t index);

  std::uint64_t task_count_;
  std::uint32_t max_attempts_;
  std::vector<stripe> stripes_;
  std::uint64_t pending_;
  std::uint64_t merged_ = 0;
  std::unordered_map<std::uint64_t, live_attempt> in_flight_;
  std::unordered_map<std::uint64_t, history> history_;
  counters counts_;
};

} // namespace cohort
