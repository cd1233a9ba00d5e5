// Unit tests of placement: the pick of a worker for a batch, and designated owners of stripes.
#include "core/placement.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>

using namespace cohort;

namespace {

worker_entry entry(std::string id, std::uint32_t concurrency = 10) {
  worker_entry w;
  w.node = id;
  w.id = std::move(id);
  w.concurrency = concurrency;
  return w;
}

std::uint32_t free_room(const dispatcher& d, worker_ref w) {
  return d.free_credit(w, task_bound::latency);
}

} // namespace

TEST_CASE("least-loaded picks the worker with the most room and rotates among equals",
          "[placement]") {
  dispatcher d;
  auto a = d.add(entry("a"));
  auto b = d.add(entry("b"));
  auto c = d.add(entry("c", 20));
  placement p;
  auto room = [&](worker_ref w) {
    return std::min<std::uint32_t>(free_room(d, w), 1000);
  };
  auto pick = [&] {
    return p.pick(d, dispatch_policy::least_loaded, task_bound::latency, 1000, room);
  };
  REQUIRE(pick() == c);
  d.charge(c, task_bound::latency, 15);
  // a and b tie: the one that reached its credit first comes first; a batch and its answer put
  // it behind b.
  REQUIRE(pick() == a);
  d.charge(a, task_bound::latency, 3);
  d.release(a, task_bound::latency, 3);
  REQUIRE(pick() == b);
  d.charge(b, task_bound::latency, 3);
  d.release(b, task_bound::latency, 3);
  REQUIRE(pick() == a);
  REQUIRE_FALSE(p.pick(d, dispatch_policy::least_loaded, task_bound::latency, 1000,
                       [](worker_ref) { return 0u; }));
}

TEST_CASE("least-loaded skips workers without room for the job and stops at the cap",
          "[placement]") {
  dispatcher d;
  std::vector<worker_ref> w;
  for (int i = 0; i < 50; ++i) {
    w.push_back(d.add(entry("w" + std::to_string(i), 10 + static_cast<std::uint32_t>(i))));
  }
  placement p;
  std::size_t asked = 0;
  // Only even slots fit the job: the pick passes over the odd one with the most credit.
  auto fits_even = [&](worker_ref x) -> std::uint32_t {
    ++asked;
    return x.slot % 2 == 0 ? std::min<std::uint32_t>(free_room(d, x), 1000) : 0;
  };
  REQUIRE(p.pick(d, dispatch_policy::least_loaded, task_bound::latency, 1000, fits_even) == w[48]);
  REQUIRE(asked == 2);
  // A cap below every credit makes all of them equal: the first one asked is taken.
  asked = 0;
  auto capped = [&](worker_ref x) {
    ++asked;
    return std::min<std::uint32_t>(free_room(d, x), 5);
  };
  REQUIRE(p.pick(d, dispatch_policy::least_loaded, task_bound::latency, 5, capped) == w[49]);
  REQUIRE(asked == 1);
  // Draining, leaving and spent workers are not offered.
  d.drain(w[49]);
  d.remove(w[48]);
  d.charge(w[47], task_bound::latency, 56);
  REQUIRE(p.pick(d, dispatch_policy::least_loaded, task_bound::latency, 1000, capped) == w[46]);
  // CPU credit is indexed apart: slots 1 each, one spent.
  d.charge(w[0], task_bound::cpu, 1);
  auto cpu_room = [&](worker_ref x) {
    return d.free_credit(x, task_bound::cpu);
  };
  REQUIRE(p.pick(d, dispatch_policy::least_loaded, task_bound::cpu, 1000, cpu_room) == w[1]);
}

