// The prime-counting kernel: a segmented mod-30 wheel sieve that can pause between segments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace cohort {

struct base_prime_table;

// Counts primes p with lo <= p < hi one segment per step(), so a coroutine can checkpoint between
// segments. Base primes come from a process-wide table shared by all threads.
class prime_sieve {
public:
  prime_sieve(std::uint64_t lo, std::uint64_t hi);

  bool done() const { return done_; }

  // Sieves the next segment and returns the primes found in it: ~1-3 ms up to 10^12 and near 2^64;
  // the first step of a range beyond ~10^14 also sets up its many base primes.
  std::uint64_t step();

private:
  // One base prime's position in the sieve: byte index relative to the current segment start, plus
  // p / 30, the index of p mod 30 in the wheel and the wheel index of the multiplier at that byte.
  struct sieving_prime {
    std::uint32_t index;
    std::uint32_t wheel;
  };

  void activate_base_primes(std::uint64_t segment_start, std::uint64_t limit);
  void sieve_segment(std::uint8_t* segment, std::uint32_t bytes, std::uint64_t segment_start);
  std::uint64_t count_survivors(const std::uint8_t* segment, std::uint32_t bytes,
                                std::uint64_t segment_start) const;

  std::uint64_t lo_;
  std::uint64_t hi_;
  std::uint64_t next_byte_ = 0;
  std::uint64_t last_byte_ = 0;
  std::uint64_t sieve_limit_ = 0;
  // 2, 3 and 5 are off the wheel: the first step adds those in range.
  std::uint64_t pending_ = 0;
  bool done_ = true;
  // Sieved with base primes below sqrt(hi) only, so survivors still need Miller-Rabin.
  bool test_survivors_ = false;
  std::uint32_t segment_bytes_ = 0;
  std::uint8_t first_mask_ = 0xff;
  std::uint8_t last_mask_ = 0xff;
  std::shared_ptr<const base_prime_table> base_;
  std::size_t next_base_ = 0;
  // Sorted by prime: [0, small_active_) go block by block, up to medium_active_ by whole turns over
  // the segment, the rest one multiple at a time.
  std::vector<sieving_prime> active_;
  std::size_t small_active_ = 0;
  std::size_t medium_active_ = 0;
  std::vector<std::uint8_t> buffer_;
};

// Counts primes p with lo <= p < hi.
std::uint64_t count_primes(std::uint64_t lo, std::uint64_t hi);

// Deterministic Miller-Rabin, exact for every 64-bit n.
bool is_prime_u64(std::uint64_t n);

} // namespace cohort
