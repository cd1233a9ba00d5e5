// The embedding API: run jobs on a master with worker actors in this process, get one JSON line per
// job.
#pragma once

#include "cohort/params.hpp"
#include "cohort/registry.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace cohort {

/// A host and TCP port, as given to --listen, --master or --spawn-on.
struct endpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
};

/// How the master picks the worker for the next batch.
enum class dispatch_policy { least_loaded, round_robin, designated };

/// Mutual TLS between nodes (CAF's openssl module): this node's certificate and key, and the CA
/// whose certificates it accepts.
struct tls_files {
  std::string cert;
  std::string key;
  std::string ca;
};

/// One job to run: a jobs-file line, or --job with its --param and per-job options.
struct job_request {
  std::string kind;
  params args;
  std::vector<std::string> require;
  std::optional<std::chrono::nanoseconds> task_timeout;
  std::optional<std::chrono::nanoseconds> deadline;
  std::uint32_t max_attempts = 3;
  bool speculate = true;
  /// Most tasks of this job in flight per worker actor; nullopt: the worker's --concurrency.
  std::optional<std::uint32_t> concurrency;
};

/// Settings of one master process and its local worker actors (DESIGN.md, "Contract: command
/// line").
struct runtime_options {
  std::uint32_t local_workers = std::max(1u, std::thread::hardware_concurrency());
  std::uint32_t min_workers = 1;
  std::chrono::nanoseconds wait_for_workers = std::chrono::seconds(30);
  std::uint32_t slots = 1;
  std::uint32_t concurrency = 10000;
  std::uint32_t batch = 1000;
  std::vector<std::string> tags;
  /// What the local worker actors grant beyond tags ("exec": --allow-exec).
  std::vector<std::string> capabilities;
  dispatch_policy dispatch = dispatch_policy::least_loaded;
  /// A job with more tasks fails with reason `limit` (--max-tasks).
  std::uint64_t max_tasks = 100'000'000;
  /// A batch's task data or a message of answers larger than this fails the job (`limit`).
  std::uint64_t max_message_size = std::uint64_t{64} << 20;
  /// A job result larger than this fails the job (`limit`).
  std::uint64_t max_result_size = std::uint64_t{256} << 20;
  /// Run every task this many times slower (test and benchmark aid).
  double slowdown = 1.0;
  /// Progress lines on stderr, once a second.
  bool progress = false;
  /// Polled while run() waits: once it returns true, every running job is cancelled (status
  /// cancelled).
  std::function<bool()> cancel_requested;
  /// CAF settings by key ("scheduler.max-threads" -> "3"), checked with check_caf_setting().
  std::map<std::string, std::string> caf_settings;
  /// Publish the master here, for `cohort worker --master` processes to join.
  std::optional<endpoint> listen;
  /// Spawn worker actors on these `cohort worker --listen` nodes (each node's --workers count).
  std::vector<endpoint> spawn_on;
  /// All node traffic (publish, spawn) over mutual TLS with these files; none: plain.
  std::optional<tls_files> tls;
  /// The shared secret a worker's join must carry (and spawned workers are attached with); none:
  /// no check. Never logged.
  std::optional<std::string> token;
};

/// How a job ended; json is its output line.
enum class job_status { ok, failed, cancelled };
struct job_outcome {
  job_status status = job_status::failed;
  std::string json;
};

/// Checks a job before anything runs: its kind exists and takes its params. Throws param_error.
void validate_job(const registry& kinds, const job_request& job);

/// Throws std::invalid_argument naming key and value when cohort does not accept this CAF setting.
void check_caf_setting(const std::string& key, const std::string& value);

/// A master with local workers in this process; jobs run on it until it is destroyed.
class runtime {
public:
  explicit runtime(runtime_options opts,
                   std::shared_ptr<const registry> kinds = builtin_registry());
  ~runtime();
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  /// Runs all jobs at once (validated first: throws param_error naming a bad one before anything
  /// runs). Calls on_done for job i as soon as jobs 0..i are done, and returns all outcomes in
  /// input order.
  std::vector<job_outcome> run(const std::vector<job_request>& jobs,
                               const std::function<void(const job_outcome&)>& on_done = {});

  /// The port the master listens on (options.listen with port 0 picks one); 0 when not listening.
  std::uint16_t port() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace cohort
