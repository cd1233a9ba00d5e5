// Unit tests of index_set (the merged tasks the journal records) and of a ledger that resumes with
// tasks merged before.
#include "core/byte_codec.hpp"
#include "core/index_set.hpp"
#include "core/ledger.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <set>

using namespace cohort;

TEST_CASE("index_set keeps disjoint ranges however the indexes come", "[index_set]") {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 50; ++round) {
    index_set s;
    std::set<std::uint64_t> plain;
    for (int i = 0; i < 300; ++i) {
      const auto x = rng() % 200;
      CHECK(s.insert(x) == plain.insert(x).second);
    }
    CHECK(s.size() == plain.size());
    std::uint64_t prev_end = 0;
    bool first = true;
    std::uint64_t counted = 0;
    for (const auto& [lo, hi] : s.ranges()) {
      CHECK(lo < hi);
      CHECK((first || lo > prev_end));
      first = false;
      prev_end = hi;
      counted += hi - lo;
    }
    CHECK(counted == plain.size());
    for (std::uint64_t x = 0; x < 201; ++x) {
      CHECK(s.contains(x) == (plain.count(x) == 1));
    }
    const auto back = index_set::decode(s.encode(), 200);
    CHECK(back.ranges() == s.ranges());
    CHECK(back.size() == s.size());
  }
}

TEST_CASE("index_set refuses bytes it did not write", "[index_set]") {
  index_set s;
  s.insert(3);
  s.insert(9);
  const auto good = s.encode();
  CHECK_NOTHROW(index_set::decode(good, 10));
  CHECK_THROWS_AS(index_set::decode(good, 9), codec_error);
  CHECK_THROWS_AS(index_set::decode(good + "x", 10), codec_error);
  CHECK_THROWS_AS(index_set::decode(good.substr(0, good.size() - 1), 10), codec_error);
  codec_writer touching;
  touching.u64(2);
  touching.u64(0);
  touching.u64(2);
  touching.u64(0);
  touching.u64(1);
  CHECK_THROWS_AS(index_set::decode(touching.take(), 10), codec_error);
  codec_writer empty_range;
  empty_range.u64(1);
  empty_range.u64(4);
  empty_range.u64(0);
  CHECK_THROWS_AS(index_set::decode(empty_range.take(), 10), codec_error);
  CHECK(index_set::decode(index_set{}.encode(), 0).size() == 0);
}

TEST_CASE("a ledger resumed with merged tasks never hands them out", "[ledger][index_set]") {
  using clock = ledger::clock;
  for (std::uint32_t stripes : {1u, 3u}) {
    INFO("stripes " << stripes);
    ledger led(20, stripes, 3);
    index_set done;
    for (std::uint64_t x : {0, 1, 2, 5, 6, 7, 8, 19}) {
      done.insert(x);
    }
    led.mark_merged(done);
    CHECK(led.merged() == 8);
    CHECK(led.merged_before() == 8);
    CHECK(led.pending() == 12);
    std::set<std::uint64_t> taken;
    const worker_ref w{0, 1};
    for (std::uint32_t s = 0; s < stripes; ++s) {
      while (led.stripe_has_pending(s)) {
        const auto got = led.take(s, 2, w, false, clock::time_point{});
        REQUIRE_FALSE(got.empty());
        for (const auto& t : got) {
          CHECK_FALSE(done.contains(t.index));
          CHECK(taken.insert(t.index).second);
          std::vector<losing_attempt> losers;
          CHECK(led.accept(t.index, t.attempt, w, clock::time_point{}, losers));
        }
      }
    }
    CHECK(taken.size() == 12);
    CHECK(led.complete());
    CHECK(led.pending() == 0);
  }
}

TEST_CASE("index_set: interleaved ascending runs, copies and moves", "[index_set]") {
  index_set s;
  for (std::uint64_t i = 0; i < 100; ++i) {
    CHECK(s.insert(i));
    CHECK(s.insert(1000 + i));
    CHECK(s.insert(2000 - i));
  }
  CHECK_FALSE(s.insert(50));
  CHECK(s.size() == 300);
  CHECK(s.ranges().size() == 3);
  // The runs meet: 100..999 closes the gap between the first two.
  for (std::uint64_t i = 100; i < 1000; ++i) {
    CHECK(s.insert(i));
  }
  CHECK(s.ranges().size() == 2);
  CHECK(s.ranges().begin()->second == 1100);
  index_set copy = s;
  index_set moved = std::move(s);
  CHECK(moved.ranges() == copy.ranges());
  CHECK(s.size() == 0);
  CHECK(s.insert(5));
  CHECK(s.ranges().size() == 1);
  CHECK(moved.insert(1100));
  CHECK(copy.insert(1100));
  CHECK(moved.ranges() == copy.ranges());
  CHECK(moved.size() == 1201);
}
