// Segmented mod-30 wheel sieve (8 bits per 30 numbers) with pre-sieving and a Miller-Rabin fallback.
#include "jobs/prime_sieve.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <mutex>

namespace cohort {

// Every prime in (largest pre-sieved prime, limit], sorted.
struct base_prime_table {
  std::uint64_t limit = 0;
  std::vector<std::uint32_t> primes;
};

namespace {

constexpr std::array<std::uint32_t, 8> wheel{1, 7, 11, 13, 17, 19, 23, 29};
constexpr std::array<std::uint32_t, 8> wheel_next{7, 11, 13, 17, 19, 23, 29, 31};

constexpr std::array<std::uint8_t, 30> make_bit_of_residue() {
  std::array<std::uint8_t, 30> bits{};
  for (auto& b : bits) {
    b = 8;
  }
  for (std::uint8_t k = 0; k < 8; ++k) {
    bits[wheel[k]] = k;
  }
  return bits;
}
constexpr auto bit_of_residue = make_bit_of_residue();

// For x mod 30, how far to the next number coprime to 30.
constexpr std::array<std::uint8_t, 30> make_coprime_gap() {
  std::array<std::uint8_t, 30> gaps{};
  for (std::uint32_t x = 0; x < 30; ++x) {
    std::uint8_t g = 0;
    while (bit_of_residue[(x + g) % 30] == 8) {
      ++g;
    }
    gaps[x] = g;
  }
  return gaps;
}
constexpr auto coprime_gap = make_coprime_gap();

// Crossing off p * q for p = 30a + wheel[r], q = 30b + wheel[j]: the byte is 30ab + a*wheel[j] + b*wheel[r]
// + wheel[r]*wheel[j]/30, so moving q to the next wheel residue moves a*gap + carry bytes.
struct wheel_step {
  std::uint8_t clear_mask;
  std::uint8_t gap;
  std::uint8_t carry;
};

constexpr std::array<wheel_step, 64> make_wheel_steps() {
  std::array<wheel_step, 64> steps{};
  for (std::uint32_t r = 0; r < 8; ++r) {
    for (std::uint32_t j = 0; j < 8; ++j) {
      const std::uint32_t product = wheel[r] * wheel[j];
      steps[r * 8 + j] = {
          static_cast<std::uint8_t>(~(1u << bit_of_residue[product % 30])),
          static_cast<std::uint8_t>(wheel_next[j] - wheel[j]),
          static_cast<std::uint8_t>(wheel[r] * wheel_next[j] / 30 - product / 30)};
    }
  }
  return steps;
}
constexpr auto wheel_steps = make_wheel_steps();

// A sieving prime's wheel field: (p / 30) << 6 | r << 3 | j, so the low 6 bits index wheel_steps.
inline void cross_one(std::uint8_t* segment, std::uint32_t& index, std::uint32_t& wheel_field) {
  const wheel_step& s = wheel_steps[wheel_field & 63];
  segment[index] &= s.clear_mask;
  index += (wheel_field >> 6) * s.gap + s.carry;
  wheel_field = (wheel_field & ~7u) | ((wheel_field + 1) & 7u);
}

// Primes that hit every segment many times: once the multiplier is 1 mod 30, a whole turn of the
// wheel is 8 stores at fixed offsets with compile-time masks, then p bytes further on.
template <std::uint32_t R>
void cross_small(std::uint8_t* segment, std::uint32_t bytes, std::uint32_t& index,
                 std::uint32_t& wheel_field) {
  while ((wheel_field & 7) != 0 && index < bytes) {
    cross_one(segment, index, wheel_field);
  }
  constexpr std::uint32_t r = wheel[R];
  const std::uint32_t a = wheel_field >> 6;
  const std::uint32_t offset_7 = a * 28 + r * 29 / 30;
  if (offset_7 < bytes) {
    const std::uint32_t p = 30 * a + r;
    const std::uint32_t offset_1 = a * 6 + r * 7 / 30;
    const std::uint32_t offset_2 = a * 10 + r * 11 / 30;
    const std::uint32_t offset_3 = a * 12 + r * 13 / 30;
    const std::uint32_t offset_4 = a * 16 + r * 17 / 30;
    const std::uint32_t offset_5 = a * 18 + r * 19 / 30;
    const std::uint32_t offset_6 = a * 22 + r * 23 / 30;
    const std::uint32_t end = bytes - offset_7;
    for (; index < end; index += p) {
      std::uint8_t* at = segment + index;
      at[0] &= wheel_steps[R * 8 + 0].clear_mask;
      at[offset_1] &= wheel_steps[R * 8 + 1].clear_mask;
      at[offset_2] &= wheel_steps[R * 8 + 2].clear_mask;
      at[offset_3] &= wheel_steps[R * 8 + 3].clear_mask;
      at[offset_4] &= wheel_steps[R * 8 + 4].clear_mask;
      at[offset_5] &= wheel_steps[R * 8 + 5].clear_mask;
      at[offset_6] &= wheel_steps[R * 8 + 6].clear_mask;
      at[offset_7] &= wheel_steps[R * 8 + 7].clear_mask;
    }
  }
  while (index < bytes) {
    cross_one(segment, index, wheel_field);
  }
}

// Dispatches to the unrolled loop for the prime's residue, which fixes the masks at compile time.
void cross_unrolled(std::uint8_t* segment, std::uint32_t end, std::uint32_t& index,
                    std::uint32_t& wheel_field) {
  switch ((wheel_field >> 3) & 7) {
  case 0:
    cross_small<0>(segment, end, index, wheel_field);
    break;
  case 1:
    cross_small<1>(segment, end, index, wheel_field);
    break;
  case 2:
    cross_small<2>(segment, end, index, wheel_field);
    break;
  case 3:
    cross_small<3>(segment, end, index, wheel_field);
    break;
  case 4:
    cross_small<4>(segment, end, index, wheel_field);
    break;
  case 5:
    cross_small<5>(segment, end, index, wheel_field);
    break;
  case 6:
    cross_small<6>(segment, end, index, wheel_field);
    break;
  default:
    cross_small<7>(segment, end, index, wheel_field);
    break;
  }
}

// Multiples of these are removed by copying precomputed patterns instead of crossing off; the groups
// keep each pattern's period (the product of its primes, in bytes) small enough to stay cached.
constexpr std::array<std::uint32_t, 8> presieved{7, 11, 13, 17, 19, 23, 29, 31};
constexpr std::array<std::size_t, 4> presieve_groups{0, 4, 6, 8};

std::vector<std::uint8_t> make_pattern(std::size_t first, std::size_t last) {
  std::uint32_t period = 1;
  for (std::size_t i = first; i < last; ++i) {
    period *= presieved[i];
  }
  std::vector<std::uint8_t> pattern(period, 0xff);
  for (std::uint32_t byte = 0; byte < period; ++byte) {
    for (std::uint32_t k = 0; k < 8; ++k) {
      const std::uint32_t n = 30 * byte + wheel[k];
      for (std::size_t i = first; i < last; ++i) {
        if (n % presieved[i] == 0) {
          pattern[byte] &= static_cast<std::uint8_t>(~(1u << k));
        }
      }
    }
  }
  return pattern;
}

const std::vector<std::vector<std::uint8_t>>& presieve_patterns() {
  static const std::vector<std::vector<std::uint8_t>> patterns = [] {
    std::vector<std::vector<std::uint8_t>> built;
    for (std::size_t g = 0; g + 1 < presieve_groups.size(); ++g) {
      built.push_back(make_pattern(presieve_groups[g], presieve_groups[g + 1]));
    }
    return built;
  }();
  return patterns;
}

void presieve(std::uint8_t* segment, std::uint32_t bytes, std::uint64_t segment_start) {
  const auto& patterns = presieve_patterns();
  for (std::size_t g = 0; g < patterns.size(); ++g) {
    const std::uint8_t* pattern = patterns[g].data();
    const std::size_t period = patterns[g].size();
    std::size_t from = segment_start % period;
    for (std::uint32_t done = 0; done < bytes;) {
      const std::size_t length = std::min<std::size_t>(bytes - done, period - from);
      if (g == 0) {
        std::memcpy(segment + done, pattern + from, length);
      } else {
        for (std::size_t i = 0; i < length; ++i) {
          segment[done + i] &= pattern[from + i];
        }
      }
      done += static_cast<std::uint32_t>(length);
      from = 0;
    }
  }
  // The patterns also removed the pre-sieved primes themselves, and 1 is not prime.
  for (const std::uint32_t p : presieved) {
    if (p / 30 >= segment_start && p / 30 - segment_start < bytes) {
      segment[p / 30 - segment_start] |= static_cast<std::uint8_t>(1u << bit_of_residue[p % 30]);
    }
  }
  if (segment_start == 0) {
    segment[0] &= 0xfe;
  }
}

std::uint64_t isqrt(std::uint64_t n) {
  auto r = static_cast<std::uint64_t>(std::sqrt(static_cast<double>(n)));
  while (r > 0xffffffffu || r * r > n) {
    --r;
  }
  while (r < 0xffffffffu && (r + 1) * (r + 1) <= n) {
    ++r;
  }
  return r;
}

// Appends the primes in (from, to] to primes, which already holds every prime in (31, from], with
// from * from >= to; a plain odd-only segmented sieve, since this runs once per growth.
void extend_primes(std::vector<std::uint32_t>& primes, std::uint64_t from, std::uint64_t to) {
  std::vector<std::uint64_t> divisors{3, 5};
  divisors.insert(divisors.end(), presieved.begin(), presieved.end());
  for (const std::uint32_t p : primes) {
    if (std::uint64_t{p} * p > to) {
      break;
    }
    divisors.push_back(p);
  }
  constexpr std::uint64_t block_odds = std::uint64_t{1} << 15;
  std::vector<std::uint8_t> composite(block_odds);
  for (std::uint64_t first = (from + 1) | 1; first <= to; first += 2 * block_odds) {
    const std::uint64_t odds = std::min(block_odds, (to - first) / 2 + 1);
    const std::uint64_t last = first + 2 * (odds - 1);
    std::fill(composite.begin(), composite.end(), 0);
    for (const std::uint64_t d : divisors) {
      if (d * d > last) {
        break;
      }
      std::uint64_t multiple = std::max(d * d, (first + d - 1) / d * d);
      if (multiple % 2 == 0) {
        multiple += d;
      }
      for (std::uint64_t i = (multiple - first) / 2; i < odds; i += d) {
        composite[i] = 1;
      }
    }
    for (std::uint64_t i = 0; i < odds; ++i) {
      if (composite[i] == 0) {
        primes.push_back(static_cast<std::uint32_t>(first + 2 * i));
      }
    }
  }
}

// Base primes stay below 2^26 (under 4 million of them, 16 MB shared plus 32 MB of sieving state
// per sieve at most); ranges needing more use the Miller-Rabin fallback instead.
constexpr std::uint64_t max_base_prime = std::uint64_t{1} << 26;
constexpr std::uint64_t min_base_growth = std::uint64_t{1} << 16;

// The process-wide table, grown by at least doubling; a sieve keeps the snapshot it was handed, so
// readers never see a vector that is being written.
std::shared_ptr<const base_prime_table> base_primes_up_to(std::uint64_t limit) {
  static std::mutex mutex;
  static std::shared_ptr<const base_prime_table> current =
      std::make_shared<const base_prime_table>(base_prime_table{presieved.back(), {}});
  std::lock_guard lock(mutex);
  if (current->limit >= limit) {
    return current;
  }
  auto next = std::make_shared<base_prime_table>(*current);
  const std::uint64_t target =
      std::min(max_base_prime, std::max({limit, 2 * current->limit, min_base_growth}));
  while (next->limit < target) {
    const std::uint64_t step_to = std::min(target, next->limit * next->limit);
    extend_primes(next->primes, next->limit, step_to);
    next->limit = step_to;
  }
  current = std::move(next);
  return current;
}

// Full sieving segments: 2^18 bytes cover ~7.9 million numbers and fit in L2.
constexpr std::uint32_t sieve_segment_bytes = std::uint32_t{1} << 18;
// Primes below this are crossed off block by block, each block fitting in L1.
constexpr std::uint32_t small_block_bytes = std::uint32_t{1} << 15;
// Miller-Rabin segments: ~700 primes to prove near 2^64, about 1 ms.
constexpr std::uint32_t test_segment_bytes = std::uint32_t{1} << 10;
// Sieving before Miller-Rabin only has to thin out composites; beyond 2^16 it barely helps.
constexpr std::uint64_t test_sieve_limit = std::uint64_t{1} << 16;

// Montgomery arithmetic modulo an odd n, with 128-bit products.
class montgomery {
public:
  explicit montgomery(std::uint64_t n) : n_(n), inverse_(n) {
    for (int i = 0; i < 5; ++i) {
      inverse_ *= 2 - n * inverse_;
    }
    one_ = (0 - n) % n;
    r_squared_ = static_cast<std::uint64_t>(static_cast<unsigned __int128>(one_) * one_ % n);
  }

