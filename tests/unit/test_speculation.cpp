// Unit tests of the speculation policy: when a job's slow attempts are copied, and where.
#include "core/speculation.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>

using namespace cohort;
using namespace std::chrono_literals;

namespace {

const auto t0 = ledger::clock::time_point{};

worker_entry entry(std::string id, std::string node, std::uint32_t slots = 2) {
  worker_entry w;
  w.id = std::move(id);
  w.node = std::move(node);
  w.slots = slots;
  return w;
}

// A ledger of `n` tasks where tasks 0-2 ran 10 ms each on `w` and the rest run on `w` since 0.
std::unique_ptr<ledger> with_median_10ms(std::uint64_t n, worker_ref w) {
  auto led = std::make_unique<ledger>(n, 1, 3);
  std::vector<losing_attempt> losers;
  for (auto t : led->take(0, 3, w, false, t0)) {
    led->accept(t.index, t.attempt, w, t0 + 10ms, losers);
  }
  led->take(0, n - 3, w, false, t0 + 10ms);
  return led;
}

} // namespace

TEST_CASE("copies apply to allowed jobs with nothing pending - at dispatch only CPU-bound ones",
          "[speculation]") {
  ledger led(2, 1, 3);
  REQUIRE_FALSE(speculation::applies(true, led));
  auto taken = led.take(0, 2, worker_ref{}, false, t0);
  REQUIRE(speculation::applies(true, led));
  REQUIRE_FALSE(speculation::applies(false, led));
  REQUIRE(speculation::at_dispatch(true, task_bound::cpu, led));
  REQUIRE_FALSE(speculation::at_dispatch(true, task_bound::latency, led));
  std::vector<losing_attempt> losers;
  for (auto t : taken) {
    led.accept(t.index, t.attempt, worker_ref{}, t0, losers);
  }
  REQUIRE_FALSE(speculation::at_dispatch(true, task_bound::cpu, led));
}

TEST_CASE("an attempt is due past twice the median, once three attempts finished",
          "[speculation]") {
  ledger few(4, 1, 3);
  std::vector<losing_attempt> losers;
  for (auto t : few.take(0, 2, worker_ref{}, false, t0)) {
    few.accept(t.index, t.attempt, worker_ref{}, t0 + 10ms, losers);
  }
  REQUIRE_FALSE(speculation::threshold(few));
  auto held = with_median_10ms(5, worker_ref{});
  auto& led = *held;
  REQUIRE(speculation::threshold(led) == 20ms);
  // Tasks 3 and 4 started at 10 ms: due after 30 ms.
  REQUIRE(speculation::due(led, t0 + 30ms).empty());
  REQUIRE(speculation::due(led, t0 + 31ms) == std::vector<std::uint64_t>{3, 4});
}

TEST_CASE("a copy goes to a worker with credit on another process, then to the one with most",
          "[speculation]") {
  dispatcher d;
  auto slow = d.add(entry("slow", "p1"));
  auto beside = d.add(entry("beside", "p1", 8));
  auto other = d.add(entry("other", "p2"));
  auto any = [](worker_ref) {
    return true;
  };
  REQUIRE(speculation::where(d, task_bound::cpu, {slow}, any) == other);
  d.charge(other, task_bound::cpu, 2);
  REQUIRE(speculation::where(d, task_bound::cpu, {slow}, any) == beside);
  REQUIRE_FALSE(speculation::where(d, task_bound::cpu, {slow, beside}, any));
  REQUIRE_FALSE(
      speculation::where(d, task_bound::cpu, {slow}, [&](worker_ref w) { return w != beside; }));
}

TEST_CASE("the next copy falls due when an attempt crosses the threshold, if a worker is idle",
          "[speculation]") {
  dispatcher d;
  auto busy = d.add(entry("busy", "p1", 1));
  auto idle = d.add(entry("idle", "p2", 1));
  auto held = with_median_10ms(5, busy);
  auto& led = *held;
  d.charge(busy, task_bound::cpu, 1);
  auto any = [](worker_ref) {
    return true;
  };
  REQUIRE(speculation::next_due(d, task_bound::cpu, led, t0 + 15ms, any) == t0 + 30ms);
  d.charge(idle, task_bound::cpu, 1);
  REQUIRE_FALSE(speculation::next_due(d, task_bound::cpu, led, t0 + 15ms, any));
}
