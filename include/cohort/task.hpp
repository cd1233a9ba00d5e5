// cohort::task<T>: the lazy C++20 coroutine type every task body returns; awaitable from another
// task.
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <utility>

namespace cohort {

template <class T> class task;

namespace detail {

struct promise_base {
  std::coroutine_handle<> continuation;
  std::exception_ptr error;

  std::suspend_always initial_suspend() noexcept { return {}; }

  struct final_awaiter {
    bool await_ready() noexcept { return false; }
    template <class Promise>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> self) noexcept {
      auto next = self.promise().continuation;
      if (next) {
        return next;
      }
      return std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };

  final_awaiter final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { error = std::current_exception(); }
};

template <class T> struct value_promise : promise_base {
  std::optional<T> value;
  template <class U> void return_value(U&& x) { value.emplace(std::forward<U>(x)); }
  T take() {
    if (error) {
      std::rethrow_exception(error);
    }
    return std::move(*value);
  }
};

template <> struct value_promise<void> : promise_base {
  void return_void() noexcept {}
  void take() {
    if (error) {
      std::rethrow_exception(error);
    }
  }
};

} // namespace detail

/// A lazily started coroutine producing a T. Its owner starts it with start() and, once done(),
/// takes the value (or the exception) with result(); another task awaits it with co_await.
/// Destroying a task destroys its frame, and with it every task it is awaiting.
template <class T> class task {
public:
  struct promise_type : detail::value_promise<T> {
    task get_return_object() {
      return task{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
  };
  using handle_type = std::coroutine_handle<promise_type>;

  task() = default;
  task(task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  task& operator=(task&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() { reset(); }

  /// Runs the body up to its first suspension (or to its end).
  void start() { handle_.resume(); }
  bool valid() const noexcept { return static_cast<bool>(handle_); }
  bool done() const noexcept { return handle_ && handle_.done(); }
  /// The returned value of a finished task; rethrows what the body threw.
  T result() { return handle_.promise().take(); }

  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) noexcept {
    handle_.promise().continuation = awaiting;
    return handle_;
  }
  T await_resume() { return handle_.promise().take(); }

private:
  explicit task(handle_type h) : handle_(h) {}
  void reset() {
    if (handle_) {
      handle_.destroy();
      handle_ = {};
    }
  }
  handle_type handle_;
};

} // namespace cohort
