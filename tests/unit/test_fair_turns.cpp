// Unit tests of fair_turns: owners in turn, levels by priority within an owner, equal jobs in turn,
// declined turns skipped, removal, and one owner's many jobs not starving another's one.
#include "core/fair_turns.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <utility>
#include <vector>

using namespace cohort;

namespace {

// `n` turns in which every job accepts: the jobs that took them, in order.
std::vector<std::uint64_t> turns(fair_turns& f, std::size_t n) {
  std::vector<std::uint64_t> out;
  for (std::size_t k = 0; k < n; ++k) {
    auto job = f.next([](std::uint64_t) { return true; });
    REQUIRE(job);
    out.push_back(*job);
  }
  return out;
}

// `n` turns in which only the jobs of `accepting` accept; nothing when none took a turn.
std::vector<std::uint64_t> turns_among(fair_turns& f, const std::set<std::uint64_t>& accepting,
                                       std::size_t n) {
  std::vector<std::uint64_t> out;
  for (std::size_t k = 0; k < n; ++k) {
    auto job = f.next([&](std::uint64_t j) { return accepting.count(j) > 0; });
    if (!job) {
      break;
    }
    out.push_back(*job);
  }
  return out;
}

} // namespace

TEST_CASE("fair_turns: nothing to offer gives nothing and never calls take", "[fair_turns]") {
  fair_turns f;
  CHECK(f.empty());
  int calls = 0;
  CHECK_FALSE(f.next([&](std::uint64_t) {
    ++calls;
    return true;
  }));
  CHECK(calls == 0);
}

TEST_CASE("fair_turns: owners take turns round-robin", "[fair_turns]") {
  fair_turns f;
  // Added out of order: the ring follows the owners' numbers.
  f.add(31, 3, 0);
  f.add(11, 1, 0);
  f.add(21, 2, 0);
  f.add(12, 1, 0);
  f.add(32, 3, 0);
  f.add(22, 2, 0);
  CHECK_FALSE(f.empty());
  CHECK(turns(f, 7) == std::vector<std::uint64_t>{11, 21, 31, 12, 22, 32, 11});
}

TEST_CASE("fair_turns: owner 0 takes its turn in the ring like any other", "[fair_turns]") {
  fair_turns f;
  f.add(1, 0, 0);
  f.add(2, 5, 0);
  f.add(3, 9, 0);
  auto got = turns(f, 6);
  // Each owner once in every three turns.
  for (std::size_t k = 0; k + 3 <= got.size(); ++k) {
    CHECK(std::set<std::uint64_t>(got.begin() + static_cast<std::ptrdiff_t>(k),
                                  got.begin() + static_cast<std::ptrdiff_t>(k + 3)) ==
          std::set<std::uint64_t>{1, 2, 3});
  }
}

TEST_CASE("fair_turns: within an owner the highest priority level goes first", "[fair_turns]") {
  fair_turns f;
  f.add(1, 7, 0);
  f.add(2, 7, 5);
  f.add(3, 7, 5);
  f.add(4, 7, -3);
  // Only the level of priority 5 is served while its jobs accept.
  CHECK(turns(f, 4) == std::vector<std::uint64_t>{2, 3, 2, 3});
  // When they decline, the next level down takes the turn, then the one below it.
  CHECK(turns_among(f, {1, 4}, 1) == std::vector<std::uint64_t>{1});
  CHECK(turns_among(f, {4}, 1) == std::vector<std::uint64_t>{4});
  f.remove(2);
  f.remove(3);
  CHECK(turns(f, 2) == std::vector<std::uint64_t>{1, 1});
  f.remove(1);
  CHECK(turns(f, 1) == std::vector<std::uint64_t>{4});
}

TEST_CASE("fair_turns: a priority counts only within its owner", "[fair_turns]") {
  fair_turns f;
  f.add(1, 1, 100);
  f.add(2, 1, 100);
  f.add(3, 2, -100);
  CHECK(turns(f, 4) == std::vector<std::uint64_t>{1, 3, 2, 3});
}

TEST_CASE("fair_turns: equal-priority jobs of an owner take the turn in turn", "[fair_turns]") {
  fair_turns f;
  for (std::uint64_t j : {7, 5, 6}) {
    f.add(j, 1, 2);
  }
  CHECK(turns(f, 7) == std::vector<std::uint64_t>{5, 6, 7, 5, 6, 7, 5});
  // A job added meanwhile joins the ring at its place.
  f.add(9, 1, 2);
  CHECK(turns(f, 4) == std::vector<std::uint64_t>{6, 7, 9, 5});
}

