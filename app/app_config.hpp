// What one cohort command asks for: its mode and the library's own settings for it, read from the
// command line, a --config file and a --jobs file.
#pragma once

#include "cohort/checked_job.hpp"
#include "cohort/client.hpp"
#include "cohort/runtime_options.hpp"
#include "cohort/worker_node.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace cohort::app {

enum class app_mode {
  usage,
  help,
  version,
  kinds,
  master,
  worker,
  submit,
  wait,
  jobs,
  cancel,
  status
};

struct app_config {
  app_mode mode = app_mode::usage;
  /// Master mode: the master, its local worker actors and its network face.
  runtime_options master;
  /// Worker mode: this process's worker actors and the master they join (or the spawn node).
  worker_node_options worker;
  /// Master and worker: the plugins whose kinds were added to the registry (--kinds-from).
  std::vector<std::string> kinds_from;
  /// Master mode: from --job/--param, from --jobs, or the default job (none with --serve); each
  /// checked once.
  std::vector<checked_job> jobs;
  /// Client modes: the master to ask, and how.
  client_options client;
  /// Submit: the jobs, checked by the master.
  std::vector<job_request> client_jobs;
  /// Submit: print the jobs' numbers once accepted instead of waiting for their lines.
  bool detach = false;
  /// Progress lines on stderr even when it is not a terminal (master, submit, wait).
  bool progress = false;
  /// Wait, cancel: the jobs' numbers.
  std::vector<std::uint64_t> ids;
  /// Jobs: the ended jobs the master keeps too.
  bool all = false;
  /// Master, submit, wait: empty: stdout.
  std::string output_path;
  std::string log_level = "info";
  bool print_config = false;
  /// Every effective setting, one `key = value  # source` line each, sorted; ends with a newline.
  std::string print_config_text;
  /// Kinds mode: the kind asked about; empty: every kind.
  std::string kind;
};

/// A bad command line, config file or jobs file (exit 2); the message is one line naming the
/// problem.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

} // namespace cohort::app
