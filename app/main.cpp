// cohort: parse the command line, then run as master (jobs on local and joined workers) or as
// worker.
#include "app/options.hpp"
#include "cohort/runtime.hpp"
#include "cohort/worker_node.hpp"
#include "src/stop_signals.hpp"

#include <csignal>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <unistd.h>

namespace {

constexpr const char* version = "cohort 0.1.0";

void set_up_logging(const std::string& level) {
  auto logger = spdlog::stderr_logger_mt("cohort");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(logger);
}

std::optional<cohort::tls_files> tls_of(const cohort::app::app_config& cfg) {
  if (!cfg.tls) {
    return std::nullopt;
  }
  return cohort::tls_files{cfg.tls->cert, cfg.tls->key, cfg.tls->ca};
}

int run_master(const cohort::app::app_config& cfg, const std::shared_ptr<cohort::registry>& kinds) {
  for (std::size_t i = 0; i < cfg.jobs.size(); ++i) {
    try {
      cohort::validate_job(*kinds, cfg.jobs[i]);
    } catch (const cohort::param_error& e) {
      if (cfg.jobs.size() == 1) {
        std::fprintf(stderr, "cohort: %s\n", e.what());
      } else {
        std::fprintf(stderr, "cohort: job %zu: %s\n", i + 1, e.what());
      }
      return 2;
    }
  }
  std::ofstream file;
  if (!cfg.output_path.empty()) {
    file.open(cfg.output_path, std::ios::out | std::ios::trunc);
    if (!file) {
      std::fprintf(stderr, "cohort: cannot write --output file '%s'\n", cfg.output_path.c_str());
      return 2;
    }
  }
  std::ostream& out = cfg.output_path.empty() ? std::cout : file;
  auto opts = cfg.runtime;
  opts.token = cfg.token;
  opts.tls = tls_of(cfg);
  opts.max_tasks = cfg.limits.max_tasks;
  opts.max_message_size = cfg.limits.max_message_size;
  opts.max_result_size = cfg.limits.max_result_size;
  opts.progress = opts.progress || isatty(STDERR_FILENO) == 1;
  if (cfg.listen) {
    opts.listen = cohort::endpoint{cfg.listen->host, cfg.listen->port};
  }
  for (const auto& at : cfg.spawn_on) {
    opts.spawn_on.push_back({at.host, at.port});
  }
  cohort::install_stop_signals();
  opts.cancel_requested = [] {
    return cohort::stop_signal() != 0;
  };
  cohort::runtime rt(opts, kinds);
  if (cfg.listen) {
    std::fprintf(stderr, "listening on %s:%u\n", cfg.listen->host.c_str(), rt.port());
  }
  int code = 0;
  rt.run(cfg.jobs, [&](const cohort::job_outcome& o) {
    out << o.json << '\n' << std::flush;
    if (o.status != cohort::job_status::ok) {
      code = 1;
    }
  });
  switch (cohort::stop_signal()) {
  case SIGINT:
    return 130;
  case SIGTERM:
    return 143;
  default:
    return code;
  }
}

int run_worker(const cohort::app::app_config& cfg) {
  cohort::worker_node_options opts;
  if (cfg.master) {
    opts.master = cohort::endpoint{cfg.master->host, cfg.master->port};
  }
  if (cfg.listen) {
    opts.listen = cohort::endpoint{cfg.listen->host, cfg.listen->port};
  }
  opts.workers = cfg.runtime.local_workers;
  opts.slots = cfg.runtime.slots;
  opts.concurrency = cfg.runtime.concurrency;
  opts.tags = cfg.runtime.tags;
  opts.capabilities = cfg.runtime.capabilities;
  opts.slowdown = cfg.runtime.slowdown;
  opts.connect_timeout = cfg.connect_timeout;
  opts.exit_with_master = cfg.exit_with_master;
  opts.drain_timeout = cfg.drain_timeout;
  opts.caf_settings = cfg.runtime.caf_settings;
  opts.token = cfg.token;
  opts.tls = tls_of(cfg);
  return cohort::run_worker_node(opts);
}

} // namespace

int main(int argc, char** argv) {
  cohort::app::app_config cfg;
  auto kinds = cohort::builtin_registry();
  try {
    cfg = cohort::app::parse_command_line(
        argc, argv, [&](const cohort::job_request& j) { cohort::validate_job(*kinds, j); });
  } catch (const cohort::app::usage_error& e) {
    std::fprintf(stderr, "cohort: %s\n", e.what());
    return 2;
  }
  switch (cfg.mode) {
  case cohort::app::app_mode::usage:
    std::fputs(cohort::app::usage_text().c_str(), stderr);
    return 2;
  case cohort::app::app_mode::help:
    std::fputs(cohort::app::usage_text().c_str(), stdout);
    return 0;
  case cohort::app::app_mode::version:
    std::puts(version);
    return 0;
  case cohort::app::app_mode::master:
  case cohort::app::app_mode::worker:
    break;
  }
  if (cfg.print_config) {
    std::fputs(cfg.print_config_text.c_str(), stdout);
    return 0;
  }
  set_up_logging(cfg.log_level);
  try {
    if (cfg.mode == cohort::app::app_mode::worker) {
      return run_worker(cfg);
    }
    return run_master(cfg, kinds);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cohort: %s\n", e.what());
    return 2;
  }
}
