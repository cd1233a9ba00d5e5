// Benchmark 1(a): the primes kernel on the primes job's chunks, run by plain threads without
// cohort, so the runtime's overhead can be read off against the bare machine.
#include "jobs/prime_sieve.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

// The primes job's split rule (jobs/primes.cpp, read_params and primes_plan), repeated here because
// the job does not expose it: ceil(width / 2^27) tasks of ceil(width / tasks) numbers each.
constexpr std::uint64_t default_chunk = std::uint64_t{1} << 27;

struct chunking {
  std::uint64_t from;
  std::uint64_t to;
  std::uint64_t tasks;
  std::uint64_t chunk;

  chunking(std::uint64_t f, std::uint64_t t) : from(f), to(t) {
    std::uint64_t width = to - from;
    tasks = width / default_chunk + (width % default_chunk != 0 ? 1 : 0);
    tasks = std::clamp<std::uint64_t>(tasks, 1, std::max<std::uint64_t>(width, 1));
    chunk = width / tasks + (width % tasks != 0 ? 1 : 0);
  }

  std::uint64_t offset(std::uint64_t i) const {
    unsigned __int128 at = static_cast<unsigned __int128>(i) * chunk;
    return static_cast<std::uint64_t>(std::min<unsigned __int128>(at, to - from));
  }
};

// The job's task body without the checkpoint: step() segment by segment, like primes_kind::run.
std::uint64_t run_chunk(std::uint64_t lo, std::uint64_t hi) {
  cohort::prime_sieve sieve(lo, hi);
  std::uint64_t count = 0;
  while (!sieve.done()) {
    count += sieve.step();
  }
  return count;
}

// Takes an integer or a whole number in exponent form (1e10), below 2^64.
bool parse_u64(const char* text, std::uint64_t& out) {
  char* end = nullptr;
  errno = 0;
  out = std::strtoull(text, &end, 10);
  if (errno == 0 && end != text && *end == '\0' && text[0] != '-') {
    return true;
  }
  double value = std::strtod(text, &end);
  if (end == text || *end != '\0' || value < 0 || value >= 1.8e19 ||
      value != static_cast<double>(static_cast<std::uint64_t>(value))) {
    return false;
  }
  out = static_cast<std::uint64_t>(value);
  return true;
}

} // namespace

int main(int argc, char** argv) {
  std::uint64_t from = 0;
  std::uint64_t to = 0;
  std::uint64_t threads = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::uint64_t* target = std::strcmp(argv[i], "--from") == 0      ? &from
                            : std::strcmp(argv[i], "--to") == 0      ? &to
                            : std::strcmp(argv[i], "--threads") == 0 ? &threads
                                                                     : nullptr;
    if (target == nullptr || !parse_u64(argv[i + 1], *target)) {
      std::fprintf(stderr, "primes_threads: bad argument %s %s\n", argv[i], argv[i + 1]);
      return 2;
    }
  }
  if (argc % 2 != 1 || to == 0 || from > to || threads == 0) {
    std::fprintf(stderr, "usage: primes_threads --to N [--from N] [--threads N]\n");
    return 2;
  }

  chunking plan(from, to);
  std::atomic<std::uint64_t> next{0};
  std::atomic<std::uint64_t> total{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (std::uint64_t t = 0; t < threads; ++t) {
    // Each thread takes the next chunk when it is free, as cohort's credit gives a free worker the
    // next task.
    pool.emplace_back([&] {
      std::uint64_t mine = 0;
      for (auto i = next.fetch_add(1); i < plan.tasks; i = next.fetch_add(1)) {
        mine += run_chunk(from + plan.offset(i), from + plan.offset(i + 1));
      }
      total += mine;
    });
  }
  for (auto& t : pool) {
    t.join();
  }
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"count\":%llu,\"tasks\":%llu,\"threads\":%llu,\"wall_s\":%.6f}\n",
              static_cast<unsigned long long>(total.load()),
              static_cast<unsigned long long>(plan.tasks), static_cast<unsigned long long>(threads),
              wall);
  return 0;
}
