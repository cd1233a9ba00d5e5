// Process tests of primes: seeded random ranges from `cohort master`, checked with primesieve.
#include "tests/process/cohort_run.hpp"

#include <catch2/catch.hpp>

#include <limits>
#include <optional>
#include <random>

namespace {

using namespace cohort::test;
using nlohmann::json;

constexpr auto run_timeout = std::chrono::seconds(60);
constexpr std::uint64_t two_32 = std::uint64_t{1} << 32;
constexpr std::uint64_t ten_12 = 1'000'000'000'000;
constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();

/// [from, to), and the tasks param when the test forces one.
struct prime_range {
  std::string why;
  std::uint64_t from;
  std::uint64_t to;
  std::optional<std::uint64_t> tasks;
};

std::string range_text(const prime_range& r) {
  return r.why + " [" + std::to_string(r.from) + ", " + std::to_string(r.to) + ")" +
         (r.tasks ? " tasks=" + std::to_string(*r.tasks) : "");
}

std::vector<std::string> primes_args(const prime_range& r) {
  std::vector<std::string> args{"master",
                                "--local-workers",
                                "2",
                                "--job",
                                "primes",
                                "--param",
                                "from=" + std::to_string(r.from),
                                "--param",
                                "to=" + std::to_string(r.to)};
  if (r.tasks) {
    args.insert(args.end(), {"--param", "tasks=" + std::to_string(*r.tasks)});
  }
  return args;
}

/// The smallest prime > n, from primesieve.
std::uint64_t next_prime(std::uint64_t n) {
  const std::vector<std::string> argv{"primesieve", "1", std::to_string(n), "-n", "-q"};
  const auto r = run_process(argv, run_timeout);
  INFO(describe(argv) << "\n" << r.err);
  REQUIRE(r.exit_code == 0);
  return std::stoull(r.out);
}

std::uint64_t uniform(std::mt19937_64& rng, std::uint64_t lo, std::uint64_t hi) {
  return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng);
}

