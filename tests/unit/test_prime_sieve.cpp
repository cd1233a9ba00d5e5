// Unit tests of the prime-counting kernel: known counts, both sieve modes, and Miller-Rabin.
#include "jobs/prime_sieve.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <utility>
#include <vector>

namespace {

using cohort::count_primes;
using cohort::is_prime_u64;
using cohort::prime_sieve;

constexpr std::uint64_t max_u64 = std::numeric_limits<std::uint64_t>::max();

std::uint64_t brute_force(std::uint64_t lo, std::uint64_t hi) {
  std::uint64_t count = 0;
  for (std::uint64_t n = lo; n < hi; ++n) {
    count += is_prime_u64(n) ? 1 : 0;
  }
  return count;
}

std::vector<bool> plain_sieve(std::uint64_t limit) {
  std::vector<bool> prime(limit, true);
  prime[0] = false;
  prime[1] = false;
  for (std::uint64_t p = 2; p * p < limit; ++p) {
    if (prime[p]) {
      for (std::uint64_t m = p * p; m < limit; m += p) {
        prime[m] = false;
      }
    }
  }
  return prime;
}

bool prime_by_trial_division(std::uint64_t n, const std::vector<std::uint64_t>& divisors) {
  for (const std::uint64_t d : divisors) {
    if (d * d > n) {
      break;
    }
    if (n % d == 0) {
      return false;
    }
  }
  return n > 1;
}

} // namespace

TEST_CASE("prime_sieve: known values of pi(x)", "[prime_sieve]") {
  CHECK(count_primes(0, 10) == 4);
  CHECK(count_primes(0, 100) == 25);
  CHECK(count_primes(0, 1000000) == 78498);
  CHECK(count_primes(0, 100000000) == 5761455);
}

TEST_CASE("prime_sieve: tiny and empty ranges", "[prime_sieve]") {
  CHECK(count_primes(0, 0) == 0);
  CHECK(count_primes(0, 2) == 0);
  CHECK(count_primes(2, 3) == 1);
  CHECK(count_primes(2, 6) == 3);
  CHECK(count_primes(4, 5) == 0);
  CHECK(count_primes(1000, 1000) == 0);
  CHECK(count_primes(max_u64, max_u64) == 0);
  CHECK(prime_sieve(5, 5).done());
  CHECK(prime_sieve(7, 5).done());
  CHECK_FALSE(prime_sieve(5, 6).done());
}

TEST_CASE("prime_sieve: ranges starting and ending on primes", "[prime_sieve]") {
  CHECK(count_primes(7, 7) == 0);
  CHECK(count_primes(7, 8) == 1);
  CHECK(count_primes(97, 101) == 1);
  CHECK(count_primes(97, 102) == 2);
  CHECK(count_primes(31, 37) == 1);
  CHECK(count_primes(999983, 1000003) == 1);
  CHECK(count_primes(999983, 1000004) == 2);
  CHECK(count_primes(999984, 1000003) == 0);
}

TEST_CASE("prime_sieve: every small range against a plain sieve", "[prime_sieve]") {
  constexpr std::uint64_t limit = 200000;
  const std::vector<bool> prime = plain_sieve(limit);
  std::vector<std::uint64_t> below(limit + 1, 0);
  for (std::uint64_t n = 0; n < limit; ++n) {
    below[n + 1] = below[n] + (prime[n] ? 1 : 0);
  }
  for (std::uint64_t lo = 0; lo < 100; ++lo) {
    for (std::uint64_t hi = lo; hi < 100; ++hi) {
      REQUIRE(count_primes(lo, hi) == below[hi] - below[lo]);
    }
  }
  std::mt19937_64 random(42);
  for (int i = 0; i < 2000; ++i) {
    std::uint64_t lo = random() % limit;
    std::uint64_t hi = random() % (limit + 1);
    if (lo > hi) {
      std::swap(lo, hi);
    }
    REQUIRE(count_primes(lo, hi) == below[hi] - below[lo]);
  }
}

