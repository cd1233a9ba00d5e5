// Unit tests of isolation: how lost tasks form groups, and the processes reserved to run them.
#include "core/isolation.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace cohort;

namespace {

worker_entry entry(std::string id, std::string node) {
  worker_entry w;
  w.id = std::move(id);
  w.node = std::move(node);
  w.concurrency = 10;
  return w;
}

} // namespace

TEST_CASE("tasks lost beside others form up to 8 groups of neighbours - a lone loss none",
          "[isolation]") {
  REQUIRE(isolation::groups_for(5, 1) == 0);
  REQUIRE(isolation::groups_for(5, 6) == 5);
  REQUIRE(isolation::groups_for(100, 120) == isolation::fanout);
  std::vector<std::size_t> sizes(8);
  for (std::size_t k = 0; k < 100; ++k) {
    sizes.at(isolation::group_of(k, 100, 8)) += 1;
  }
  for (auto n : sizes) {
    REQUIRE((n == 12 || n == 13));
  }
  REQUIRE(isolation::group_of(0, 100, 8) == 0);
  REQUIRE(isolation::group_of(99, 100, 8) == 7);
}

TEST_CASE("a group gets an idle process, or the least loaded once it has run empty",
          "[isolation]") {
  dispatcher d;
  auto busy = d.add(entry("busy", "p1"));
  auto light = d.add(entry("light", "p2"));
  d.charge(busy, task_bound::latency, 5);
  d.charge(light, task_bound::latency, 2);
  isolation iso;
  auto any = [](worker_ref) {
    return true;
  };
  REQUIRE(iso.reserve(d, 1, 1, any));
  REQUIRE(iso.has(1, 1));
  auto p2 = d.at(light).process;
  REQUIRE(d.process(p2).reserved);
  // A reserved process takes nothing new, except for its group.
  REQUIRE(d.free_credit(light, task_bound::latency) == 0);
  REQUIRE(d.free_credit(light, task_bound::latency, true) == 8);
  REQUIRE(iso.ready(d).empty());
  d.release(light, task_bound::latency, 2);
  auto ready = iso.ready(d);
  REQUIRE(ready.size() == 1);
  REQUIRE(ready[0].process == p2);
  REQUIRE(ready[0].job == 1);
  REQUIRE(ready[0].group == 1);
  // Started once: it stays ready while it runs its group.
  d.charge(light, task_bound::latency, 1);
  REQUIRE(iso.ready(d).size() == 1);
  // The second group takes the other process; a third finds none free.
  REQUIRE(iso.reserve(d, 1, 2, any));
  REQUIRE(d.process(d.at(busy).process).reserved);
  REQUIRE_FALSE(iso.reserve(d, 1, 3, any));
  iso.release(d, [](std::uint64_t, std::uint32_t group) { return group == 1; });
  REQUIRE_FALSE(iso.has(1, 1));
  REQUIRE_FALSE(d.process(p2).reserved);
  REQUIRE(iso.reserved() == 1);
}

TEST_CASE("a reservation goes with its process - the process taking its entry is not reserved",
          "[isolation]") {
  dispatcher d;
  d.add(entry("stays", "p1"));
  auto leaves = d.add(entry("leaves", "p2"));
  isolation iso;
  REQUIRE(iso.reserve(d, 7, 1, [&](worker_ref w) { return w == leaves; }));
  auto removal = d.remove(leaves);
  REQUIRE(removal.process_gone);
  iso.process_gone(*removal.process_gone);
  REQUIRE_FALSE(iso.has(7, 1));
  auto newcomer = d.add(entry("newcomer", "p3"));
  REQUIRE(d.at(newcomer).process == *removal.process_gone);
  REQUIRE_FALSE(d.process(d.at(newcomer).process).reserved);
  REQUIRE(iso.ready(d).empty());
  REQUIRE(d.free_credit(newcomer, task_bound::latency) == 10);
}
