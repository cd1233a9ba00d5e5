// Unit tests of the credit index: slots by free credit, most first, equals in arrival order.
#include "core/credit_index.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <utility>
#include <vector>

using namespace cohort;

namespace {

std::vector<std::pair<std::uint32_t, std::uint32_t>> all(const credit_index& x) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  x.visit([&](std::uint32_t s, std::uint32_t c) {
    out.emplace_back(s, c);
    return true;
  });
  return out;
}

} // namespace

TEST_CASE("the credit index gives slots by credit, most first, equals in arrival order",
          "[credit_index]") {
  credit_index x;
  REQUIRE(x.empty());
  x.set(3, 2);
  x.set(1, 5);
  x.set(7, 2);
  x.set(0, 0);
  using v = std::vector<std::pair<std::uint32_t, std::uint32_t>>;
  REQUIRE(all(x) == v{{1, 5}, {3, 2}, {7, 2}});
  // 3 leaves credit 2 and comes back: it goes behind 7.
  x.set(3, 1);
  x.set(3, 2);
  REQUIRE(all(x) == v{{1, 5}, {7, 2}, {3, 2}});
  // Setting the same credit keeps the place.
  x.set(7, 2);
  REQUIRE(all(x) == v{{1, 5}, {7, 2}, {3, 2}});
  x.set(1, 0);
  x.set(7, 0);
  REQUIRE(x.credit(1) == 0);
  REQUIRE(x.credit(3) == 2);
  REQUIRE(x.credit(99) == 0);
  REQUIRE(all(x) == v{{3, 2}});
  // A visit stops when told.
  x.set(5, 9);
  int seen = 0;
  x.visit([&](std::uint32_t, std::uint32_t) {
    ++seen;
    return false;
  });
  REQUIRE(seen == 1);
  x.set(3, 0);
  x.set(5, 0);
  REQUIRE(x.empty());
}

TEST_CASE("the credit index agrees with a plain table under random changes", "[credit_index]") {
  credit_index x;
  std::vector<std::uint32_t> table(200, 0);
  std::mt19937 rng(7);
  for (int step = 0; step < 20000; ++step) {
    auto s = rng() % table.size();
    auto c = rng() % 4 == 0 ? 0 : rng() % 12;
    x.set(static_cast<std::uint32_t>(s), c);
    table[s] = c;
    if (step % 97 == 0) {
      auto listed = all(x);
      std::size_t held = 0;
      for (auto t : table) {
        held += t > 0 ? 1 : 0;
      }
      REQUIRE(listed.size() == held);
      for (std::size_t k = 0; k < listed.size(); ++k) {
        REQUIRE(table[listed[k].first] == listed[k].second);
        if (k > 0) {
          REQUIRE(listed[k - 1].second >= listed[k].second);
        }
      }
    }
  }
}