TEST_CASE("prime_sieve: around 2^32", "[prime_sieve]") {
  constexpr std::uint64_t two_32 = std::uint64_t{1} << 32;
  CHECK(count_primes(two_32 - 3000, two_32 + 3000) == brute_force(two_32 - 3000, two_32 + 3000));
  CHECK(count_primes(two_32, two_32 + 1000000) == 45038);

  std::vector<std::uint64_t> divisors;
  const std::vector<bool> prime = plain_sieve(std::uint64_t{1} << 17);
  for (std::uint64_t d = 2; d < prime.size(); ++d) {
    if (prime[d]) {
      divisors.push_back(d);
    }
  }
  for (std::uint64_t n = two_32 - 1000; n < two_32 + 1000; ++n) {
    REQUIRE(is_prime_u64(n) == prime_by_trial_division(n, divisors));
  }
}

TEST_CASE("prime_sieve: near 10^12", "[prime_sieve]") {
  constexpr std::uint64_t trillion = 1000000000000;
  CHECK(count_primes(trillion, trillion + 1000000) == 36249);
  CHECK(count_primes(trillion - 1000000, trillion + 1000000) == 72649);
  CHECK(count_primes(trillion, trillion + 3000) == brute_force(trillion, trillion + 3000));
}

TEST_CASE("prime_sieve: near 2^64", "[prime_sieve]") {
  CHECK(count_primes(max_u64 - 1000, max_u64) == brute_force(max_u64 - 1000, max_u64));
  CHECK(count_primes(max_u64 - 1000000, max_u64) == 22475);
  CHECK(count_primes(max_u64 - 57, max_u64) == 0);
  CHECK(count_primes(max_u64 - 58, max_u64 - 57) == 1);
}

TEST_CASE("prime_sieve: steps and chunks add up to one call", "[prime_sieve]") {
  constexpr std::uint64_t hi = 50000000;
  const std::uint64_t whole = count_primes(0, hi);
  CHECK(whole == 3001134);
  prime_sieve finished(0, 100);
  while (!finished.done()) {
    finished.step();
  }
  CHECK(finished.step() == 0);
  std::uint64_t chunked = 0;
  for (std::uint64_t lo = 0; lo < hi; lo += 3333331) {
    chunked += count_primes(lo, std::min(hi, lo + 3333331));
  }
  CHECK(chunked == whole);

  // Narrow chunks near 10^12 take the Miller-Rabin path, the whole range the sieve.
  constexpr std::uint64_t lo = 1000000000000;
  std::uint64_t narrow = 0;
  for (std::uint64_t at = lo; at < lo + 1000000; at += 1000) {
    narrow += count_primes(at, at + 1000);
  }
  CHECK(narrow == count_primes(lo, lo + 1000000));
}

TEST_CASE("is_prime_u64: small numbers, pseudoprimes and large primes", "[prime_sieve]") {
  const std::vector<bool> prime = plain_sieve(100000);
  for (std::uint64_t n = 0; n < prime.size(); ++n) {
    REQUIRE(is_prime_u64(n) == prime[n]);
  }
  // The smallest strong pseudoprimes to the first k prime bases (OEIS A014233), and Carmichael
  // numbers.
  for (const std::uint64_t n :
       {2047ull, 1373653ull, 25326001ull, 3215031751ull, 2152302898747ull, 3474749660383ull,
        341550071728321ull, 3825123056546413051ull, 561ull, 41041ull, 825265ull}) {
    CHECK_FALSE(is_prime_u64(n));
  }
  CHECK(is_prime_u64(4294967291ull));
  CHECK(is_prime_u64(4294967311ull));
  CHECK(is_prime_u64((1ull << 61) - 1));
  CHECK(is_prime_u64(max_u64 - 58));
  CHECK_FALSE(is_prime_u64(max_u64));
  CHECK_FALSE(is_prime_u64(4294967291ull * 4294967279ull));
  CHECK_FALSE(is_prime_u64(4294967291ull * 4294967291ull));
}
