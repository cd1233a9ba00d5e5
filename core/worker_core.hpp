// The worker actor's logic without CAF: owns its task runner and turns what arrives (batches,
// wake-ups, cancels, the part timer, a drain) into what the actor carries out (answer a batch, send
// answers ahead, arm the part timer, report the drain done).
#pragma once

#include "core/protocol.hpp"
#include "core/task_runner.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cohort {

class worker_core {
public:
  using clock = std::chrono::steady_clock;

  /// Answers of a running batch are sent ahead at once, then at most this often, so a slow task
  /// does not hold back its batch's finished ones (the master merges them and hands out their
  /// credit again) and a batch of thousands of short tasks still makes few messages.
  static constexpr std::chrono::milliseconds part_interval{5};

  struct settings {
    /// Every task runs this many times slower (task_runner).
    double slowdown = 1.0;
    /// Most answers in one message sent back, ahead or final (worker_settings::batch).
    std::uint32_t batch = 1000;
    /// What this worker grants (job_kind::capability).
    std::vector<std::string> capabilities;
    /// Handed to every task context, for ctx.request (null: tasks cannot request).
    request_channel* channel = nullptr;
    /// Read only when answers wait to be sent ahead; tests give their own time.
    clock::time_point (*now)() = &clock::now;
  };

  /// What the actor must carry out, in this order: send `ahead` (each as one part message to the
  /// master for its master batch), answer `answers` (each batch's request), arm the part timer
  /// when `part_timer` is set (then call part_timer_fired()), report the drain done when `drained`.
  struct output {
    struct ahead_message {
      std::uint64_t batch;
      std::uint64_t master_batch;
      std::vector<task_result> answers;
    };
    struct final_answer {
      std::uint64_t batch;
      std::vector<task_result> answers;
    };
    std::vector<ahead_message> ahead;
    std::vector<final_answer> answers;
    std::optional<std::chrono::nanoseconds> part_timer;
    bool drained = false;
  };

  /// Wake-ups go straight to `waker` (the actor's messages to itself), not through output.
  worker_core(std::shared_ptr<const registry> kinds, task_runner::waker& waker, settings s);

  /// Starts a batch the master numbered `master_batch` (while draining: hands it back unstarted);
  /// returns this worker's id for it, which names it in output. The actor keeps the batch's
  /// request under that id before take_output().
  std::uint64_t start_batch(const job_desc& job, std::uint64_t master_batch,
                            std::vector<task_spec> tasks);
  /// A wake-up (or an answer to a parked task) arrived; stale ones are ignored.
  void resume(std::uint64_t slot, std::uint64_t generation) { runner_.resume(slot, generation); }
  /// Parks a task that waits for an answer (request_channel); returns (slot, generation).
  std::pair<std::uint64_t, std::uint64_t> park(task_context& ctx, std::coroutine_handle<> h) {
    return runner_.park(ctx, h);
  }
  bool waiting(std::uint64_t slot, std::uint64_t generation) const {
    return runner_.waiting(slot, generation);
  }
  /// The master dropped a job; returns the indices of the tasks cancelled here.
  std::vector<std::uint64_t> cancel_job(std::uint64_t job) { return runner_.cancel_job(job); }
  /// Another attempt of this task won; true if this one was held here.
  bool cancel_task(std::uint64_t job, std::uint64_t index, std::uint32_t attempt) {
    return runner_.cancel_task(job, index, attempt);
  }
  /// The part timer armed by an earlier output went off: what waits goes ahead now.
  void part_timer_fired();
  /// Starts nothing more: tasks not started yet are handed back at once (answered as cancelled,
  /// which the master puts back uncharged), running ones go on; drained is reported once the
  /// worker holds no task. Returns the indices of the tasks handed back.
  std::vector<std::uint64_t> drain();
  /// The drain time ran out, or the actor stops: every task held ends, answered as cancelled
  /// (handed back); returns their indices.
  std::vector<std::uint64_t> cancel_all() { return runner_.cancel_all(); }

  /// What the inputs since the last call require of the actor.
  output take_output();

  /// Tasks held: running and waiting.
  std::size_t in_flight() const { return runner_.in_flight(); }

private:
  /// Cuts `answers` into messages of at most settings_.batch answers: all but the last go to
  /// out.ahead, the last is returned.
  std::vector<task_result> split_ahead(std::uint64_t batch, std::uint64_t master_batch,
                                       std::vector<task_result> answers, output& out) const;
  /// Sends ahead what running batches answered since the last part.
  void send_progress(output& out, clock::time_point now);

  settings settings_;
  task_runner runner_;
  /// The master's number of each batch held, by this worker's id.
  std::unordered_map<std::uint64_t, std::uint64_t> master_batches_;
  clock::time_point last_part_{};
  bool part_armed_ = false;
  /// Answers waiting to go ahead go at once at the next take_output().
  bool part_due_ = false;
  bool draining_ = false;
  bool drain_reported_ = false;
};

} // namespace cohort