TEST_CASE("round-robin takes each present worker in turn and skips free slots", "[placement]") {
  dispatcher d;
  auto a = d.add(entry("a"));
  auto b = d.add(entry("b"));
  auto c = d.add(entry("c"));
  d.remove(b);
  placement p;
  auto room = [&](worker_ref w) {
    return free_room(d, w);
  };
  std::map<std::uint32_t, int> picks;
  for (int i = 0; i < 10; ++i) {
    picks[p.pick(d, dispatch_policy::round_robin, task_bound::latency, 1000, room)->slot] += 1;
  }
  REQUIRE(picks == std::map<std::uint32_t, int>{{a.slot, 5}, {c.slot, 5}});
  // A worker joining later takes the free slot and its turn.
  auto e = d.add(entry("e"));
  REQUIRE(e.slot == b.slot);
  // The tenth pick was a: the turn goes on after it.
  REQUIRE(p.pick(d, dispatch_policy::round_robin, task_bound::latency, 1000, room) == e);
  REQUIRE(p.pick(d, dispatch_policy::round_robin, task_bound::latency, 1000, room) == c);
  REQUIRE(p.pick(d, dispatch_policy::round_robin, task_bound::latency, 1000, room) == a);
}

TEST_CASE("a stripe's designated owner keeps it while eligible - a lost owner's stripes are "
          "spread over the others",
          "[placement]") {
  dispatcher d;
  auto a = d.add(entry("a"));
  auto b = d.add(entry("b"));
  auto c = d.add(entry("c"));
  auto eligible = [&](worker_ref w) {
    return d.current(w);
  };
  auto owners = placement::designate(d, [&](worker_ref w) { return w != c; });
  REQUIRE(owners == std::vector<worker_ref>{a, b});
  REQUIRE(placement::owner(d, owners, 0, eligible) == a);
  REQUIRE(placement::owner(d, owners, 1, eligible) == b);
  d.remove(a);
  // A worker taking a's slot is not a's successor as owner.
  auto later = d.add(entry("later"));
  REQUIRE(later.slot == a.slot);
  // Stripe 0's owner left: the eligible workers (later, b, c) share it, stripe mod 3.
  REQUIRE(placement::owner(d, owners, 0, eligible) == later);
  REQUIRE(placement::owner(d, owners, 1, eligible) == b);
  // A stripe beyond the owners (more stripes than workers at start) is spread too.
  REQUIRE(placement::owner(d, owners, 5, eligible) == c);
  REQUIRE_FALSE(placement::owner(d, owners, 0, [](worker_ref) { return false; }));
}

TEST_CASE("a designated job whose tasks go by route is placed by load, as least-loaded does",
          "[placement]") {
  dispatcher d;
  auto a = d.add(entry("a", 1000));
  auto b = d.add(entry("b", 1));
  placement p;
  auto room = [&](worker_ref w) {
    return std::min<std::uint32_t>(free_room(d, w), 1000);
  };
  // Round-robin takes b (the first after its cursor, at slot 0); the most room is a's.
  REQUIRE(p.pick(d, dispatch_policy::designated, task_bound::latency, 1000, room) == a);
  REQUIRE(p.pick(d, dispatch_policy::round_robin, task_bound::latency, 1000, room) == b);
}

TEST_CASE("workers of a reserved process leave the credit index until the reservation ends",
          "[placement]") {
  dispatcher d;
  auto a = d.add(entry("a", 50));
  auto b = d.add(entry("b", 10));
  auto listed = [&] {
    std::vector<worker_ref> out;
    d.by_credit(task_bound::latency, [&](worker_ref w, std::uint32_t) {
      out.push_back(w);
      return true;
    });
    return out;
  };
  REQUIRE(listed() == std::vector<worker_ref>{a, b});
  d.reserve(d.at(a).process, true);
  REQUIRE(listed() == std::vector<worker_ref>{b});
  // Charged and released while reserved (its isolation run), it stays out.
  d.charge(a, task_bound::latency, 5);
  d.release(a, task_bound::latency, 5);
  REQUIRE(listed() == std::vector<worker_ref>{b});
  d.reserve(d.at(a).process, false);
  REQUIRE(listed() == std::vector<worker_ref>{a, b});
}
