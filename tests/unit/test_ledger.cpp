// Unit tests of the ledger: pending, in flight, merged exactly once, retries and give-backs.
#include "core/ledger.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <random>
#include <set>
#include <vector>

using namespace cohort;

namespace {
const auto t0 = ledger::clock::now();

// The worker in slot `slot`, never replaced.
worker_ref w(std::uint32_t slot) {
  return {slot, 0};
}

bool accept(ledger& l, std::uint64_t index, std::uint32_t attempt, worker_ref worker) {
  std::vector<losing_attempt> losers;
  return l.accept(index, attempt, worker, t0, losers);
}
} // namespace

TEST_CASE("ledger hands out every task once and merges each once", "[ledger]") {
  ledger l(10, 1, 3);
  auto a = l.take(0, 4, w(0), false, t0);
  auto b = l.take(0, 100, w(1), false, t0);
  REQUIRE(a.size() == 4);
  REQUIRE(b.size() == 6);
  REQUIRE(l.pending() == 0);
  REQUIRE(l.in_flight() == 10);
  std::set<std::uint64_t> seen;
  for (auto& t : a) {
    seen.insert(t.index);
    REQUIRE(t.attempt == 1);
    REQUIRE(accept(l, t.index, t.attempt, w(0)));
  }
  for (auto& t : b) {
    seen.insert(t.index);
    REQUIRE(accept(l, t.index, t.attempt, w(1)));
  }
  REQUIRE(seen.size() == 10);
  REQUIRE(l.complete());
  REQUIRE(l.counts().attempts == 10);
  REQUIRE(l.counts().peak_in_flight == 10);
}

TEST_CASE("ledger drops answers from a worker without the live attempt", "[ledger]") {
  ledger l(2, 1, 3);
  auto a = l.take(0, 1, w(0), false, t0);
  REQUIRE_FALSE(accept(l, a[0].index, a[0].attempt, w(1)));
  REQUIRE_FALSE(accept(l, a[0].index, a[0].attempt + 1, w(0)));
  REQUIRE(accept(l, a[0].index, a[0].attempt, w(0)));
  REQUIRE_FALSE(accept(l, a[0].index, a[0].attempt, w(0)));
  REQUIRE(l.counts().duplicates == 3);
  REQUIRE(l.merged() == 1);
}

TEST_CASE("ledger retries a failed task first and fails it after max attempts", "[ledger]") {
  ledger l(5, 1, 2);
  auto a = l.take(0, 1, w(0), false, t0);
  REQUIRE(a[0].index == 0);
  REQUIRE(l.fail(0, 1, w(0)) == ledger::verdict::requeued);
  REQUIRE(l.counts().retries == 0);
  REQUIRE(l.pending() == 5);
  auto again = l.take(0, 1, w(1), false, t0);
  REQUIRE(l.counts().retries == 1);
  REQUIRE(again[0].index == 0);
  REQUIRE(again[0].attempt == 2);
  REQUIRE(l.fail(0, 2, w(1)) == ledger::verdict::exhausted);
  REQUIRE(l.failures(0) == 2);
}

TEST_CASE("ledger leaves a failed task for another worker when asked to", "[ledger]") {
  ledger l(3, 1, 3);
  l.take(0, 1, w(7), false, t0);
  REQUIRE(l.fail(0, 1, w(7)) == ledger::verdict::requeued);
  auto same = l.take(0, 1, w(7), true, t0);
  REQUIRE(same[0].index == 1);
  auto other = l.take(0, 1, w(8), true, t0);
  REQUIRE(other[0].index == 0);
  REQUIRE(other[0].attempt == 2);
}

TEST_CASE("ledger gives back lost attempts uncharged and ignores stale give-backs", "[ledger]") {
  ledger l(4, 1, 1);
  auto a = l.take(0, 4, w(3), false, t0);
  REQUIRE(a.size() == 4);
  REQUIRE(l.give_back(a[1].index, a[1].attempt, w(3)) == ledger::verdict::requeued);
  REQUIRE(l.give_back(a[1].index, a[1].attempt, w(3)) == ledger::verdict::stale);
  REQUIRE(l.pending() == 1);
  auto re = l.take(0, 1, w(4), false, t0);
  REQUIRE(l.counts().reassigned == 1);
  REQUIRE(re[0].index == a[1].index);
  REQUIRE(re[0].attempt == 2);
  REQUIRE(l.failures(a[1].index) == 0);
  REQUIRE_FALSE(accept(l, a[1].index, a[1].attempt, w(3)));
  REQUIRE(accept(l, re[0].index, re[0].attempt, w(4)));
}

