// cluster: a master and its worker processes on loopback for the multi-process tests, and the
// checks every such test makes on the job lines.
#pragma once

#include "tests/process/cohort_run.hpp"
#include "tests/process/network_helpers.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <cstdint>
#include <regex>
#include <string>
#include <vector>

namespace cohort::test {

using namespace std::chrono_literals;

inline constexpr auto start_timeout = 10s; // until a process prints `listening on`
inline constexpr auto job_timeout = 90s;   // a whole job
inline constexpr auto exit_timeout = 10s;  // a process that was told to end, or lost its master
inline constexpr auto drain_slack = 2s;    // beyond a draining worker's --drain-timeout bound

/// "127.0.0.1:PORT".
std::string loopback(std::uint16_t port);

/// `cohort master` publishing on 127.0.0.1 (port 0 picks one) with no local workers, and args.
background_process start_master(std::vector<std::string> args, std::uint16_t port = 0);

/// `cohort worker` with one worker actor joining the master on 127.0.0.1:port, and args; it logs
/// joining and losing its master, for the reports of failed checks.
background_process start_worker(std::uint16_t port, std::vector<std::string> args = {});

/// a followed by b.
std::vector<std::string> cat(std::vector<std::string> a, const std::vector<std::string>& b);

/// --job primes --param to=TO.
std::vector<std::string> primes_job(std::uint64_t to);

/// Primes below 10^9 in 100 short tasks: a worker's --slowdown (see slowdown_for) sets how long
/// the job lasts, without burning CPU time, however fast the sieve is.
inline constexpr std::uint64_t slow_primes_to = 1'000'000'000;
extern const std::vector<std::string> slow_primes_job;

/// The worker --slowdown that makes slow_primes_job last about `seconds` on one worker actor,
/// from a local run of it (measured once).
std::string slowdown_for(double seconds);

/// The job lines of a master that exits with exit_code within job_timeout.
std::vector<nlohmann::json> finished_jobs(background_process& master, int exit_code = 0);

/// The only job line of a master that ends with status ok and exit code 0.
nlohmann::json finished_ok(background_process& master);

/// How a process ended; fails the test when it still runs after timeout.
process_result ended(background_process& p, std::chrono::milliseconds timeout);

/// Waits until the master's progress lines report more than `done` tasks done.
void wait_for_progress(background_process& master, std::uint64_t done);

/// The entries of stats.workers whose id names process pid.
std::vector<nlohmann::json> workers_of(const nlohmann::json& line, pid_t pid);

/// Tasks merged from the worker actors of process pid.
std::uint64_t tasks_of(const nlohmann::json& line, pid_t pid);

/// CPU seconds (user + system) process pid has used so far; 0 once it is gone.
double cpu_seconds(pid_t pid);

/// Whether process pid uses less than a tenth of a core over the next 500 ms.
bool cpu_idle(pid_t pid);

/// The regex of the master's debug line saying it sent a batch to a worker actor of process pid.
std::regex batch_sent_to(pid_t pid);

/// Makes a throwaway CA and node certificate in dir (scripts/make-certs).
void make_certs(const std::filesystem::path& dir);

/// The --tls-* options for the certificates make_certs wrote in dir.
std::vector<std::string> tls_args(const std::filesystem::path& dir);

/// attempts = tasks + retries + reassigned + speculative.
void check_attempts_invariant(const nlohmann::json& line);

} // namespace cohort::test
