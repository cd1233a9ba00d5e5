// cohort_run: run the cohort binary under test and check its JSON lines against the contract.
#pragma once

#include "tests/process/process.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace cohort::test {

/// Runs COHORT_BINARY with args.
process_result run_cohort(std::vector<std::string> args, std::chrono::milliseconds timeout);

/// The JSON lines of out, each checked with check_job_line; a line that is not JSON fails the test.
std::vector<nlohmann::json> job_lines(const std::string& out);

/// Asserts the contract's shape of one job line (keys and types) and its stats invariants:
/// sum(workers[].tasks) == tasks always; attempts == tasks + retries + reassigned + speculative for
/// an ok job (a failed job may have ended attempts that count nowhere else, so there attempts is at
/// least that sum).
void check_job_line(const nlohmann::json& line);

/// The seed of this run's random inputs: $COHORT_TEST_SEED if set, else from the clock; printed so
/// a failing run can be repeated.
std::uint64_t test_seed();

/// The count that `primesieve` reports for the primes p with from <= p < to.
std::uint64_t primesieve_count(std::uint64_t from, std::uint64_t to);

} // namespace cohort::test
