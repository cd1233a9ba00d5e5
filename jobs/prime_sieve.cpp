// Segmented mod-30 wheel sieve (8 bits per 30 numbers) with pre-sieving and a Miller-Rabin
// fallback.
#include "jobs/prime_sieve.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <mutex>
#include <utility>

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

// Crossing off p * q for p = 30a + wheel[r], q = 30b + wheel[j]: the byte is
// 30ab + a * wheel[j] + b * wheel[r] + wheel[r] * wheel[j] / 30, so moving q to the next wheel
// residue moves a * gap + carry bytes.
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
      steps[r * 8 + j] = {static_cast<std::uint8_t>(~(1u << bit_of_residue[product % 30])),
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

// One turn of the wheel from multiplier residue j, for p = 30a + wheel[r]: the k-th multiple after
// the current one is a * span[k] + carry[k] bytes further on and clears mask[k].
struct wheel_turn {
  std::array<std::uint32_t, 8> span;
  std::array<std::uint32_t, 8> carry;
  std::array<std::uint8_t, 8> mask;
};

constexpr wheel_turn make_wheel_turn(std::uint32_t r, std::uint32_t j) {
  wheel_turn turn{};
  for (std::uint32_t k = 0; k < 8; ++k) {
    const std::uint32_t w = wheel[(j + k) % 8] + 30 * ((j + k) / 8);
    turn.span[k] = w - wheel[j];
    turn.carry[k] = wheel[r] * w / 30 - wheel[r] * wheel[j] / 30;
    turn.mask[k] = wheel_steps[r * 8 + (j + k) % 8].clear_mask;
  }
  return turn;
}

// Primes below the segment size: whole turns of 8 stores at fixed offsets with compile-time masks,
// one instantiation per (r, j) so no turn has to be realigned first.
template <std::uint32_t RJ>
void cross_turns(std::uint8_t* segment, std::uint32_t end, std::uint32_t& index,
                 std::uint32_t& wheel_field) {
  static constexpr wheel_turn turn = make_wheel_turn(RJ / 8, RJ % 8);
  const std::uint32_t a = wheel_field >> 6;
  std::array<std::uint32_t, 8> offset;
  for (std::uint32_t k = 0; k < 8; ++k) {
    offset[k] = a * turn.span[k] + turn.carry[k];
  }
  const std::uint32_t p = 30 * a + wheel[RJ / 8];
  std::uint32_t i = index;
  if (offset[7] < end) {
    for (const std::uint32_t stop = end - offset[7]; i < stop; i += p) {
      std::uint8_t* at = segment + i;
      at[0] &= turn.mask[0];
      at[offset[1]] &= turn.mask[1];
      at[offset[2]] &= turn.mask[2];
      at[offset[3]] &= turn.mask[3];
      at[offset[4]] &= turn.mask[4];
      at[offset[5]] &= turn.mask[5];
      at[offset[6]] &= turn.mask[6];
      at[offset[7]] &= turn.mask[7];
    }
  }
  // The loop leaves i + offset[7] >= end, so this part-turn stops by k = 7.
  std::uint32_t k = 0;
  while (i + offset[k] < end) {
    segment[i + offset[k]] &= turn.mask[k];
    ++k;
  }
  index = i + offset[k];
  wheel_field = (wheel_field & ~7u) | ((RJ + k) & 7u);
}

using cross_turns_fn = void (*)(std::uint8_t*, std::uint32_t, std::uint32_t&, std::uint32_t&);

template <std::size_t... RJ>
constexpr std::array<cross_turns_fn, 64> make_cross_turns_table(std::index_sequence<RJ...>) {
  return {&cross_turns<RJ>...};
}
constexpr auto cross_turns_table = make_cross_turns_table(std::make_index_sequence<64>{});

// Crosses off multiples at index and beyond, up to end; leaves index at the first one past end.
void cross_by_turns(std::uint8_t* segment, std::uint32_t end, std::uint32_t& index,
                    std::uint32_t& wheel_field) {
  cross_turns_table[wheel_field & 63](segment, end, index, wheel_field);
}

// Multiples of these are removed by copying precomputed patterns instead of crossing off; the
// groups keep each pattern's period (the product of its primes, in bytes) small enough to stay
// cached.
constexpr std::array<std::uint32_t, 8> presieved{7, 11, 13, 17, 19, 23, 29, 31};
constexpr std::array<std::size_t, 4> presieve_groups{0, 4, 6, 8};

std::vector<std::uint8_t> make_pattern(std::size_t first, std::size_t last) {
  std::uint32_t period = 1;
  for (std::size_t i = first; i < last; ++i) {
    period *= presieved[i];
  }
  std::vector<std::uint8_t> pattern(period, 0xff);
  for (std::size_t i = first; i < last; ++i) {
    for (std::uint32_t multiple = presieved[i]; multiple < 30 * period;
         multiple += 2 * presieved[i]) {
      const std::uint8_t bit = bit_of_residue[multiple % 30];
      if (bit < 8) {
        pattern[multiple / 30] &= static_cast<std::uint8_t>(~(1u << bit));
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

// Word at a time: byte loops over two char pointers do not get vectorized at -O2.
void and_bytes(std::uint8_t* target, const std::uint8_t* source, std::size_t length) {
  std::size_t i = 0;
  for (; i + 8 <= length; i += 8) {
    std::uint64_t t;
    std::uint64_t s;
    std::memcpy(&t, target + i, 8);
    std::memcpy(&s, source + i, 8);
    t &= s;
    std::memcpy(target + i, &t, 8);
  }
  for (; i < length; ++i) {
    target[i] &= source[i];
  }
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
        and_bytes(segment + done, pattern + from, length);
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

// Appends the primes in (from, to] to primes, which already holds every prime in
// (largest pre-sieved prime, from], with
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
static_assert(max_base_prime / 30 < (std::uint64_t{1} << 26), "p / 30 must fit the wheel field");
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

// Sizes measured on count_primes(0, 1e10): a 2^18-byte segment (~7.9 million numbers, ~1 ms) fits
// in L2; primes below 2^12 hit each 2^15-byte L1 block many times and go block by block, while
// larger ones hit a block too rarely to repay the per-block restart.
constexpr std::uint32_t sieve_segment_bytes = std::uint32_t{1} << 18;
constexpr std::uint32_t small_block_bytes = std::uint32_t{1} << 15;
constexpr std::uint32_t small_prime_limit = std::uint32_t{1} << 12;
// Miller-Rabin segments: ~700 primes to prove near 2^64, 1-3 ms.
constexpr std::uint32_t test_segment_bytes = std::uint32_t{1} << 10;
// Sieving before Miller-Rabin only has to thin out composites; beyond 2^16 it barely helps.
constexpr std::uint64_t test_sieve_limit = std::uint64_t{1} << 16;

// bytes is a multiple of 8.
[[gnu::always_inline]] inline std::uint64_t count_bits_in(const std::uint8_t* segment,
                                                          std::uint32_t bytes) {
  std::uint64_t count = 0;
  for (std::uint32_t i = 0; i < bytes; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, segment + i, sizeof(word));
    count += static_cast<std::uint64_t>(std::popcount(word));
  }
  return count;
}

#if defined(__x86_64__)
// popcnt is not in the x86-64 baseline. Chosen at run time rather than by an ifunc, whose resolver
// runs before sanitizer runtimes are up.
[[gnu::target("popcnt")]] std::uint64_t count_bits_popcnt(const std::uint8_t* segment,
                                                          std::uint32_t bytes) {
  return count_bits_in(segment, bytes);
}
#endif

std::uint64_t count_bits(const std::uint8_t* segment, std::uint32_t bytes) {
#if defined(__x86_64__)
  static const bool has_popcnt = __builtin_cpu_supports("popcnt");
  if (has_popcnt) {
    return count_bits_popcnt(segment, bytes);
  }
#endif
  return count_bits_in(segment, bytes);
}

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
  // Sieving needs every base prime up to sqrt(hi) set up (~20 ns each), Miller-Rabin costs ~30-70
  // ns per number, so sieve fully while sqrt(hi) <= 16 * width and sqrt(hi) <= max_base_prime.
  // Otherwise sieve with primes up to min(width, 2^16) only, and prove each survivor with
  // Miller-Rabin: a tiny range anywhere costs microseconds.
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
  const auto end = static_cast<std::size_t>(
      std::upper_bound(primes.begin() + static_cast<std::ptrdiff_t>(next_base_), primes.end(),
                       limit) -
      primes.begin());
  // Only the first batch is large (a chunk far from 0 needs all its primes at once); later ones are
  // a few primes per segment and are left to the vector's own growth.
  if (active_.empty()) {
    active_.reserve(end);
  }
  const std::uint64_t start = 30 * segment_start;
  for (; next_base_ < end; ++next_base_) {
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
    if (p < std::min(small_prime_limit, segment_bytes_)) {
      ++small_active_;
    }
    if (p < segment_bytes_) {
      ++medium_active_;
    }
  }
}

void prime_sieve::sieve_segment(std::uint8_t* segment, std::uint32_t bytes,
                                std::uint64_t segment_start) {
  // Pre-sieving and small primes touch every byte often, so they go through the segment one
  // L1-sized block at a time; each call resumes at the index where the previous block stopped.
  for (std::uint32_t block_start = 0; block_start < bytes;) {
    const std::uint32_t block_end = std::min(bytes, block_start + small_block_bytes);
    presieve(segment + block_start, block_end - block_start, segment_start + block_start);
    block_start = block_end;
    for (std::size_t i = 0; i < small_active_; ++i) {
      sieving_prime& sp = active_[i];
      cross_by_turns(segment, block_end, sp.index, sp.wheel);
    }
  }
  for (std::size_t i = 0; i < small_active_; ++i) {
    active_[i].index -= bytes;
  }
  for (std::size_t i = small_active_; i < medium_active_; ++i) {
    sieving_prime& sp = active_[i];
    cross_by_turns(segment, bytes, sp.index, sp.wheel);
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
  if (!test_survivors_) {
    return count_bits(segment, (bytes + 7) / 8 * 8);
  }
  std::uint64_t count = 0;
  for (std::uint32_t i = 0; i < bytes; ++i) {
    for (unsigned bits = segment[i]; bits != 0; bits &= bits - 1) {
      const std::uint64_t n = 30 * (segment_start + i) + wheel[std::countr_zero(bits)];
      // Survivors have no prime factor below 37: below 37^2 they are prime, above it Miller-Rabin
      // has no base that is a multiple of n.
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
  sieve_segment(segment, bytes, start);
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