  std::uint64_t one() const { return one_; }
  std::uint64_t minus_one() const { return n_ - one_; }
  std::uint64_t to_form(std::uint64_t a) const { return multiply(a, r_squared_); }

  std::uint64_t multiply(std::uint64_t a, std::uint64_t b) const {
    const unsigned __int128 t = static_cast<unsigned __int128>(a) * b;
    const std::uint64_t m = static_cast<std::uint64_t>(t) * inverse_;
    const auto mn_high = static_cast<std::uint64_t>((static_cast<unsigned __int128>(m) * n_) >> 64);
    const auto t_high = static_cast<std::uint64_t>(t >> 64);
    return t_high >= mn_high ? t_high - mn_high : t_high - mn_high + n_;
  }

  std::uint64_t power(std::uint64_t base, std::uint64_t exponent) const {
    std::uint64_t result = one_;
    while (exponent != 0) {
      if ((exponent & 1) != 0) {
        result = multiply(result, base);
      }
      base = multiply(base, base);
      exponent >>= 1;
    }
    return result;
  }

private:
  std::uint64_t n_;
  std::uint64_t inverse_;
  std::uint64_t one_;
  std::uint64_t r_squared_;
};

// n odd and greater than 37, so no base is a multiple of n.
bool miller_rabin(std::uint64_t n) {
  constexpr std::array<std::uint64_t, 12> bases{2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
  // Smallest odd composites passing the first k bases (OEIS A014233): below them k bases suffice.
  struct bound {
    std::uint64_t below;
    std::size_t bases;
  };
  constexpr std::array<bound, 8> bounds{{{2047, 1},
                                         {1373653, 2},
                                         {25326001, 3},
                                         {3215031751, 4},
                                         {2152302898747, 5},
                                         {3474749660383, 6},
                                         {341550071728321, 7},
                                         {3825123056546413051u, 9}}};
  std::size_t base_count = bases.size();
  for (const bound& b : bounds) {
    if (n < b.below) {
      base_count = b.bases;
      break;
    }
  }
  const montgomery m(n);
  const int twos = std::countr_zero(n - 1);
  const std::uint64_t odd_part = (n - 1) >> twos;
  for (std::size_t i = 0; i < base_count; ++i) {
    std::uint64_t x = m.power(m.to_form(bases[i]), odd_part);
    if (x == m.one() || x == m.minus_one()) {
      continue;
    }
    bool witness = true;
    for (int s = 1; s < twos && witness; ++s) {
      x = m.multiply(x, x);
      witness = x != m.minus_one();
    }
    if (witness) {
      return false;
    }
  }
  return true;
}

} // namespace

prime_sieve::prime_sieve(std::uint64_t lo, std::uint64_t hi) : lo_(lo), hi_(hi) {
  if (lo >= hi) {
    return;
  }
  done_ = false;
  for (const std::uint64_t p : {2, 3, 5}) {
    pending_ += lo <= p && p < hi ? 1 : 0;
  }
  next_byte_ = lo / 30;
  last_byte_ = (hi - 1) / 30;
  for (std::uint32_t k = 0; k < 8; ++k) {
    if (wheel[k] < lo % 30) {
      first_mask_ &= static_cast<std::uint8_t>(~(1u << k));
    }
    if (wheel[k] > (hi - 1) % 30) {
      last_mask_ &= static_cast<std::uint8_t>(~(1u << k));
    }
  }
  // Sieve all the way to sqrt(hi) when that many base primes cost little next to the range: setting
  // one up is a division, against ~50 ns per number for Miller-Rabin, so up to sqrt(hi) <= 16 * width.
  // Otherwise (a narrow range, or sqrt(hi) beyond max_base_prime) sieve with primes up to
  // min(width, 2^16) only and prove each survivor with Miller-Rabin.
  const std::uint64_t root = isqrt(hi - 1);
  const std::uint64_t width = hi - lo;
  if (root <= max_base_prime && root / 16 <= width) {
    sieve_limit_ = root;
  } else {
    sieve_limit_ = std::min(width, test_sieve_limit);
    test_survivors_ = true;
  }
  segment_bytes_ = test_survivors_ ? test_segment_bytes : sieve_segment_bytes;
  const std::uint64_t bytes = std::min<std::uint64_t>(segment_bytes_, last_byte_ - next_byte_ + 1);
  buffer_.resize((bytes + 7) / 8 * 8);
}

void prime_sieve::activate_base_primes(std::uint64_t segment_start, std::uint64_t limit) {
  if (!base_ || base_->limit < limit) {
    base_ = base_primes_up_to(limit);
  }
  const std::vector<std::uint32_t>& primes = base_->primes;
  const std::uint64_t start = 30 * segment_start;
  for (; next_base_ < primes.size() && primes[next_base_] <= limit; ++next_base_) {
    const std::uint64_t p = primes[next_base_];
    // The first multiple p * q >= max(p^2, start) with q coprime to 30, as an offset from start.
    std::uint64_t offset = 0;
    std::uint64_t q_residue = p % 30;
    if (p * p >= start) {
      offset = p * p - start;
    } else {
      std::uint64_t q = start / p;
      const std::uint64_t remainder = start % p;
      if (remainder != 0) {
        ++q;
        offset = p - remainder;
      }
      const std::uint64_t gap = coprime_gap[q % 30];
      offset += gap * p;
      q_residue = (q + gap) % 30;
    }
    const std::uint32_t wheel_field = static_cast<std::uint32_t>(p / 30) << 6 |
                                      std::uint32_t{bit_of_residue[p % 30]} << 3 |
                                      bit_of_residue[q_residue];
    active_.push_back({static_cast<std::uint32_t>(offset / 30), wheel_field});
    if (p < small_block_bytes) {
      ++small_active_;
    }
    if (p < segment_bytes_) {
      ++medium_active_;
    }
  }
}

void prime_sieve::cross_off(std::uint8_t* segment, std::uint32_t bytes) {
  // Small primes store many times per byte range, so they go through the segment one L1-sized block
  // at a time; each call resumes at the index where the previous block stopped.
  for (std::uint32_t block_end = 0; block_end < bytes;) {
    block_end = std::min(bytes, block_end + small_block_bytes);
    for (std::size_t i = 0; i < small_active_; ++i) {
      sieving_prime& sp = active_[i];
      cross_unrolled(segment, block_end, sp.index, sp.wheel);
    }
  }
  for (std::size_t i = 0; i < small_active_; ++i) {
    active_[i].index -= bytes;
  }
  for (std::size_t i = small_active_; i < medium_active_; ++i) {
    sieving_prime& sp = active_[i];
    cross_unrolled(segment, bytes, sp.index, sp.wheel);
    sp.index -= bytes;
  }
  for (std::size_t i = medium_active_; i < active_.size(); ++i) {
    sieving_prime& sp = active_[i];
    std::uint32_t index = sp.index;
    if (index < bytes) {
      std::uint32_t wheel_field = sp.wheel;
      do {
        cross_one(segment, index, wheel_field);
      } while (index < bytes);
      sp.wheel = wheel_field;
    }
    sp.index = index - bytes;
  }
}

std::uint64_t prime_sieve::count_survivors(const std::uint8_t* segment, std::uint32_t bytes,
                                           std::uint64_t segment_start) const {
  std::uint64_t count = 0;
  if (!test_survivors_) {
    for (std::uint32_t i = 0; i < bytes; i += 8) {
      std::uint64_t word;
      std::memcpy(&word, segment + i, sizeof(word));
      count += static_cast<std::uint64_t>(std::popcount(word));
    }
    return count;
  }
  for (std::uint32_t i = 0; i < bytes; ++i) {
    for (unsigned bits = segment[i]; bits != 0; bits &= bits - 1) {
      const std::uint64_t n = 30 * (segment_start + i) + wheel[std::countr_zero(bits)];
      // Survivors have no factor up to 31, so below 37^2 they are prime.
      count += (n < 37 * 37 ? n > 1 : miller_rabin(n)) ? 1 : 0;
    }
  }
  return count;
}

std::uint64_t prime_sieve::step() {
  if (done_) {
    return 0;
  }
  const std::uint64_t start = next_byte_;
  const auto bytes =
      static_cast<std::uint32_t>(std::min<std::uint64_t>(segment_bytes_, last_byte_ - start + 1));
  const bool last = start + bytes > last_byte_;
  const std::uint64_t top = last ? hi_ - 1 : 30 * (start + bytes) - 1;
  activate_base_primes(start, std::min(isqrt(top), sieve_limit_));

  std::uint8_t* segment = buffer_.data();
  presieve(segment, bytes, start);
  cross_off(segment, bytes);
  if (start == lo_ / 30) {
    segment[0] &= first_mask_;
  }
  if (last) {
    segment[bytes - 1] &= last_mask_;
  }
  std::fill(segment + bytes, segment + buffer_.size(), 0);

  const std::uint64_t count = count_survivors(segment, bytes, start) + pending_;
  pending_ = 0;
  next_byte_ = start + bytes;
  done_ = last;
  return count;
}

std::uint64_t count_primes(std::uint64_t lo, std::uint64_t hi) {
  prime_sieve sieve(lo, hi);
  std::uint64_t count = 0;
  while (!sieve.done()) {
    count += sieve.step();
  }
  return count;
}

bool is_prime_u64(std::uint64_t n) {
  if (n < 2) {
    return false;
  }
  for (const std::uint64_t p : {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37}) {
    if (n % p == 0) {
      return n == p;
    }
  }
  return n < 37 * 37 || miller_rabin(n);
}

} // namespace cohort
