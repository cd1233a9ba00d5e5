// co_await ctx.request<R>(actor, args..., timeout): a request from a task body, answered on its
// worker actor.
#pragma once

#include "cohort/context.hpp"

#include <caf/actor.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/expected.hpp>
#include <caf/sec.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <utility>

namespace cohort {

/// The worker actor's side of a request made by a task: it sends from the actor and resumes the
/// task from the actor's response handler, never from another thread. A task cancelled meanwhile is
/// not resumed.
class request_channel {
public:
  /// Names one suspension of one task.
  struct parking {
    std::uint64_t slot;
    std::uint64_t generation;
  };

  virtual ~request_channel() = default;
  virtual caf::event_based_actor* sender() = 0;
  virtual parking park(task_context& ctx, std::coroutine_handle<> h) = 0;
  /// Whether that suspension still waits (its task was neither cancelled nor woken since).
  virtual bool waiting(parking p) const = 0;
  /// Resumes it now.
  virtual void wake(parking p) = 0;
};

template <class R, class... Ts> struct request_awaiter {
  task_context& ctx;
  caf::actor dest;
  std::chrono::nanoseconds timeout;
  std::tuple<Ts...> args;
  std::optional<caf::expected<R>> answer;

  bool await_ready() const noexcept { return false; }

  void await_suspend(std::coroutine_handle<> h) {
    auto* channel = ctx.channel();
    if (channel == nullptr) {
      throw std::logic_error("ctx.request: this executor cannot send requests");
    }
    auto parked = channel->park(ctx, h);
    auto* self = channel->sender();
    // The handlers touch this awaiter only while its task still waits, so never a destroyed frame.
    auto settle = [channel, parked, this](caf::expected<R> x) {
      if (channel->waiting(parked)) {
        answer.emplace(std::move(x));
        channel->wake(parked);
      }
    };
    auto caf_timeout = std::chrono::duration_cast<std::chrono::microseconds>(timeout);
    std::apply(
        [&](auto&... xs) {
          self->request(dest, caf_timeout, xs...)
              .then([settle](R& r) { settle(caf::expected<R>{std::move(r)}); },
                    [settle](caf::error& e) { settle(caf::expected<R>{std::move(e)}); });
        },
        args);
  }

  caf::expected<R> await_resume() { return std::move(*answer); }
};

template <class R, class Dest, class... Ts>
auto task_context::request(const Dest& dest, Ts&&... args_then_timeout) {
  static_assert(sizeof...(Ts) >= 2, "ctx.request needs at least one argument and a timeout");
  auto all = std::forward_as_tuple(std::forward<Ts>(args_then_timeout)...);
  constexpr auto last = sizeof...(Ts) - 1;
  auto timeout = std::chrono::duration_cast<std::chrono::nanoseconds>(std::get<last>(all));
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    using awaiter = request_awaiter<R, std::decay_t<std::tuple_element_t<I, std::tuple<Ts...>>>...>;
    return awaiter{*this, caf::actor{dest}, timeout,
                   std::make_tuple(std::get<I>(std::move(all))...), std::nullopt};
  }
  (std::make_index_sequence<last>{});
}

} // namespace cohort