TEST_CASE("fair_turns: a job that declines the turn is skipped", "[fair_turns]") {
  fair_turns f;
  f.add(1, 1, 0);
  f.add(2, 1, 0);
  f.add(3, 1, 0);
  CHECK(turns_among(f, {1, 3}, 5) == std::vector<std::uint64_t>{1, 3, 1, 3, 1});

  SECTION("when every job declines each is offered once and nothing takes the turn") {
    std::vector<std::uint64_t> offered;
    CHECK_FALSE(f.next([&](std::uint64_t j) {
      offered.push_back(j);
      return false;
    }));
    CHECK(std::multiset<std::uint64_t>(offered.begin(), offered.end()) ==
          std::multiset<std::uint64_t>{1, 2, 3});
  }
  SECTION("a declined turn does not move the ring: the next job in turn is offered first") {
    // Served last: 1. Job 2 declines, 3 accepts; then 1 is first in turn again.
    std::vector<std::uint64_t> offered;
    auto got = f.next([&](std::uint64_t j) {
      offered.push_back(j);
      return j == 3;
    });
    CHECK(got == std::optional<std::uint64_t>{3});
    CHECK(offered == std::vector<std::uint64_t>{2, 3});
    CHECK(turns(f, 1) == std::vector<std::uint64_t>{1});
  }
}

TEST_CASE("fair_turns: an owner whose jobs all decline is skipped", "[fair_turns]") {
  fair_turns f;
  f.add(10, 1, 0);
  f.add(20, 2, 0);
  f.add(21, 2, 3);
  f.add(30, 3, 0);
  CHECK(turns_among(f, {10, 30}, 4) == std::vector<std::uint64_t>{10, 30, 10, 30});
  // Owner 2 comes back into the ring as soon as one of its jobs accepts.
  CHECK(turns(f, 3) == std::vector<std::uint64_t>{10, 21, 30});
}

TEST_CASE("fair_turns: a removed job gets no turn", "[fair_turns]") {
  fair_turns f;
  f.add(1, 1, 0);
  f.add(2, 1, 0);
  f.add(3, 2, 0);
  f.remove(2);
  f.remove(99); // unknown: nothing happens
  std::set<std::uint64_t> offered;
  for (int k = 0; k < 6; ++k) {
    f.next([&](std::uint64_t j) {
      offered.insert(j);
      return true;
    });
  }
  CHECK(offered == std::set<std::uint64_t>{1, 3});
  f.remove(3);
  CHECK(turns(f, 2) == std::vector<std::uint64_t>{1, 1});
  f.remove(1);
  f.remove(1); // twice: nothing happens
  CHECK(f.empty());
  int calls = 0;
  CHECK_FALSE(f.next([&](std::uint64_t) {
    ++calls;
    return true;
  }));
  CHECK(calls == 0);
  // Added again after all were gone, a job is served as before.
  f.add(2, 1, 0);
  CHECK(turns(f, 2) == std::vector<std::uint64_t>{2, 2});
}

TEST_CASE("fair_turns: an owner with one job gets a turn within 2 offers beside 1000 jobs of "
          "another",
          "[fair_turns]") {
  // Both orders of the owners' numbers, and owner 0 (the master's command line) as either.
  for (auto [a, b] : {std::pair<std::uint64_t, std::uint64_t>{1, 2}, {2, 1}, {0, 3}, {3, 0}}) {
    CAPTURE(a, b);
    fair_turns f;
    for (std::uint64_t j = 1; j <= 1000; ++j) {
      f.add(j, a, 0);
    }
    // A has been served alone for a while before B's job arrives.
    for (int k = 0; k < 10; ++k) {
      auto got = f.next([](std::uint64_t) { return true; });
      REQUIRE(got);
      REQUIRE(*got <= 1000);
    }
    const std::uint64_t bs_job = 5000;
    f.add(bs_job, b, -10);
    auto got = turns(f, 2);
    CHECK((got[0] == bs_job || got[1] == bs_job));
    // While B's job keeps accepting it has every other turn.
    auto more = turns(f, 2000);
    auto bs_turns = std::count(more.begin(), more.end(), bs_job);
    CHECK(bs_turns == 1000);
    for (std::size_t k = 1; k < more.size(); ++k) {
      REQUIRE((more[k] == bs_job) != (more[k - 1] == bs_job));
    }
  }
}
