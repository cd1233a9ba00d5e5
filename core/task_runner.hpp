// The worker's engine, without CAF: starts task coroutines batch by batch, resumes them when woken,
// cancels them, and collects each batch's answers once all its tasks are done.
#pragma once

#include "cohort/context.hpp"
#include "cohort/registry.hpp"
#include "core/protocol.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cohort {

class task_runner final : public executor {
public:
  /// Delivers wake-ups: the worker actor turns them into (delayed) messages to itself.
  class waker {
  public:
    virtual ~waker() = default;
    virtual void wake(std::uint64_t slot, std::uint64_t generation,
                      std::chrono::nanoseconds delay) = 0;
    /// A function any thread may call, once, to wake (slot, generation).
    virtual std::function<void()> wake_from_anywhere(std::uint64_t slot,
                                                     std::uint64_t generation) = 0;
  };

  struct finished_batch {
    std::uint64_t batch;
    std::vector<task_result> results;
  };

  /// slowdown F > 1 stretches every task to F times its own duration, not counting time its
  /// thread lost to others while it ran (a test and benchmark aid).
  /// `channel` is handed to every task context, for ctx.request (null: tasks cannot request).
  task_runner(std::shared_ptr<const registry> kinds, waker& w, double slowdown,
              request_channel* channel = nullptr);
  ~task_runner() override;

  /// What this worker grants (job_kind::capability); a task of a kind needing another is refused.
  void grant(std::vector<std::string> capabilities) { granted_ = std::move(capabilities); }
  /// At most `n` CPU-bound tasks run at once (0: no limit); the others wait in arrival order until
  /// a running one ends.
  void limit_cpu(std::uint32_t n) { cpu_limit_ = n; }
  /// Starts the tasks of a batch, or queues CPU-bound ones beyond the limit (those that finish
  /// without suspending finish here), and returns its id.
  std::uint64_t start_batch(const job_desc& job, std::vector<task_spec> tasks);
  std::function<void()> park_for_io(task_context& ctx, std::coroutine_handle<> h) override;
  /// A wake-up arrived; stale ones (task gone, or woken since) are ignored.
  void resume(std::uint64_t slot, std::uint64_t generation);
  /// Parks a task that waits for something other than a wake-up (an answer); returns (slot,
  /// generation).
  std::pair<std::uint64_t, std::uint64_t> park(task_context& ctx, std::coroutine_handle<> h);
  /// Whether (slot, generation) still names a parked task.
  bool waiting(std::uint64_t slot, std::uint64_t generation) const;
  /// Destroys every task of `job` (their frames and locals); they are answered as cancelled.
  /// Returns the indices of the tasks it cancelled.
  std::vector<std::uint64_t> cancel_job(std::uint64_t job);
  /// Destroys attempt `attempt` of task `index` of `job` (it lost to another attempt); true if it
  /// was running.
  bool cancel_task(std::uint64_t job, std::uint64_t index, std::uint32_t attempt);
  /// Destroys every task, answering each as cancelled (a drain that ran out of time).
  std::vector<std::uint64_t> cancel_all();
  /// Answers every task still waiting for a CPU slot as cancelled, without starting it (a
  /// draining worker hands them back); returns their indices.
  std::vector<std::uint64_t> cancel_waiting();
  /// Answers every task of a batch as cancelled without starting any (a draining worker hands it
  /// back), and returns the batch's id.
  std::uint64_t hand_back(std::vector<task_spec> tasks);
  /// Batches whose every task is answered, ready to be sent back.
  std::vector<finished_batch> take_finished();
  /// Answers of batches still running, collected since the last call (sent ahead of the rest).
  std::vector<finished_batch> take_progress();
  bool has_progress() const { return !progressed_.empty(); }

  /// Tasks held: running and queued.
  std::size_t in_flight() const { return running_.size() + queued_.size(); }

  void resume_after(task_context& ctx, std::coroutine_handle<> h,
                    std::chrono::nanoseconds delay) override;

private:
  struct job_entry;
  struct slot_context;
  struct running_task;
  struct queued_task {
    std::shared_ptr<job_entry> job;
    std::uint64_t batch;
    task_spec spec;
  };
  void launch(std::shared_ptr<job_entry> job, std::uint64_t batch, task_spec spec,
              std::chrono::steady_clock::time_point started);
  /// Starts queued tasks while CPU slots are free.
  void start_queued();
  /// Adds one task's answer to its batch.
  void answer(std::uint64_t batch, task_result r);
  struct open_batch {
    std::vector<task_result> results;
    std::size_t remaining = 0;
  };

  std::shared_ptr<job_entry> job_for(const job_desc& d);
  void step(std::uint64_t slot, running_task& t);
  template <class Slice> void run_slice(running_task& t, Slice slice);
  void finish(running_task& t, task_result r);
  template <class Predicate> std::vector<std::uint64_t> cancel_if(Predicate matches);

  std::shared_ptr<const registry> kinds_;
  std::vector<std::string> granted_;
  waker& waker_;
  double slowdown_;
  request_channel* channel_;
  std::uint64_t next_slot_ = 1;
  std::uint64_t next_batch_ = 1;
  std::unordered_map<std::uint64_t, std::weak_ptr<job_entry>> jobs_;
  std::unordered_map<std::uint64_t, running_task> running_;
  std::unordered_map<std::uint64_t, open_batch> batches_;
  std::vector<finished_batch> finished_;
  std::vector<std::uint64_t> progressed_;
  std::uint32_t cpu_limit_ = 0;
  std::uint32_t cpu_running_ = 0;
  std::deque<queued_task> queued_;
};

} // namespace cohort
