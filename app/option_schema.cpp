// The option table. Each entry is made by a factory for its kind of value (count, duration, size,
// choice, address, ...), which knows how to read the text, name what is wrong with it, and show
// the value back; the entry binds it to one field of the library's settings.
#include "app/option_schema.hpp"

#include "cohort/units.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>

namespace cohort::app {

namespace {

constexpr auto u32_max = std::numeric_limits<std::uint32_t>::max();
constexpr auto u64_max = std::numeric_limits<std::uint64_t>::max();

// A job's own options: the master's command line and a client's submit.
constexpr unsigned job_modes = for_master | for_submit;

using rows = std::vector<std::string>;

// Options of both modes fill the settings of the mode being read.
template <class State> auto& workers(State& s) {
  return s.mode == for_master ? s.cfg.master.local : s.cfg.worker.workers;
}
template <class State> auto& network(State& s) {
  return s.mode == for_master   ? s.cfg.master.network
         : s.mode == for_worker ? s.cfg.worker.network
                                : s.cfg.client.network;
}
template <class State> auto& scheduler(State& s) {
  return s.mode == for_master ? s.cfg.master.scheduler : s.cfg.worker.scheduler;
}

[[noreturn]] void bad_unit(std::string_view key, const given_value& v, const std::exception& e) {
  throw usage_error(label(key, v) + ": " + e.what());
}

bool is_tag(std::string_view t) {
  return !t.empty() && t.find_first_of(" \t,") == std::string_view::npos;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& item : items) {
    out += out.empty() ? "" : std::string(sep);
    out += item;
  }
  return out;
}

std::string format_double(double d) {
  char buf[32];
  auto end = std::to_chars(std::begin(buf), std::end(buf), d).ptr;
  return std::string(buf, end);
}

std::string format_size(std::uint64_t bytes) {
  constexpr std::pair<std::uint64_t, std::string_view> units[] = {{std::uint64_t{1} << 30, "GiB"},
                                                                  {std::uint64_t{1} << 20, "MiB"},
                                                                  {std::uint64_t{1} << 10, "KiB"}};
  for (const auto& [factor, name] : units) {
    if (bytes != 0 && bytes % factor == 0) {
      return std::to_string(bytes / factor) + std::string(name);
    }
  }
  return std::to_string(bytes) + "B";
}

std::uint64_t read_count(std::string_view key, const given_value& v, std::uint64_t min,
                         std::uint64_t max) {
  std::uint64_t n = 0;
  try {
    n = parse_u64(v.text);
  } catch (const std::invalid_argument& e) {
    bad_unit(key, v, e);
  }
  if (n < min) {
    bad(key, v, "must be at least " + std::to_string(min));
  }
  if (n > max) {
    bad(key, v, "must be at most " + std::to_string(max));
  }
  return n;
}

std::optional<std::chrono::nanoseconds> read_duration(std::string_view key, const given_value& v) {
  try {
    return parse_duration(v.text);
  } catch (const std::invalid_argument& e) {
    bad_unit(key, v, e);
  }
}

std::string read_text(std::string_view key, const given_value& v) {
  if (v.text.empty()) {
    bad(key, v, "must not be empty");
  }
  return v.text;
}

bool read_flag(std::string_view key, const given_value& v) {
  if (v.text != "true" && v.text != "false") {
    bad(key, v, "expected true or false");
  }
  return v.text == "true";
}

std::string shown_flag(bool on) {
  return on ? "true" : "false";
}

template <class Get> using field_of = std::remove_cvref_t<std::invoke_result_t<Get, parse_state&>>;

/// A whole number from `min` to the field's largest value.
template <class Get>
option count(std::string_view name, std::string_view arg, unsigned modes, std::string_view help,
             Get get, std::uint64_t min) {
  using T = field_of<Get>;
  return {name,
          arg,
          modes,
          help,
          0,
          [=](parse_state& s, const given_value& v) {
            get(s) = static_cast<T>(read_count(name, v, min, std::numeric_limits<T>::max()));
          },
          [=](const parse_state& s) {
            return rows{std::to_string(get(s))};
          }};
}

/// A duration that cannot be switched off; 0s is allowed.
template <class Get>
option duration(std::string_view name, unsigned modes, std::string_view help, Get get) {
  return {name,
          "DUR",
          modes,
          help,
          0,
          [=](parse_state& s, const given_value& v) {
            auto d = read_duration(name, v);
            if (!d) {
              bad(name, v, "cannot be off; give a duration such as 30s");
            }
            get(s) = *d;
          },
          [=](const parse_state& s) {
            return rows{format_duration(get(s))};
          }};
}

/// A duration that may be off; unless `zero_ok`, it must also be more than 0s.
template <class Get>
option switchable(std::string_view name, unsigned modes, std::string_view help, Get get,
                  bool zero_ok) {
  return {name,
          "DUR",
          modes,
          help,
          0,
          [=](parse_state& s, const given_value& v) {
            auto d = read_duration(name, v);
            if (d && d->count() <= 0 && !zero_ok) {
              bad(name, v, "must be more than 0s (or off)");
            }
            get(s) = d;
          },
          [=](const parse_state& s) {
            return rows{format_duration(get(s))};
          }};
}

/// A SIZE of more than 0B.
template <class Get> option size(std::string_view name, std::string_view help, Get get) {
  return {name,
          "SIZE",
          for_master,
          help,
          0,
          [=](parse_state& s, const given_value& v) {
            std::uint64_t n = 0;
            try {
              n = parse_size(v.text);
            } catch (const std::invalid_argument& e) {
              bad_unit(name, v, e);
            }
            if (n == 0) {
              bad(name, v, "must be more than 0B");
            }
            get(s) = n;
          },
          [=](const parse_state& s) {
            return rows{format_size(get(s))};
          }};
}

/// A switch: present on the command line, `true`/`false` in a config file.
template <class Get>
option flag_option(std::string_view name, unsigned modes, std::string_view help, Get get,
                   unsigned traits = 0) {
  return {name,
          "",
          modes,
          help,
          flag | traits,
          [=](parse_state& s, const given_value& v) { get(s) = read_flag(name, v); },
          [=](const parse_state& s) {
            return rows{shown_flag(get(s))};
          }};
}

/// A switch by which this process's workers grant `capability` (job_kind::capability).
option capability_flag(std::string_view name, std::string_view capability, std::string_view help) {
  return {name,
          "",
          for_both,
          help,
          flag,
          [=](parse_state& st, const given_value& v) {
            auto& caps = workers(st).capabilities;
            std::erase(caps, capability);
            if (read_flag(name, v)) {
              caps.emplace_back(capability);
            }
          },
          [=](const parse_state& st) {
            const auto& caps = workers(st).capabilities;
            return rows{shown_flag(std::find(caps.begin(), caps.end(), capability) != caps.end())};
          }};
}

/// One of a few words, each standing for a value of the field.
template <class Get, class T = field_of<Get>>
option choice(std::string_view name, std::string_view arg, unsigned modes, std::string_view help,
              Get get, std::vector<std::pair<std::string_view, T>> words) {
  std::string expected;
  for (const auto& [word, value] : words) {
    expected += (expected.empty() ? "" : " | ") + std::string(word);
  }
  return {name,
          arg,
          modes,
          help,
          0,
          [=](parse_state& s, const given_value& v) {
            auto i = std::find_if(words.begin(), words.end(),
                                  [&](const auto& w) { return w.first == v.text; });
            if (i == words.end()) {
              bad(name, v, "expected " + expected);
            }
            get(s) = i->second;
          },
          [=](const parse_state& s) {
            auto i = std::find_if(words.begin(), words.end(),
                                  [&](const auto& w) { return w.second == get(s); });
            return rows{std::string(i->first)};
          }};
}

/// A file name or word that must not be empty; "" when not given.
template <class Get>
option text(std::string_view name, std::string_view arg, unsigned modes, std::string_view help,
            Get get, unsigned traits = 0) {
  return {name,
          arg,
          modes,
          help,
          traits,
          [=](parse_state& s, const given_value& v) { get(s) = read_text(name, v); },
          [=](const parse_state& s) {
            return rows{get(s)};
          }};
}

/// An address; `listen` takes [HOST:]PORT, else HOST:PORT.
template <class Get>
option address(std::string_view name, std::string_view arg, unsigned modes, std::string_view help,
               Get get, endpoint_form form) {
  return {name,
          arg,
          modes,
          help,
          0,
          [=](parse_state& s, const given_value& v) {
            try {
              get(s) = parse_endpoint(v.text, form);
            } catch (const std::invalid_argument& e) {
              bad(name, v, e.what());
            }
          },
          [=](const parse_state& s) {
            return rows{get(s) ? to_string(*get(s)) : ""};
          }};
}

rows shown_rows(const std::vector<std::string>& items) {
  return items.empty() ? rows{""} : items;
}

std::vector<option> make_schema() {
  static const std::string job_help_text =
      "run one job of this kind (default: " + default_job().kind + " " +
      default_job().args.describe() + ")";
  std::vector<option> s;

  // Master: the job.
  s.push_back(text(
      "job", "KIND", job_modes, job_help_text, [](auto& st) -> auto& { return st.job_kind; }));
  s.push_back({"param", "K=V", job_modes, "a parameter of --job", repeated,
               [](parse_state& st, const given_value& v) {
                 auto eq = v.text.find('=');
                 if (eq == std::string::npos || eq == 0) {
                   bad("param", v, "expected K=V");
                 }
                 auto key = v.text.substr(0, eq);
                 if (st.job_params.has(key)) {
                   bad("param", v, "parameter '" + key + "' is given twice");
                 }
                 st.job_params.set(key, v.text.substr(eq + 1));
               },
               [](const parse_state& st) {
                 rows out;
                 if (st.jobs_file.empty() && st.cfg.jobs.size() == 1) {
                   for (const auto& [k, v] : st.cfg.jobs.front().request().args.all()) {
                     out.push_back(k + "=" + v);
                   }
                 }
                 return shown_rows(out);
               }});
  s.push_back(text(
      "jobs", "FILE", job_modes, "JSON Lines, one job per line (not with --job)",
      [](auto& st) -> auto& { return st.jobs_file; }));
  s.push_back(
      {"name", "NAME", job_modes,
       "the --job's name in its output and progress lines (jobs-file field \"name\")", 0,
       [](parse_state& st, const given_value& v) {
         if (v.text.empty() || v.text.size() > 128 ||
             std::any_of(v.text.begin(), v.text.end(), [](char c) { return c < ' ' || c > '~'; })) {
           bad("name", v, "a name is 1 to 128 printable characters");
         }
         st.job_defaults.name = v.text;
       },
       [](const parse_state& st) {
         return rows{st.job_defaults.name};
       }});
  s.push_back({"priority", "N", job_modes,
               "per job: among one submitter's jobs, higher goes first (-1000 to 1000)", 0,
               [](parse_state& st, const given_value& v) {
                 std::int32_t n = 0;
                 const char* end = v.text.data() + v.text.size();
                 auto [ptr, ec] = std::from_chars(v.text.data(), end, n);
                 if (ec != std::errc() || ptr != end || n < min_priority || n > max_priority) {
                   bad("priority", v, "expected a whole number from -1000 to 1000");
                 }
                 st.job_defaults.priority = n;
               },
               [](const parse_state& st) {
                 return rows{std::to_string(st.job_defaults.priority)};
               }});
  // --job shows the kind that runs, the default one included.
  s.front().show = [](const parse_state& st) {
    if (!st.jobs_file.empty() || st.cfg.jobs.size() != 1) {
      return rows{st.jobs_file.empty() ? st.job_kind : ""};
    }
    return rows{st.cfg.jobs.front().request().kind};
  };

  // Master: its workers and dispatch.
  s.push_back(count(
      "local-workers", "N", for_master, "worker actors in this process; 0 allowed",
      [](auto& st) -> auto& { return st.cfg.master.local.count; }, 0));
  s.back().machine_default = "cores";
  s.push_back({"spawn-on", "H:P[,H:P...]", for_master,
               "spawn each node's --workers worker actors there", 0,
               [](parse_state& st, const given_value& v) {
                 std::string_view rest = v.text;
                 while (true) {
                   auto comma = rest.find(',');
                   try {
                     st.cfg.master.spawn_on.push_back(
                         parse_endpoint(rest.substr(0, comma), endpoint_form::dial));
                   } catch (const std::invalid_argument& e) {
                     bad("spawn-on", v, e.what());
                   }
                   if (comma == std::string_view::npos) {
                     return;
                   }
                   rest.remove_prefix(comma + 1);
                 }
               },
               [](const parse_state& st) {
                 std::vector<std::string> nodes;
                 for (const auto& e : st.cfg.master.spawn_on) {
                   nodes.push_back(to_string(e));
                 }
                 return rows{join(nodes, ",")};
               }});
  s.push_back(count(
      "min-workers", "N", for_master, "worker actors joined before the first dispatch",
      [](auto& st) -> auto& { return st.cfg.master.master.min_workers; }, 0));
  s.push_back(duration(
      "wait-for-workers", for_master, "how long a job waits for (tagged) workers before failing",
      [](auto& st) -> auto& { return st.cfg.master.master.wait_for_workers; }));
  s.push_back({"require", "TAG", job_modes, "per job: only workers with all these tags", repeated,
               [](parse_state& st, const given_value& v) {
                 if (!is_tag(v.text)) {
                   bad("require", v, "a tag is non-empty and has no blanks or commas");
                 }
                 st.job_defaults.require.push_back(v.text);
               },
               [](const parse_state& st) {
                 return shown_rows(st.job_defaults.require);
               }});
  s.push_back(choice("dispatch", "POLICY", for_master, "least-loaded | round-robin | designated",
                     [](auto& st) -> auto& { return st.cfg.master.master.dispatch; },
                     {{"least-loaded", dispatch_policy::least_loaded},
                      {"round-robin", dispatch_policy::round_robin},
                      {"designated", dispatch_policy::designated}}));
  s.push_back(switchable(
      "task-timeout", job_modes, "per job: start an attempt again elsewhere after this long",
      [](auto& st) -> auto& { return st.job_defaults.task_timeout; }, false));
  s.push_back(count(
      "max-attempts", "N", job_modes, "per job: attempts of a task before the job fails",
      [](auto& st) -> auto& { return st.job_defaults.max_attempts; }, 1));
  s.push_back(choice("speculate", "on|off", job_modes,
                     "per job: duplicate slow attempts of kinds that allow it (not http)",
                     [](auto& st) -> auto& { return st.job_defaults.speculate; },
                     {{"on", true}, {"off", false}}));
  s.push_back(switchable(
      "deadline", job_modes, "per job: fail the job after this long",
      [](auto& st) -> auto& { return st.job_defaults.deadline; }, false));
  s.push_back(size(
      "max-message-size", "limit per message",
      [](auto& st) -> auto& { return st.cfg.master.master.limits.max_message_size; }));
  s.push_back(count(
      "max-tasks", "N", for_master, "limit of tasks per job",
      [](auto& st) -> auto& { return st.cfg.master.master.limits.max_tasks; }, 1));
  s.push_back(size(
      "max-result-size", "limit per job result",
      [](auto& st) -> auto& { return st.cfg.master.master.limits.max_result_size; }));
  s.push_back(flag_option(
      "progress", job_modes | for_wait, "progress lines on stderr even when it is not a terminal",
      [](auto& st) -> auto& { return st.cfg.progress; }));
  s.push_back(text(
      "output", "FILE", job_modes | for_wait, "JSON lines to FILE instead of stdout",
      [](auto& st) -> auto& { return st.cfg.output_path; }));

  // Master: serving clients.
  s.push_back(flag_option(
      "serve", for_master, "keep running and take jobs from clients until SIGTERM/SIGINT",
      [](auto& st) -> auto& { return st.cfg.master.master.serve; }));
  s.push_back(count(
      "history", "N", for_master, "ended jobs kept for cohort wait and cohort jobs --all",
      [](auto& st) -> auto& { return st.cfg.master.master.history; }, 0));
  s.push_back(text(
      "journal", "FILE", for_master,
      "SQLite journal: a master started again with it resumes every unfinished job",
      [](auto& st) -> auto& { return st.cfg.master.master.journal; }));
  s.push_back(duration(
      "journal-keep", for_master, "finished jobs older than this are dropped from the journal",
      [](auto& st) -> auto& { return st.cfg.master.master.journal_keep; }));
  s.push_back({"data-dir", "DIR", for_master,
               "clients' jobs read files only under these roots (none: no client paths)", repeated,
               [](parse_state& st, const given_value& v) {
                 st.cfg.master.master.data_dirs.push_back(read_text("data-dir", v));
               },
               [](const parse_state& st) {
                 return shown_rows(st.cfg.master.master.data_dirs);
               }});

  // Clients.
  s.push_back(flag_option(
      "detach", for_submit, "print each job's number once accepted, and exit 0",
      [](auto& st) -> auto& { return st.cfg.detach; }));
  s.push_back(flag_option(
      "all", for_jobs, "also the ended jobs the master keeps (--history)",
      [](auto& st) -> auto& { return st.cfg.all; }));

  // Worker.
  s.push_back(address(
      "master", "HOST:PORT", for_worker | for_clients, "join this master, or ask it",
      [](auto& st) -> auto& {
        return st.mode == for_worker ? st.cfg.worker.master : st.client_master;
      },
      endpoint_form::dial));
  s.push_back(count(
      "workers", "N", for_worker, "worker actors in this process",
      [](auto& st) -> auto& { return st.cfg.worker.workers.count; }, 1));
  s.back().machine_default = "cores";
  s.push_back(duration(
      "connect-timeout", for_worker | for_clients,
      "stop connecting after this long and exit 1 (clients: 10s)", [](auto& st) -> auto& {
        return st.mode == for_worker ? st.cfg.worker.connect_timeout
                                     : st.cfg.client.connect_timeout;
      }));
  s.push_back(flag_option(
      "exit-with-master", for_worker, "exit when the master ends instead of reconnecting",
      [](auto& st) -> auto& { return st.cfg.worker.exit_with_master; }));
  s.push_back(duration(
      "drain-timeout", for_worker, "on SIGTERM/SIGINT: let running tasks finish for this long",
      [](auto& st) -> auto& { return st.cfg.worker.drain_timeout; }));
  s.push_back({"slowdown", "F", for_worker, "run every task F times slower", testing,
               [](parse_state& st, const given_value& v) {
                 double d = 0;
                 const char* end = v.text.data() + v.text.size();
                 auto [ptr, ec] = std::from_chars(v.text.data(), end, d, std::chars_format::fixed);
                 if (ec != std::errc() || ptr != end || !std::isfinite(d) || d <= 0) {
                   bad("slowdown", v, "expected a positive number such as 2 or 0.5");
                 }
                 st.cfg.worker.workers.slowdown = d;
               },
               [](const parse_state& st) {
                 return rows{format_double(st.cfg.worker.workers.slowdown)};
               }});

  // Both modes.
  s.push_back(text(
      "config", "FILE", for_all,
      "INI file: `key = value`, [section] prefixes keys; the command line wins",
      [](auto& st) -> auto& { return st.config_file; }, command_line_only));
  s.push_back(flag_option(
      "print-config", for_all, "print every effective setting and its source, exit 0",
      [](auto& st) -> auto& { return st.cfg.print_config; }, command_line_only));
  s.push_back(address(
      "listen", "[HOST:]PORT", for_both,
      "master: publish; worker: serve as a spawn node (HOST 127.0.0.1)",
      [](auto& st) -> auto& { return network(st).listen; }, endpoint_form::listen));
  s.push_back(address(
      "http", "[HOST:]PORT", for_master,
      "serve a status page, /api/status, /metrics and /healthz here (HOST 127.0.0.1)",
      [](auto& st) -> auto& { return st.cfg.master.http; }, endpoint_form::listen));
  s.push_back(count(
      "slots", "N", for_both, "CPU-bound tasks per worker actor",
      [](auto& st) -> auto& { return workers(st).slots; }, 1));
  s.push_back(count(
      "concurrency", "N", for_both, "latency-bound tasks per worker actor",
      [](auto& st) -> auto& { return workers(st).concurrency; }, 1));
  s.push_back(count(
      "batch", "N", for_both, "most tasks per dispatch message, and answers per message sent back",
      [](auto& st) -> auto& { return workers(st).batch; }, 1));
  {
    // The master's batches and its local workers' answers take the same bound.
    auto apply_workers = s.back().apply;
    s.back().apply = [apply_workers](parse_state& st, const given_value& v) {
      apply_workers(st, v);
      st.cfg.master.master.batch = st.cfg.master.local.batch;
    };
  }
  s.push_back({"tags", "A,B", for_both, "tags of this process's worker actors", 0,
               [](parse_state& st, const given_value& v) {
                 auto& tags = workers(st).tags;
                 tags.clear();
                 if (v.text.empty()) {
                   return;
                 }
                 std::string_view rest = v.text;
                 while (true) {
                   auto comma = rest.find(',');
                   auto tag = rest.substr(0, comma);
                   if (!is_tag(tag)) {
                     bad("tags", v, "tags are non-empty and have no blanks");
                   }
                   tags.emplace_back(tag);
                   if (comma == std::string_view::npos) {
                     return;
                   }
                   rest.remove_prefix(comma + 1);
                 }
               },
               [](const parse_state& st) {
                 return rows{join(workers(st).tags, ",")};
               }});
  s.push_back(capability_flag("allow-exec", "exec", "this process's workers run exec tasks"));
  s.push_back(capability_flag("allow-net", "net",
                              "this process's workers run http tasks (they reach what this host "
                              "reaches)"));
  s.push_back(capability_flag("allow-sql", "sql",
                              "this process's workers run sql tasks (they reach the databases "
                              "this host reaches)"));
  s.push_back(count(
      "sql-connections", "N", for_both,
      "PostgreSQL connections this process opens at most per connection string",
      [](auto& st) -> auto& { return workers(st).sql_connections; }, 1));
  s.push_back({"kinds-from", "FILE", for_both,
               "load job kinds from this plugin, a shared library (worker: with --allow-exec)",
               repeated,
               [](parse_state& st, const given_value& v) {
                 st.cfg.kinds_from.push_back(read_text("kinds-from", v));
               },
               [](const parse_state& st) {
                 return shown_rows(st.cfg.kinds_from);
               }});
  s.push_back(flag_option(
      "insecure", for_both, "allow --listen on a non-loopback address without TLS",
      [](auto& st) -> auto& { return st.insecure; }));
  s.push_back(text(
      "token-file", "FILE", for_all, "shared secret for joining (else $COHORT_TOKEN); never shown",
      [](auto& st) -> auto& { return st.token_file; }));
  s.push_back(text(
      "client-token-file", "FILE", for_master | for_clients,
      "clients' secret when not the token (else $COHORT_CLIENT_TOKEN); never shown",
      [](auto& st) -> auto& { return st.client_token_file; }));
  s.push_back(text(
      "tls-cert", "FILE", for_all, "mutual TLS certificate (all three --tls-* or none)",
      [](auto& st) -> auto& { return st.tls_cert; }));
  s.push_back(text(
      "tls-key", "FILE", for_all, "mutual TLS private key",
      [](auto& st) -> auto& { return st.tls_key; }));
  s.push_back(text(
      "tls-ca", "FILE", for_all, "mutual TLS CA certificate",
      [](auto& st) -> auto& { return st.tls_ca; }));
  s.push_back(choice(
      "log-level", "LEVEL", for_all, "trace | debug | info | warn | error | off",
      [](auto& st) -> auto& { return st.cfg.log_level; },
      std::vector<std::pair<std::string_view, std::string>>{{"trace", "trace"},
                                                            {"debug", "debug"},
                                                            {"info", "info"},
                                                            {"warn", "warn"},
                                                            {"error", "error"},
                                                            {"off", "off"}}));

  // CAF's scheduler and transport, checked here because CAF itself would ignore a bad value.
  s.push_back({"scheduler.max-threads", "N", for_both, "CAF scheduler threads", 0,
               [](parse_state& st, const given_value& v) {
                 scheduler(st).max_threads =
                     static_cast<std::uint32_t>(read_count("scheduler.max-threads", v, 1, u32_max));
               },
               [](const parse_state& st) {
                 const auto& given = scheduler(st).max_threads;
                 return rows{std::to_string(given ? std::uint64_t{*given}
                                                  : std::uint64_t{workers(st).count} + 1)};
               },
               "worker actors + 1"});
  s.push_back(
      choice("scheduler.policy", "POLICY", for_both, "stealing | sharing",
             [](auto& st) -> auto& { return scheduler(st).policy; },
             {{"stealing", scheduler_policy::stealing}, {"sharing", scheduler_policy::sharing}}));
  s.push_back({"scheduler.max-throughput", "N", for_both, "messages per actor per turn", 0,
               [](parse_state& st, const given_value& v) {
                 scheduler(st).max_throughput =
                     read_count("scheduler.max-throughput", v, 1, u64_max);
               },
               [](const parse_state& st) {
                 const auto& given = scheduler(st).max_throughput;
                 return rows{given ? std::to_string(*given) : "unlimited"};
               }});
  s.push_back(switchable(
      "middleman.heartbeat-interval", for_all, "heartbeat between nodes; the same on every node",
      [](auto& st) -> auto& { return network(st).heartbeat_interval; }, true));
  s.push_back(switchable(
      "middleman.connection-timeout", for_all,
      "a silent peer is lost after this long; the same on every node",
      [](auto& st) -> auto& { return network(st).connection_timeout; }, true));
  return s;
}

} // namespace