/// The seeded random ranges: around 2^32, near 10^12, small, and starting or ending on a prime.
std::vector<prime_range> random_ranges(std::mt19937_64& rng) {
  std::vector<prime_range> out;
  out.push_back({"2^32 +- 10^6", two_32 - 1'000'000, two_32 + 1'000'000, {}});
  for (int i = 0; i < 4; ++i) {
    out.push_back({"around 2^32",
                   two_32 - uniform(rng, 0, 1'000'000),
                   two_32 + uniform(rng, 0, 1'000'000),
                   {}});
  }
  for (int i = 0; i < 4; ++i) {
    const auto from = ten_12 + uniform(rng, 0, 1'000'000'000) - 500'000'000;
    out.push_back({"near 10^12", from, from + uniform(rng, 1, 100'000'000), {}});
  }
  for (int i = 0; i < 4; ++i) {
    const auto from = uniform(rng, 0, 10'000'000);
    out.push_back({"small", from, from + uniform(rng, 0, 1'000'000), {}});
  }
  for (const std::uint64_t magnitude : {std::uint64_t{1000}, two_32, ten_12}) {
    const auto p = next_prime(magnitude + uniform(rng, 0, 1'000'000));
    const auto width = uniform(rng, 1, 1'000'000);
    out.push_back({"starts on a prime", p, p + width, {}});
    out.push_back({"ends just before a prime", p > width ? p - width : 0, p, {}});
    out.push_back({"ends on a prime", p > width ? p - width : 0, p + 1, {}});
  }
  const auto from = uniform(rng, std::uint64_t{1} << 40, std::uint64_t{1} << 50);
  out.push_back({"between 2^40 and 2^50", from, from + uniform(rng, 0, 1'000'000), {}});
  out.push_back({"top of 64 bits", u64_max - uniform(rng, 1, 1'000'000), u64_max, {}});
  return out;
}

/// Runs one primes job and checks its count against primesieve.
void check_range(const prime_range& r) {
  INFO(range_text(r));
  const auto args = primes_args(r);
  const auto result = run_cohort(args, run_timeout);
  INFO("cohort " << describe(args) << "\nstderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  const auto lines = job_lines(result.out);
  REQUIRE(lines.size() == 1);
  const auto& line = lines.front();
  CHECK(line["job"] == "primes");
  REQUIRE(line["status"] == "ok");
  CHECK(line["result"]["count"].get<std::uint64_t>() == primesieve_count(r.from, r.to));
  if (r.tasks) {
    CHECK(line["stats"]["tasks"].get<std::uint64_t>() ==
          std::min(*r.tasks, std::max<std::uint64_t>(r.to - r.from, 1)));
  }
}

TEST_CASE("primes: seeded random ranges equal primesieve") {
  std::mt19937_64 rng(test_seed());
  INFO("COHORT_TEST_SEED=" << test_seed());
  const auto ranges = random_ranges(rng);
  REQUIRE(ranges.size() >= 20);
  for (const auto& r : ranges) {
    check_range(r);
  }
}

TEST_CASE("primes: tiny and narrow ranges") {
  std::mt19937_64 rng(test_seed() ^ 1);
  INFO("COHORT_TEST_SEED=" << test_seed());
  const auto a = uniform(rng, 0, ten_12);
  // Far narrower than sqrt(to): the sieve may stop early and prove what survives another way.
  const auto narrow = ten_12 + uniform(rng, 0, ten_12);
  const std::vector<prime_range> ranges{
      {"empty at 0", 0, 0, {}},
      {"empty at random", a, a, {}},
      {"[0, 2)", 0, 2, {}},
      {"[2, 3)", 2, 3, {}},
      {"[0, 3)", 0, 3, {}},
      {"[3, 4)", 3, 4, {}},
      {"[4, 5)", 4, 5, {}},
      {"empty at the top", u64_max, u64_max, {}},
      {"one number", a, a + 1, {}},
      {"[1, 2) in 5 tasks", 1, 2, 5},
      {"narrow near 10^12", narrow, narrow + uniform(rng, 2000, 60000), {}}};
  for (const auto& r : ranges) {
    check_range(r);
  }
}

TEST_CASE("primes: --param tasks forces many tasks over both workers") {
  std::mt19937_64 rng(test_seed() ^ 2);
  INFO("COHORT_TEST_SEED=" << test_seed());
  const auto from = uniform(rng, 0, ten_12);
  const prime_range r{"many tasks", from, from + uniform(rng, 10'000'000, 20'000'000),
                      uniform(rng, 1000, 3000)};
  INFO(range_text(r));
  check_range(r);
  const auto result = run_cohort(primes_args(r), run_timeout);
  REQUIRE(result.exit_code == 0);
  const auto lines = job_lines(result.out);
  REQUIRE(lines.size() == 1);
  const auto& workers = lines.front()["stats"]["workers"];
  INFO(workers.dump());
  REQUIRE(workers.size() == 2);
  for (const auto& w : workers) {
    CHECK(w["tasks"].get<std::uint64_t>() > 0);
  }
}

TEST_CASE("primes: cohort master alone counts the primes below 10^10") {
  const auto result = run_cohort({"master", "--local-workers", "2"}, run_timeout);
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  const auto lines = job_lines(result.out);
  REQUIRE(lines.size() == 1);
  CHECK(lines.front()["job"] == "primes");
  REQUIRE(lines.front()["status"] == "ok");
  CHECK(lines.front()["result"]["count"] == 455052511);
}

TEST_CASE("primes: the random ranges as one jobs file, counted in input order") {
  std::mt19937_64 rng(test_seed());
  INFO("COHORT_TEST_SEED=" << test_seed());
  const auto ranges = random_ranges(rng);
  std::string jobs;
  for (const auto& r : ranges) {
    jobs += json{{"job", "primes"}, {"params", {{"from", r.from}, {"to", r.to}}}}.dump() + "\n";
  }
  const temp_dir dir;
  const auto file = dir.write("primes.jsonl", jobs);
  const auto result =
      run_cohort({"master", "--local-workers", "2", "--jobs", file.string()}, run_timeout);
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  const auto lines = job_lines(result.out);
  REQUIRE(lines.size() == ranges.size());
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    INFO("line " << i + 1 << ": " << range_text(ranges[i]));
    REQUIRE(lines[i]["status"] == "ok");
    CHECK(lines[i]["result"]["count"].get<std::uint64_t>() ==
          primesieve_count(ranges[i].from, ranges[i].to));
  }
}

} // namespace
