// co_await ctx.http(request, timeout): an HTTP call from a task body. It runs on the worker
// process's I/O thread, over pooled keep-alive connections, and the task resumes on its worker
// actor with the answer: task code needs no locks.
#pragma once

#include "cohort/context.hpp"

#include <chrono>
#include <coroutine>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cohort {

struct http_header {
  std::string name;
  std::string value;
};

/// A request: `url` http:// or https:// (verified against the system's CA store).
struct http_request {
  std::string method = "GET";
  std::string url;
  std::vector<http_header> headers;
  std::string body;
};

struct http_response {
  int status = 0;
  std::vector<http_header> headers;
  std::string body;
};

/// The answer, or why there is none ("connection refused", "timed out after 2s", ...).
struct http_result {
  std::optional<http_response> response;
  std::string error;
  /// From the call's start to its end.
  double latency_s = 0;
  bool ok() const { return response.has_value(); }
};

/// One call in flight. cancel() aborts it (its connection is closed, not reused) and its answer
/// is never delivered.
class http_call {
public:
  virtual ~http_call() = default;
  virtual void cancel() = 0;
};

/// Whether a request with `method` may be sent twice (GET, HEAD, PUT, DELETE, OPTIONS, TRACE):
/// such a call is retried once on a fresh connection when a kept-alive one turns out closed.
bool idempotent_method(std::string_view method);

/// Throws std::invalid_argument naming what makes `request` unsendable (its URL, method or a
/// header).
void check_http_request(const http_request& request);

/// Starts `request` on this process's I/O thread (started at the first call); `done` runs there
/// once with the answer or the error (a request check_http_request refuses included), unless the
/// call was cancelled first.
std::shared_ptr<http_call> start_http(http_request request, std::chrono::nanoseconds timeout,
                                      std::function<void(http_result)> done);

/// What ctx.http() returns. Destroyed while its task waits (the task was cancelled), it aborts the
/// call.
class http_awaiter {
public:
  http_awaiter(task_context& ctx, http_request request, std::chrono::nanoseconds timeout)
      : ctx_(ctx), request_(std::move(request)), timeout_(timeout) {}
  http_awaiter(const http_awaiter&) = delete;
  http_awaiter& operator=(const http_awaiter&) = delete;
  ~http_awaiter();

  /// Checks the request (throws std::invalid_argument naming what is wrong, before the task
  /// suspends); never ready.
  bool await_ready() const;
  void await_suspend(std::coroutine_handle<> h);
  http_result await_resume();

private:
  struct outcome {
    http_result result;
  };
  task_context& ctx_;
  http_request request_;
  std::chrono::nanoseconds timeout_;
  std::shared_ptr<outcome> outcome_;
  std::shared_ptr<http_call> call_;
};

inline http_awaiter task_context::http(http_request request, std::chrono::nanoseconds timeout) {
  return {*this, std::move(request), timeout};
}

} // namespace cohort
