// Unit tests of the ledger: pending, in flight, merged exactly once, retries and give-backs.
#include "actors/ledger.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace cohort;

namespace {
const auto t0 = ledger::clock::now();
}

TEST_CASE("ledger hands out every task once and merges each once", "[ledger]") {
  ledger l(10, 1, 3);
  auto a = l.take(0, 4, 0, false, t0);
  auto b = l.take(0, 100, 1, false, t0);
  REQUIRE(a.size() == 4);
  REQUIRE(b.size() == 6);
  REQUIRE(l.pending() == 0);
  REQUIRE(l.in_flight() == 10);
  std::set<std::uint64_t> seen;
  for (auto& t : a) {
    seen.insert(t.index);
    REQUIRE(t.attempt == 1);
    REQUIRE(l.accept(t.index, t.attempt, 0));
  }
  for (auto& t : b) {
    seen.insert(t.index);
    REQUIRE(l.accept(t.index, t.attempt, 1));
  }
  REQUIRE(seen.size() == 10);
  REQUIRE(l.complete());
  REQUIRE(l.counts().attempts == 10);
  REQUIRE(l.counts().peak_in_flight == 10);
}

TEST_CASE("ledger drops answers from a worker without the live attempt", "[ledger]") {
  ledger l(2, 1, 3);
  auto a = l.take(0, 1, 0, false, t0);
  REQUIRE_FALSE(l.accept(a[0].index, a[0].attempt, 1));
  REQUIRE_FALSE(l.accept(a[0].index, a[0].attempt + 1, 0));
  REQUIRE(l.accept(a[0].index, a[0].attempt, 0));
  REQUIRE_FALSE(l.accept(a[0].index, a[0].attempt, 0));
  REQUIRE(l.counts().duplicates == 3);
  REQUIRE(l.merged() == 1);
}

TEST_CASE("ledger retries a failed task first and fails it after max attempts", "[ledger]") {
  ledger l(5, 1, 2);
  auto a = l.take(0, 1, 0, false, t0);
  REQUIRE(a[0].index == 0);
  REQUIRE(l.fail(0, 1, 0) == ledger::failure_verdict::retry);
  REQUIRE(l.counts().retries == 1);
  REQUIRE(l.pending() == 5);
  auto again = l.take(0, 1, 1, false, t0);
  REQUIRE(again[0].index == 0);
  REQUIRE(again[0].attempt == 2);
  REQUIRE(l.fail(0, 2, 1) == ledger::failure_verdict::exhausted);
  REQUIRE(l.failures(0) == 2);
}

TEST_CASE("ledger leaves a failed task for another worker when asked to", "[ledger]") {
  ledger l(3, 1, 3);
  l.take(0, 1, 7, false, t0);
  REQUIRE(l.fail(0, 1, 7) == ledger::failure_verdict::retry);
  auto same = l.take(0, 1, 7, true, t0);
  REQUIRE(same[0].index == 1);
  auto other = l.take(0, 1, 8, true, t0);
  REQUIRE(other[0].index == 0);
  REQUIRE(other[0].attempt == 2);
}

TEST_CASE("ledger gives back lost attempts uncharged and ignores stale give-backs", "[ledger]") {
  ledger l(4, 1, 1);
  auto a = l.take(0, 4, 3, false, t0);
  REQUIRE(a.size() == 4);
  REQUIRE(l.give_back(a[1].index, a[1].attempt, 3));
  REQUIRE_FALSE(l.give_back(a[1].index, a[1].attempt, 3));
  REQUIRE(l.counts().reassigned == 1);
  REQUIRE(l.pending() == 1);
  auto re = l.take(0, 1, 4, false, t0);
  REQUIRE(re[0].index == a[1].index);
  REQUIRE(re[0].attempt == 2);
  REQUIRE(l.failures(a[1].index) == 0);
  REQUIRE_FALSE(l.accept(a[1].index, a[1].attempt, 3));
  REQUIRE(l.accept(re[0].index, re[0].attempt, 4));
}

TEST_CASE("ledger stripes split pending by index modulo stripes", "[ledger]") {
  ledger l(10, 3, 3);
  auto s1 = l.take(1, 100, 0, false, t0);
  std::vector<std::uint64_t> idx;
  for (auto& t : s1) {
    idx.push_back(t.index);
  }
  REQUIRE(idx == std::vector<std::uint64_t>{1, 4, 7});
  REQUIRE_FALSE(l.stripe_has_pending(1));
  REQUIRE(l.stripe_has_pending(0));
  REQUIRE(l.pending() == 7);
}