TEST_CASE("ledger stripes split pending by index modulo stripes", "[ledger]") {
  ledger l(10, 3, 3);
  auto s1 = l.take(1, 100, w(0), false, t0);
  std::vector<std::uint64_t> idx;
  for (auto& t : s1) {
    idx.push_back(t.index);
  }
  REQUIRE(idx == std::vector<std::uint64_t>{1, 4, 7});
  REQUIRE_FALSE(l.stripe_has_pending(1));
  REQUIRE(l.stripe_has_pending(0));
  REQUIRE(l.pending() == 7);
}

namespace {

// attempts = merged + retries + reassigned + speculative, the invariant of every completed job.
bool balanced(const ledger& l) {
  const auto& c = l.counts();
  return c.attempts == l.merged() + c.retries + c.reassigned + c.speculative;
}

} // namespace

TEST_CASE("ledger counts a re-run by why it was made, when it is made", "[ledger]") {
  ledger l(3, 1, 5);
  auto a = l.take(0, 3, w(0), false, t0);
  REQUIRE(l.fail(a[0].index, a[0].attempt, w(0)) == ledger::verdict::requeued);
  REQUIRE(l.give_back(a[1].index, a[1].attempt, w(0)) == ledger::verdict::requeued);
  REQUIRE(l.counts().retries == 0);
  REQUIRE(l.counts().reassigned == 0);
  auto b = l.take(0, 3, w(1), false, t0);
  REQUIRE(b.size() == 2);
  REQUIRE(l.counts().retries == 1);
  REQUIRE(l.counts().reassigned == 1);
  for (auto& t : b) {
    REQUIRE(accept(l, t.index, t.attempt, w(1)));
  }
  REQUIRE(accept(l, a[2].index, a[2].attempt, w(0)));
  REQUIRE(l.complete());
  REQUIRE(balanced(l));
}

TEST_CASE("ledger lets the first of two live attempts win and names the loser", "[ledger]") {
  ledger l(2, 1, 3);
  auto start = t0;
  l.take(0, 2, w(0), false, start);
  std::vector<losing_attempt> losers;
  // Task 0 is overdue past 2 units; task 1 is not.
  auto later = start + std::chrono::milliseconds(10);
  REQUIRE(l.overdue(later, std::chrono::milliseconds(5)) == std::vector<std::uint64_t>{0, 1});
  auto copy = l.speculate(0, w(1), later);
  REQUIRE(copy);
  REQUIRE(copy->attempt == 2);
  REQUIRE_FALSE(l.speculate(0, w(2), later));
  REQUIRE_FALSE(l.speculate(1, w(0), later));
  REQUIRE(l.in_flight() == 3);
  REQUIRE(l.overdue(later, std::chrono::milliseconds(5)) == std::vector<std::uint64_t>{1});
  REQUIRE(l.accept(0, 2, w(1), later, losers));
  REQUIRE(losers.size() == 1);
  REQUIRE(losers[0].index == 0);
  REQUIRE(losers[0].attempt == 1);
  REQUIRE(losers[0].worker == w(0));
  // The loser's answer comes late and is dropped.
  REQUIRE_FALSE(accept(l, 0, 1, w(0)));
  REQUIRE(l.counts().duplicates == 1);
  REQUIRE(accept(l, 1, 1, w(0)));
  REQUIRE(l.complete());
  REQUIRE(l.counts().speculative == 1);
  REQUIRE(balanced(l));
}

TEST_CASE("ledger charges a timed-out attempt once and re-queues its task elsewhere", "[ledger]") {
  ledger l(2, 1, 3);
  l.take(0, 1, w(0), false, t0);
  auto later = t0 + std::chrono::seconds(2);
  REQUIRE(l.expire(later, std::chrono::seconds(1)).empty());
  REQUIRE(l.failures(0) == 1);
  REQUIRE(l.pending() == 2);
  REQUIRE(l.in_flight() == 1);
  // Charged once per attempt: a second look changes nothing.
  REQUIRE(l.expire(later + std::chrono::seconds(5), std::chrono::seconds(1)).empty());
  REQUIRE(l.failures(0) == 1);
  // The worker still running it does not get it again.
  auto same = l.take(0, 1, w(0), true, later);
  REQUIRE(same[0].index == 1);
  auto other = l.take(0, 1, w(1), true, later);
  REQUIRE(other[0].index == 0);
  REQUIRE(other[0].attempt == 2);
  // The slow first attempt answers first after all: it wins, the re-run loses.
  std::vector<losing_attempt> losers;
  REQUIRE(l.accept(0, 1, w(0), later, losers));
  REQUIRE(losers.size() == 1);
  REQUIRE(losers[0].worker == w(1));
  REQUIRE(accept(l, 1, 1, w(0)));
  REQUIRE(l.complete());
  REQUIRE(l.counts().retries == 1);
  REQUIRE(balanced(l));
}

