// Unit tests of rate_meter: no rate until the samples span enough time, the rate over the window
// only, and the ETA from it.
#include "core/rate_meter.hpp"

#include <catch2/catch.hpp>

using namespace cohort;
using namespace std::chrono_literals;

namespace {

rate_meter::clock::time_point at(double s) {
  return rate_meter::clock::time_point{} +
         std::chrono::duration_cast<rate_meter::clock::duration>(std::chrono::duration<double>(s));
}

} // namespace

TEST_CASE("rate_meter: no rate and no ETA until the samples span the minimum", "[rate_meter]") {
  rate_meter m(10s, 2s);
  CHECK_FALSE(m.rate());
  m.sample(at(0), 0);
  m.sample(at(0.5), 2);
  // Two tasks done half a second after the start say nothing about a job of 10,000 yet.
  CHECK_FALSE(m.rate());
  CHECK_FALSE(m.eta(9998));
  m.sample(at(2), 100);
  REQUIRE(m.rate());
  CHECK(*m.rate() == Approx(50.0));
  REQUIRE(m.eta(500));
  CHECK(*m.eta(500) == Approx(10.0));
}

TEST_CASE("rate_meter: the rate is the window's, not the whole run's", "[rate_meter]") {
  rate_meter m(10s, 2s);
  // 1,000 a second for 20 s, then 100 a second.
  std::uint64_t count = 0;
  for (int s = 0; s <= 20; ++s) {
    m.sample(at(s), count);
    count += 1000;
  }
  count -= 1000;
  for (int s = 21; s <= 40; ++s) {
    count += 100;
    m.sample(at(s), count);
  }
  REQUIRE(m.rate());
  CHECK(*m.rate() == Approx(100.0));
}

TEST_CASE("rate_meter: a stalled count has rate 0 and no ETA", "[rate_meter]") {
  rate_meter m(10s, 2s);
  m.sample(at(0), 5);
  m.sample(at(3), 5);
  REQUIRE(m.rate());
  CHECK(*m.rate() == 0.0);
  CHECK_FALSE(m.eta(10));
}
