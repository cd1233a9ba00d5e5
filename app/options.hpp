// The cohort command line: options, --config and --jobs files merged into one checked config.
#pragma once

#include "app/jobs_file.hpp"
#include "cohort/runtime.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace cohort::app {

enum class app_mode { usage, help, version, master, worker };

/// An address as given to --listen, --master or --spawn-on.
struct endpoint {
  std::string host;
  std::uint16_t port = 0;
};

/// The mutual-TLS files; all three are given or none, and each was readable when parsed.
struct tls_files {
  std::string cert;
  std::string key;
  std::string ca;
};

/// Master limits; a job exceeding one fails with reason `limit`.
struct job_limits {
  std::uint64_t max_message_size = std::uint64_t{64} << 20;
  std::uint64_t max_tasks = 100'000'000;
  std::uint64_t max_result_size = std::uint64_t{256} << 20;
};

struct app_config {
  app_mode mode = app_mode::usage;
  /// Master: the master and its local worker actors. Worker: this process's worker actors, with
  /// local_workers = --workers; the master-only fields keep their defaults. caf_settings always
  /// holds the middleman.* keys and holds a scheduler.* key only when it was given.
  runtime_options runtime;
  /// Master only: from --job/--param, from --jobs, or the default `primes from=0 to=10000000000`.
  std::vector<job_request> jobs;
  /// Empty: stdout.
  std::string output_path;
  std::string log_level = "warn";
  bool print_config = false;
  /// Every effective setting, one `key = value  # source` line each, sorted; ends with a newline.
  std::string print_config_text;

  std::optional<endpoint> listen;
  /// Worker: the master to join.
  std::optional<endpoint> master;
  /// Master: nodes to spawn worker actors on.
  std::vector<endpoint> spawn_on;
  std::chrono::nanoseconds connect_timeout = std::chrono::seconds(60);
  bool exit_with_master = false;
  std::chrono::nanoseconds drain_timeout = std::chrono::seconds(10);
  bool allow_exec = false;
  /// Listening on a non-loopback address without TLS was asked for.
  bool insecure = false;
  std::string token_file;
  /// The shared secret: the trimmed contents of --token-file, else $COHORT_TOKEN. Never print it.
  std::optional<std::string> token;
  std::optional<tls_files> tls;
  job_limits limits;
};

/// A bad command line, config file or jobs file (exit 2); the message is one line naming the
/// problem.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Parses argv (argv[0] is the program) and everything it names: the --config file, the --jobs
/// file, the token and TLS files (read or checked here, so a bad one stops the process before
/// anything starts).
app_config parse_command_line(int argc, const char* const* argv, const job_check& check = {});

/// The --help text: modes and every option with its default.
std::string usage_text();

} // namespace cohort::app
