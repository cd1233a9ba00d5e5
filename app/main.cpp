// cohort: parse the command line, then run as master (jobs on local and joined workers) or as
// worker, or list the job kinds.
#include "app/client_modes.hpp"
#include "app/command_line.hpp"
#include "app/exit_code.hpp"
#include "app/kinds_text.hpp"
#include "app/logging.hpp"
#include "app/output_file.hpp"
#include "cohort/runtime.hpp"
#include "cohort/startup_error.hpp"
#include "cohort/stop_signals.hpp"
#include "cohort/version.hpp"
#include "cohort/worker_node.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <unistd.h>

namespace {

using cohort::app::terminal_progress;

/// Progress redrawn in place when stderr is a terminal and the mode shows progress.
std::shared_ptr<terminal_progress> progress_display(const cohort::app::app_config& cfg) {
  using cohort::app::app_mode;
  const bool shows_progress = cfg.mode == app_mode::master ||
                              (cfg.mode == app_mode::submit && !cfg.detach) ||
                              cfg.mode == app_mode::wait;
  if (!shows_progress || isatty(STDERR_FILENO) != 1) {
    return nullptr;
  }
  return std::make_shared<terminal_progress>(
      stderr, [] { return cohort::app::terminal_width(STDERR_FILENO); });
}

int run_master(const cohort::app::app_config& cfg,
               const std::shared_ptr<const cohort::registry>& kinds,
               const std::shared_ptr<terminal_progress>& display) {
  std::ofstream file;
  auto* output = cohort::app::open_output(cfg.output_path, file);
  if (output == nullptr) {
    return 2;
  }
  std::ostream& out = *output;
  auto opts = cfg.master;
  opts.master.progress = opts.master.progress || display != nullptr;
  if (display) {
    opts.on_progress = [display](const std::vector<cohort::job_progress_report>& jobs) {
      display->show(jobs);
    };
  }
  bool serve = opts.master.serve;
  cohort::install_stop_signals();
  opts.cancel_requested = [] {
    return cohort::stop_signal() != 0;
  };
  cohort::runtime rt(opts, kinds);
  if (const auto& at = opts.network.listen) {
    std::fprintf(stderr, "listening on %s:%u\n", at->host.c_str(), rt.port());
  }
  if (const auto& at = opts.http) {
    std::fprintf(stderr, "http on %s:%u\n", at->host.c_str(), rt.http_port());
  }
  int code = 0;
  rt.run(cfg.jobs, [&](const cohort::job_outcome& o) {
    cohort::app::write_line(out, o.json, display.get());
    if (o.status != cohort::job_status::ok) {
      code = 1;
    }
  });
  if (serve) {
    rt.serve([] { return cohort::stop_signal() != 0; });
    return 0;
  }
  if (display) {
    display->clear();
  }
  return cohort::app::exit_code(code);
}

} // namespace

int main(int argc, char** argv) {
  auto kinds = cohort::builtin_registry();
  cohort::app::app_config cfg;
  try {
    cfg = cohort::app::parse_command_line(argc, argv, *kinds);
  } catch (const cohort::app::usage_error& e) {
    std::fprintf(stderr, "cohort: %s\n", e.what());
    return 2;
  }
  switch (cfg.mode) {
  case cohort::app::app_mode::usage:
    std::fputs(cohort::app::usage_text(*kinds).c_str(), stderr);
    return 2;
  case cohort::app::app_mode::help:
    std::fputs(cohort::app::usage_text(*kinds).c_str(), stdout);
    return 0;
  case cohort::app::app_mode::version:
    std::printf("cohort %.*s\n", static_cast<int>(cohort::version.size()), cohort::version.data());
    return 0;
  case cohort::app::app_mode::kinds:
    std::fputs(cohort::app::kinds_text(*kinds, cfg.kind).c_str(), stdout);
    return 0;
  default:
    break;
  }
  if (cfg.print_config) {
    std::fputs(cfg.print_config_text.c_str(), stdout);
    return 0;
  }
  auto display = progress_display(cfg);
  cohort::app::set_up_logging(cfg.log_level, display);
  try {
    switch (cfg.mode) {
    case cohort::app::app_mode::worker:
      return cohort::run_worker_node(cfg.worker, kinds);
    case cohort::app::app_mode::master:
      return run_master(cfg, kinds, display);
    default:
      return cohort::app::run_client(cfg, display.get());
    }
  } catch (const cohort::startup_error& e) {
    std::fprintf(stderr, "cohort: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cohort: %s\n", e.what());
    return 2;
  }
}
