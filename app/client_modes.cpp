// Client modes: one client session each; lines to stdout (or --output), progress to stderr.
#include "app/client_modes.hpp"
#include "app/exit_code.hpp"

#include "app/output_file.hpp"

#include "cohort/stop_signals.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace cohort::app {

namespace {

// Prints the lines of `ids` in order as they end; exits as a master would.
int print_lines(client& c, const app_config& cfg, const std::vector<std::uint64_t>& ids,
                std::ostream& out, terminal_progress* display) {
  int code = 0;
  c.wait(
      ids,
      [&](const job_outcome& o) {
        write_line(out, o.json, display);
        if (o.status != job_status::ok) {
          code = 1;
        }
      },
      [&](const std::string& line) {
        if (display == nullptr) {
          if (cfg.progress) {
            std::fprintf(stderr, "%s\n", line.c_str());
          }
        } else if (auto p = parse_progress_line(line)) {
          display->update(*p);
        }
      },
      [] { return stop_signal() != 0; });
  return app::exit_code(code);
}

int submit(client& c, const app_config& cfg, std::ostream& out, terminal_progress* display) {
  bool progress = cfg.progress || display != nullptr;
  auto ids = c.submit(cfg.client_jobs, !cfg.detach, progress && !cfg.detach);
  if (cfg.detach) {
    for (std::size_t i = 0; i < ids.size(); ++i) {
      nlohmann::ordered_json line;
      line["id"] = ids[i];
      line["job"] = cfg.client_jobs[i].kind;
      if (!cfg.client_jobs[i].name.empty()) {
        line["name"] = cfg.client_jobs[i].name;
      }
      out << line.dump() << '\n';
    }
    out << std::flush;
    return 0;
  }
  return print_lines(c, cfg, ids, out, display);
}

} // namespace

int run_client(const app_config& cfg, terminal_progress* display) {
  std::ofstream file;
  auto* output = open_output(cfg.output_path, file);
  if (output == nullptr) {
    return 2;
  }
  std::ostream& out = *output;
  install_stop_signals();
  try {
    auto opts = cfg.client;
    opts.give_up = [] {
      return stop_signal() != 0;
    };
    opts.on_notice = [display](const std::string& what) {
      auto say = [&] {
        std::fprintf(stderr, "cohort: %s\n", what.c_str());
      };
      if (display != nullptr) {
        display->above(say);
      } else {
        say();
      }
    };
    client c(opts);
    if (stop_signal() != 0) {
      // Stopped while connecting: nothing was asked.
      return exit_code(1);
    }
    switch (cfg.mode) {
    case app_mode::submit:
      return submit(c, cfg, out, display);
    case app_mode::wait:
      c.watch(cfg.ids, cfg.progress || display != nullptr);
      return print_lines(c, cfg, cfg.ids, out, display);
    case app_mode::jobs:
      for (const auto& line : c.jobs(cfg.all)) {
        out << line << '\n';
      }
      return 0;
    case app_mode::cancel: {
      auto not_cancelled = c.cancel(cfg.ids);
      for (auto id : not_cancelled) {
        std::fprintf(stderr, "cohort: job %llu is unknown or has ended\n",
                     static_cast<unsigned long long>(id));
      }
      return not_cancelled.empty() ? 0 : 1;
    }
    case app_mode::status:
      out << c.status() << '\n';
      return 0;
    default:
      return 2;
    }
  } catch (const request_refused& e) {
    std::fprintf(stderr, "cohort: %s\n", e.what());
    return 2;
  } catch (const client_error& e) {
    std::fprintf(stderr, "cohort: %s\n", e.what());
    return exit_code(1);
  }
}

} // namespace cohort::app
