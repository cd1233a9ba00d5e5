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
    return free_room(d, w);
  };
  REQUIRE(p.pick(d, dispatch_policy::least_loaded, room) == c);
  d.charge(c, task_bound::latency, 15);
  // a and b tie: the one after the last pick comes first, in turn.
  auto first = p.pick(d, dispatch_policy::least_loaded, room);
  auto second = p.pick(d, dispatch_policy::least_loaded, room);
  REQUIRE(first == a);
  REQUIRE(second == b);
  REQUIRE_FALSE(p.pick(d, dispatch_policy::least_loaded, [](worker_ref) { return 0u; }));
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
    picks[p.pick(d, dispatch_policy::round_robin, room)->slot] += 1;
  }
  REQUIRE(picks == std::map<std::uint32_t, int>{{a.slot, 5}, {c.slot, 5}});
  // A worker joining later takes the free slot and its turn.
  auto e = d.add(entry("e"));
  REQUIRE(e.slot == b.slot);
  // The tenth pick was a: the turn goes on after it.
  REQUIRE(p.pick(d, dispatch_policy::round_robin, room) == e);
  REQUIRE(p.pick(d, dispatch_policy::round_robin, room) == c);
  REQUIRE(p.pick(d, dispatch_policy::round_robin, room) == a);
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