TEST_CASE("ledger fails a task whose attempts keep timing out", "[ledger]") {
  ledger l(1, 1, 2);
  l.take(0, 1, w(0), false, t0);
  REQUIRE(l.expire(t0 + std::chrono::seconds(2), std::chrono::seconds(1)).empty());
  l.take(0, 1, w(1), false, t0 + std::chrono::seconds(2));
  auto exhausted = l.expire(t0 + std::chrono::seconds(4), std::chrono::seconds(1));
  REQUIRE(exhausted == std::vector<std::uint64_t>{0});
}

TEST_CASE("ledger isolates tasks lost beside others and charges a lone loss", "[ledger]") {
  ledger l(4, 1, 2);
  auto a = l.take(0, 4, w(0), false, t0);
  auto g1 = l.new_group();
  auto g2 = l.new_group();
  REQUIRE(l.lose(0, 1, w(0), g1) == ledger::verdict::requeued);
  REQUIRE(l.lose(1, 1, w(0), g1) == ledger::verdict::requeued);
  REQUIRE(l.lose(2, 1, w(0), g2) == ledger::verdict::requeued);
  REQUIRE(l.failures(0) == 0);
  REQUIRE(l.pending() == 3);
  REQUIRE(l.isolated_pending() == 3);
  // Normal dispatch does not hand out isolated tasks.
  REQUIRE(l.take(0, 10, w(1), false, t0).empty());
  REQUIRE(l.waiting_groups() == std::vector<std::uint32_t>{g1, g2});
  auto first = l.take_group(g1, 10, w(1), t0);
  REQUIRE(first.size() == 2);
  REQUIRE_FALSE(l.group_done(g1));
  // Task 0 is alone now and its process dies: charged, and from now on it runs alone.
  REQUIRE(l.lose(0, 2, w(1), std::nullopt) == ledger::verdict::requeued);
  REQUIRE(l.failures(0) == 1);
  REQUIRE(accept(l, 1, 2, w(1)));
  REQUIRE(l.group_done(g1));
  auto groups = l.waiting_groups();
  REQUIRE(groups.size() == 2);
  auto solo = groups.back();
  auto again = l.take_group(solo, 10, w(2), t0);
  REQUIRE(again.size() == 1);
  REQUIRE(again[0].index == 0);
  REQUIRE(l.lose(0, 3, w(2), std::nullopt) == ledger::verdict::exhausted);
  REQUIRE(l.failures(0) == 2);
}

TEST_CASE("ledger keeps a task that lost one of two attempts running on the other", "[ledger]") {
  ledger l(1, 1, 3);
  l.take(0, 1, w(0), false, t0);
  REQUIRE(l.speculate(0, w(1), t0));
  REQUIRE(l.lose(0, 1, w(0), std::nullopt) == ledger::verdict::absorbed);
  REQUIRE(l.pending() == 0);
  REQUIRE(l.fail(0, 2, w(1)) == ledger::verdict::requeued);
  REQUIRE(l.pending() == 1);
  REQUIRE(l.failures(0) == 2);
}

TEST_CASE("ledger puts back tasks taken for a batch that was cut as if never taken", "[ledger]") {
  ledger l(5, 1, 3);
  auto a = l.take(0, 1, w(0), false, t0);
  REQUIRE(l.give_back(a[0].index, a[0].attempt, w(0)) == ledger::verdict::requeued);
  auto b = l.take(0, 3, w(1), false, t0);
  REQUIRE(b.size() == 3);
  REQUIRE(l.counts().reassigned == 1);
  l.untake({b.begin() + 0, b.end()}, w(1));
  REQUIRE(l.counts().reassigned == 0);
  REQUIRE(l.counts().attempts == 1);
  REQUIRE(l.pending() == 5);
  REQUIRE(l.in_flight() == 0);
  auto c = l.take(0, 5, w(2), false, t0);
  REQUIRE(c.size() == 5);
  REQUIRE(c[0].index == b[0].index);
  REQUIRE(c[0].attempt == b[0].attempt);
  REQUIRE(c[1].index == b[1].index);
  REQUIRE(c[1].attempt == 1);
  for (auto& t : c) {
    REQUIRE(accept(l, t.index, t.attempt, w(2)));
  }
  REQUIRE(l.complete());
  REQUIRE(balanced(l));
}

