// task_context: what a running task sees of its worker: its parameters and the awaitables that
// suspend it.
#pragma once

#include "cohort/params.hpp"

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace cohort {

class task_context;
class request_channel;
struct http_request;
class http_awaiter;
class sql_awaiter;

/// Whoever drives task coroutines (the worker actor, or a test). It resumes a suspended coroutine
/// later, from its own thread of control, never from a foreign thread.
class executor {
public:
  virtual ~executor() = default;
  /// Resume `h` after `delay` (zero: after the messages already waiting), unless the task is
  /// cancelled first.
  virtual void resume_after(task_context& ctx, std::coroutine_handle<> h,
                            std::chrono::nanoseconds delay) = 0;
  /// Parks `h` until the returned function is called (once, from any thread): the task then
  /// resumes on this executor's thread of control, unless it was cancelled first. Executors that
  /// cannot be woken from another thread throw std::logic_error.
  virtual std::function<void()> park_for_io(task_context& ctx, std::coroutine_handle<> h);
};

/// The context of one task attempt. Owned by the executor; valid for the whole life of the task
/// body.
class task_context {
public:
  using clock = std::chrono::steady_clock;

  /// `started`: when the task starts (the executor reads the clock once for a whole batch).
  task_context(executor& exec, const params& job_params, std::uint64_t index, std::uint32_t attempt,
               clock::time_point started = clock::now())
      : exec_(&exec), params_(&job_params), index_(index), attempt_(attempt), last_yield_(started) {
  }

  const params& job_params() const { return *params_; }
  std::uint64_t index() const { return index_; }
  /// 1 for the first attempt of this task, 2 for its first retry, ...
  std::uint32_t attempt() const { return attempt_; }
  bool cancelled() const { return cancelled_; }
  void cancel() { cancelled_ = true; }
  /// The job's --task-timeout, when it has one. The master judges attempts by it; a body whose
  /// work can be cut off cleanly stops there too (exec kills its command).
  std::optional<std::chrono::nanoseconds> task_timeout() const {
    if (task_timeout_ <= std::chrono::nanoseconds::zero()) {
      return std::nullopt;
    }
    return task_timeout_;
  }
  void set_task_timeout(std::optional<std::chrono::nanoseconds> t) {
    task_timeout_ = t.value_or(std::chrono::nanoseconds::zero());
  }

  /// Most time a CPU-bound body runs between two suspensions when it calls checkpoint() often.
  static constexpr std::chrono::milliseconds yield_interval{10};

  struct sleep_awaiter {
    task_context& ctx;
    std::chrono::nanoseconds delay;
    bool await_ready() const noexcept { return delay <= std::chrono::nanoseconds::zero(); }
    void await_suspend(std::coroutine_handle<> h) { ctx.suspend(h, delay); }
    void await_resume() const noexcept {}
  };

  struct checkpoint_awaiter {
    task_context& ctx;
    bool await_ready() const {
      return !ctx.cancelled_ && clock::now() - ctx.last_yield_ < yield_interval;
    }
    void await_suspend(std::coroutine_handle<> h) {
      ctx.suspend(h, std::chrono::nanoseconds::zero());
    }
    /// True when the task was cancelled: the body should return at once.
    bool await_resume() const noexcept { return ctx.cancelled_; }
  };

  /// Suspends the task for `d` without holding a thread (a delayed message to the worker).
  sleep_awaiter sleep(std::chrono::nanoseconds d) { return {*this, d}; }
  /// Lets the worker handle its messages when the task has run for a while; yields whether it was
  /// cancelled.
  checkpoint_awaiter checkpoint() { return {*this}; }

  /// `co_await ctx.request<R>(actor, args..., timeout)`: asks `actor` and yields caf::expected<R>,
  /// the answer or the error (a timeout included). Defined in cohort/request.hpp, which brings in
  /// CAF.
  template <class R, class Dest, class... Ts>
  auto request(const Dest& dest, Ts&&... args_then_timeout);

  /// `co_await ctx.http(request, timeout)`: sends an HTTP request from this worker process's I/O
  /// thread and yields the answer or why there is none (cohort/http.hpp). A cancelled task's
  /// request is aborted.
  http_awaiter http(http_request request, std::chrono::nanoseconds timeout);

  /// `co_await ctx.sql(connection, query, params, timeout)`: runs a PostgreSQL query with params
  /// bound to $1, $2, ... from this worker process's SQL thread and yields the rows or why there
  /// are none (cohort/sql.hpp). A cancelled task's query is aborted.
  sql_awaiter sql(std::string connection, std::string query,
                  std::vector<std::optional<std::string>> params, std::chrono::nanoseconds timeout);

  /// Where request() sends from; set by the worker, null where nothing can send (plain unit tests).
  void set_channel(request_channel* channel) { channel_ = channel; }
  request_channel* channel() const { return channel_; }

private:
  friend class http_awaiter;
  friend class sql_awaiter;

  void suspend(std::coroutine_handle<> h, std::chrono::nanoseconds d) {
    last_yield_ = clock::now() + d;
    exec_->resume_after(*this, h, d);
  }

  executor* exec_;
  request_channel* channel_ = nullptr;
  const params* params_;
  std::uint64_t index_;
  std::uint32_t attempt_;
  bool cancelled_ = false;
  clock::time_point last_yield_;
  // Zero: none; 8 bytes in every task's context where std::optional takes 16.
  std::chrono::nanoseconds task_timeout_{0};
};

} // namespace cohort
