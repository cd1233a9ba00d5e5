// What the engines of io/ (HTTP, SQL) share: one Boost.Asio thread per engine, started with it and
// joined at its end, and the life of a call on it: registered, timed out, cancelled from any
// thread, ended once, and answered unless cancelled.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>

namespace cohort::io_detail {

/// "2s", "0.5s": a timeout in an error message.
std::string duration_words(std::chrono::nanoseconds d);

/// The state an engine keeps on its thread; Op is its call type.
template <class Op> struct engine_state_base {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  /// Calls started and not ended, so the engine's end can end them.
  std::set<std::shared_ptr<Op>> live;
  /// Set at the engine's end: nothing is posted any more.
  std::atomic<bool> stopped{false};

  /// Ends every live call unanswered ("stopped").
  void end_calls() {
    for (auto& o : std::exchange(live, {})) {
      o->drop();
      o->cancelled = true;
      o->finish(Op::failed("stopped"));
    }
  }
};

/// A call of an engine whose state is Engine, answered with Result (which has latency_s). Op
/// derives from it and has drop() (closes the connection it runs on, or leaves its line) and
/// static Result failed(std::string why).
template <class Op, class Engine, class Result>
struct call_base : std::enable_shared_from_this<Op> {
  using clock = std::chrono::steady_clock;

  call_base(std::shared_ptr<Engine> e, std::chrono::nanoseconds t, std::function<void(Result)> d)
      : engine(std::move(e)), timeout(t), deadline(engine->io), done(std::move(d)) {}

  /// From any thread: the call ends "cancelled" on the engine's thread, never answered.
  void cancel_call() {
    cancelled = true;
    if (engine->stopped) {
      return;
    }
    // A weak reference: a post that never runs (the engine ended meanwhile) holds nothing.
    boost::asio::post(engine->io, [weak = this->weak_from_this()] {
      auto self = weak.lock();
      if (!self || self->finished) {
        return;
      }
      self->drop();
      self->finish(Op::failed("cancelled"));
    });
  }

  /// On the engine's thread: registers the call and arms its deadline; false when it was
  /// cancelled or the engine ended before it began.
  bool begin() {
    if (cancelled || engine->stopped) {
      return false;
    }
    auto self = this->shared_from_this();
    engine->live.insert(self);
    if (timeout > std::chrono::nanoseconds::zero()) {
      deadline.expires_after(timeout);
      deadline.async_wait([weak = std::weak_ptr<Op>(self)](const boost::system::error_code& ec) {
        auto o = weak.lock();
        if (ec || !o || o->finished) {
          return;
        }
        o->drop();
        o->finish(Op::failed("timed out after " + duration_words(o->timeout)));
      });
    }
    return true;
  }

  /// Ends the call with `r` (once); the answer is delivered unless the call was cancelled.
  void finish(Result r) {
    if (finished) {
      return;
    }
    finished = true;
    engine->live.erase(this->shared_from_this());
    deadline.cancel();
    r.latency_s = std::chrono::duration<double>(clock::now() - started).count();
    auto deliver = std::exchange(done, nullptr);
    if (!cancelled && deliver) {
      deliver(std::move(r));
    }
  }

  std::shared_ptr<Engine> engine;
  std::chrono::nanoseconds timeout;
  clock::time_point started = clock::now();
  boost::asio::steady_timer deadline;
  std::function<void(Result)> done;
  bool finished = false;
  std::atomic<bool> cancelled{false};
};

/// The thread of an engine: runs its io_context from construction until end(), which posts
/// `last` there (closing what is open), lets the context run dry and joins.
template <class State> class engine_thread {
public:
  explicit engine_thread(std::shared_ptr<State> s)
      : state_(std::move(s)), thread_([s = state_] { s->io.run(); }) {}
  engine_thread(const engine_thread&) = delete;
  engine_thread& operator=(const engine_thread&) = delete;

  const std::shared_ptr<State>& state() const { return state_; }

  /// Every call ends unanswered and `last` closes what is left; the handlers still queued then
  /// run with "operation aborted" and drop out, so run() returns with nothing holding a call.
  /// Calls a task still holds keep the state alive; their cancel() then posts nothing.
  void end(std::function<void(State&)> last) {
    boost::asio::post(state_->io, [s = state_, last = std::move(last)] {
      s->stopped = true;
      last(*s);
      s->work.reset();
    });
    thread_.join();
  }

private:
  std::shared_ptr<State> state_;
  std::thread thread_;
};

/// A process's one engine of type E, made at the first use and ended by reset().
template <class E> class process_engine {
public:
  template <class Make> E& get(Make make) {
    std::lock_guard lock(mutex_);
    if (!engine_) {
      engine_ = make();
    }
    return *engine_;
  }
  void reset() {
    std::unique_ptr<E> ending;
    {
      std::lock_guard lock(mutex_);
      ending = std::move(engine_);
    }
  }

private:
  std::mutex mutex_;
  std::unique_ptr<E> engine_;
};

} // namespace cohort::io_detail