job_request default_job() {
  job_request job;
  job.kind = "primes";
  job.args.set("from", "0");
  job.args.set("to", "10000000000");
  return job;
}

const std::vector<option>& option_schema() {
  static const std::vector<option> schema = make_schema();
  return schema;
}

std::vector<option_section> option_sections() {
  std::vector<option_section> out{{"master options (a job's own also for submit)", {}},
                                  {"worker options", {}},
                                  {"client options (submit, wait, jobs, cancel, status)", {}},
                                  {"options of several modes", {}},
                                  {"testing (test and benchmark aids)", {}}};
  for (const auto& o : option_schema()) {
    std::size_t at = (o.traits & testing) != 0                 ? 4
                     : (o.modes & ~unsigned{for_clients}) == 0 ? 2
                     : (o.modes & ~job_modes) == 0             ? 0
                     : o.modes == for_worker                   ? 1
                                                               : 3;
    out[at].options.push_back(&o);
  }
  return out;
}

std::string mode_names(unsigned modes) {
  constexpr std::pair<unsigned, std::string_view> names[] = {
      {for_master, "master"}, {for_worker, "worker"}, {for_submit, "submit"}, {for_wait, "wait"},
      {for_jobs, "jobs"},     {for_cancel, "cancel"}, {for_status, "status"}};
  std::vector<std::string> in;
  for (const auto& [bit, name] : names) {
    if ((modes & bit) != 0) {
      in.emplace_back(name);
    }
  }
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == in.size() ? " and " : ", ") + in[i];
  }
  return out + (in.size() == 1 ? " mode" : " modes");
}

std::string shown_default(const option& o) {
  if (!o.machine_default.empty()) {
    return std::string(o.machine_default);
  }
  if ((o.traits & (flag | repeated)) != 0) {
    return {};
  }
  parse_state fresh;
  // The first of its modes (modes are single bits).
  fresh.mode = o.modes & (~o.modes + 1);
  auto shown = o.show(fresh);
  return shown.size() == 1 ? shown.front() : std::string{};
}

const option* find_option(std::string_view name) {
  for (const auto& o : option_schema()) {
    if (o.name == name) {
      return &o;
    }
  }
  return nullptr;
}

std::string label(std::string_view key, const given_value& v) {
  if (v.source == "command line") {
    return "--" + std::string(key);
  }
  return v.source + ": " + std::string(key);
}

void bad(std::string_view key, const given_value& v, std::string_view reason) {
  throw usage_error(label(key, v) + ": bad value '" + v.text + "': " + std::string(reason));
}

} // namespace cohort::app