TEST_CASE("ledger says when its next task becomes overdue, skipping copied and overdue ones",
          "[ledger]") {
  ledger l(3, 1, 3);
  const auto ms = [](int n) {
    return std::chrono::milliseconds(n);
  };
  REQUIRE_FALSE(l.next_overdue(t0, ms(5)));
  l.take(0, 1, w(0), false, t0);
  l.take(0, 1, w(1), false, t0 + ms(2));
  l.take(0, 1, w(0), false, t0 + ms(4));
  REQUIRE(l.next_overdue(t0, ms(5)) == t0 + ms(5));
  // Past that moment, the next one still ahead: task 1, started 2 ms later.
  REQUIRE(l.next_overdue(t0 + ms(6), ms(5)) == t0 + ms(7));
  // Task 1 gets a copy: the next candidate is task 2.
  REQUIRE(l.speculate(1, w(0), t0 + ms(6)));
  REQUIRE(l.next_overdue(t0 + ms(6), ms(5)) == t0 + ms(9));
  REQUIRE(accept(l, 2, 1, w(0)));
  REQUIRE_FALSE(l.next_overdue(t0 + ms(6), ms(5)));
}

TEST_CASE("ledger's overdue tasks match a walk over every task in flight, whatever the order of "
          "starts and ends",
          "[ledger]") {
  // The ledger keeps tasks in flight ordered by start so overdue() stops early; a reference
  // keeps every live attempt and checks each one.
  const std::uint64_t n = 400;
  ledger l(n, 1, 50);
  struct live {
    std::uint64_t index;
    std::uint32_t attempt;
    worker_ref worker;
    ledger::clock::time_point start;
  };
  std::vector<live> ref;
  std::set<std::uint64_t> copied;
  std::mt19937 rng(11);
  auto at = [](int m) {
    return t0 + std::chrono::milliseconds(m);
  };
  int clock = 0;
  for (int step = 0; step < 6000 && !l.complete(); ++step) {
    // The clock mostly moves on, and sometimes goes back a little (a caller's clock is not
    // trusted to be monotonic).
    clock += static_cast<int>(rng() % 4) - (rng() % 10 == 0 ? 5 : 0);
    auto now = at(clock);
    auto what = rng() % 6;
    if (what <= 1 && l.pending() > 0) {
      auto worker = w(rng() % 5);
      for (auto t : l.take(0, 1 + rng() % 3, worker, false, now)) {
        ref.push_back({t.index, t.attempt, worker, now});
      }
    } else if (what == 2 && !ref.empty()) {
      auto k = rng() % ref.size();
      auto x = ref[k];
      auto worker = w(5 + rng() % 2);
      if (auto c = l.speculate(x.index, worker, now)) {
        copied.insert(x.index);
        ref.push_back({x.index, c->attempt, worker, now});
      }
    } else if (what == 3 && !ref.empty()) {
      auto k = rng() % ref.size();
      auto x = ref[k];
      l.give_back(x.index, x.attempt, x.worker);
      ref.erase(ref.begin() + static_cast<std::ptrdiff_t>(k));
    } else if (!ref.empty()) {
      auto k = rng() % ref.size();
      auto x = ref[k];
      std::vector<losing_attempt> losers;
      REQUIRE(l.accept(x.index, x.attempt, x.worker, now, losers));
      std::erase_if(ref, [&](const live& a) { return a.index == x.index; });
    }
    // The reference: tasks with one live attempt, never copied, not pending again.
    std::map<std::uint64_t, std::vector<live>> by_task;
    for (const auto& a : ref) {
      by_task[a.index].push_back(a);
    }
    const auto threshold = std::chrono::milliseconds(7);
    std::vector<std::uint64_t> expected;
    std::optional<ledger::clock::time_point> next;
    for (const auto& [index, attempts] : by_task) {
      if (attempts.size() != 1 || copied.contains(index)) {
        continue;
      }
      auto due = attempts[0].start + threshold;
      if (now - attempts[0].start > threshold) {
        expected.push_back(index);
      } else if (due > now && (!next || due < *next)) {
        next = due;
      }
    }
    REQUIRE(l.overdue(now, threshold) == expected);
    REQUIRE(l.next_overdue(now, threshold) == next);
  }
}
