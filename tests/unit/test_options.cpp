// The command line: modes, defaults, precedence (command line > file > default) as --print-config
// shows it, and one message per error naming the option or key and the value.
#include "app/command_line.hpp"
#include "cohort/registry.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

using namespace std::chrono_literals;
using cohort::dispatch_policy;
using cohort::app::app_config;
using cohort::app::app_mode;
using cohort::app::usage_error;

namespace {

app_config parse(std::vector<std::string> args) {
  args.insert(args.begin(), "cohort");
  std::vector<const char*> argv;
  for (const auto& a : args) {
    argv.push_back(a.c_str());
  }
  return cohort::app::parse_command_line(static_cast<int>(argv.size()), argv.data(),
                                         *cohort::builtin_registry());
}

std::string error_of(std::vector<std::string> args) {
  try {
    parse(std::move(args));
  } catch (const usage_error& e) {
    return e.what();
  }
  FAIL("no usage_error thrown");
  return {};
}

/// The print-config lines of `key`, each "value  # source".
std::vector<std::string> shown(const app_config& cfg, const std::string& key) {
  std::vector<std::string> out;
  std::istringstream in(cfg.print_config_text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + " = ", 0) == 0) {
      out.push_back(line.substr(key.size() + 3));
    }
  }
  return out;
}

std::string shown_one(const app_config& cfg, const std::string& key) {
  auto lines = shown(cfg, key);
  REQUIRE(lines.size() == 1);
  return lines.front();
}

/// A fresh directory for config, jobs, token and TLS files, removed afterwards.
class temp_dir {
public:
  temp_dir() {
    auto pattern = (std::filesystem::temp_directory_path() / "cohort-options-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~temp_dir() { std::filesystem::remove_all(path_); }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  std::string write(const std::string& name, const std::string& text) const {
    auto p = (path_ / name).string();
    std::ofstream(p) << text;
    return p;
  }
  std::string path(const std::string& name) const { return (path_ / name).string(); }

private:
  std::filesystem::path path_;
};

/// Keeps $COHORT_TOKEN unset for a test, or set to `value`, and unsets it afterwards.
class token_env {
public:
  explicit token_env(const char* value = nullptr) {
    if (value != nullptr) {
      setenv("COHORT_TOKEN", value, 1);
    } else {
      unsetenv("COHORT_TOKEN");
    }
  }
  ~token_env() { unsetenv("COHORT_TOKEN"); }
  token_env(const token_env&) = delete;
  token_env& operator=(const token_env&) = delete;
};

const std::vector<std::string> worker_base = {"worker", "--master", "127.0.0.1:7000"};

std::vector<std::string> worker_with(std::vector<std::string> more) {
  auto args = worker_base;
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

} // namespace

TEST_CASE("options: modes", "[options]") {
  CHECK(parse({}).mode == app_mode::usage);
  CHECK(parse({"--help"}).mode == app_mode::help);
  CHECK(parse({"-h"}).mode == app_mode::help);
  CHECK(parse({"master", "--slots", "0", "--help"}).mode == app_mode::help);
  CHECK(parse({"worker", "--bogus", "--help"}).mode == app_mode::help);
  CHECK(parse({"--version"}).mode == app_mode::version);
  CHECK(parse({"master", "--version"}).mode == app_mode::version);
  CHECK(parse({"master"}).mode == app_mode::master);
  CHECK(parse({"--slots", "2", "master"}).mode == app_mode::master);
  CHECK(parse(worker_base).mode == app_mode::worker);

  CHECK(error_of({"--slots", "2"}) ==
        "missing mode: cohort master|worker|submit|wait|jobs|cancel|status|kinds "
        "[OPTIONS] (see --help)");
  CHECK(error_of({"boss"}) ==
        "unknown mode 'boss' (master | worker | submit | wait | jobs | cancel | "
        "status | kinds)");
  CHECK(error_of({"master", "extra"}) == "unexpected argument 'extra'");
}

TEST_CASE("options: master defaults", "[options]") {
  token_env env;
  auto cfg = parse({"master"});
  const auto& m = cfg.master;
  CHECK(m.local.count == cohort::worker_settings{}.count);
  CHECK(m.master.min_workers == 1);
  CHECK(m.master.wait_for_workers == 30s);
  CHECK(m.local.slots == 1);
  CHECK(m.local.concurrency == 10000);
  CHECK(m.master.batch == 1000);
  CHECK(m.local.batch == 1000);
  CHECK(m.local.tags.empty());
  CHECK(m.local.capabilities.empty());
  CHECK(m.master.dispatch == dispatch_policy::least_loaded);
  CHECK(m.local.slowdown == 1.0);
  CHECK_FALSE(m.master.progress);
  CHECK_FALSE(m.scheduler.max_threads.has_value());
  CHECK(m.scheduler.policy == cohort::scheduler_policy::stealing);
  CHECK_FALSE(m.scheduler.max_throughput.has_value());
  CHECK(m.network.heartbeat_interval == 500ms);
  CHECK(m.network.connection_timeout == 2s);
  REQUIRE(cfg.jobs.size() == 1);
  const auto& job = cfg.jobs[0].request();
  CHECK(job.kind == "primes");
  CHECK(job.args.describe() == "from=0 to=10000000000");
  CHECK(job.require.empty());
  CHECK_FALSE(job.task_timeout.has_value());
  CHECK_FALSE(job.deadline.has_value());
  CHECK(job.max_attempts == 3);
  CHECK(job.speculate);
  CHECK_FALSE(job.concurrency.has_value());
  CHECK(cfg.output_path.empty());
  CHECK(cfg.log_level == "info");
  CHECK_FALSE(cfg.print_config);
  CHECK_FALSE(m.network.listen.has_value());
  CHECK(m.spawn_on.empty());
  CHECK_FALSE(m.network.token.has_value());
  CHECK_FALSE(m.network.tls.has_value());
  CHECK(m.master.limits.max_message_size == 64u << 20);
  CHECK(m.master.limits.max_tasks == 100000000);
  CHECK(m.master.limits.max_result_size == 256u << 20);
}

TEST_CASE("options: every master option parses", "[options]") {
  token_env env;
  temp_dir dir;
  auto out = dir.path("out.jsonl");
  auto cfg = parse({"master",
                    "--job",
                    "sleep",
                    "--param",
                    "tasks=10",
                    "--param",
                    "ms=5",
                    "--local-workers",
                    "0",
                    "--spawn-on",
                    "10.0.0.1:7001,node-b:7002",
                    "--min-workers",
                    "4",
                    "--wait-for-workers",
                    "2min",
                    "--require",
                    "gpu",
                    "--require",
                    "ssd",
                    "--dispatch",
                    "designated",
                    "--task-timeout",
                    "1.5s",
                    "--max-attempts",
                    "5",
                    "--speculate",
                    "off",
                    "--deadline",
                    "1h",
                    "--max-message-size",
                    "1MiB",
                    "--max-tasks",
                    "1000",
                    "--max-result-size",
                    "2GiB",
                    "--progress",
                    "--output",
                    out,
                    "--listen",
                    "0.0.0.0:0",
                    "--insecure",
                    "--slots",
                    "2",
                    "--concurrency",
                    "50",
                    "--batch",
                    "10",
                    "--tags",
                    "a,b",
                    "--allow-exec",
                    "--log-level",
                    "debug",
                    "--scheduler.max-threads",
                    "3",
                    "--scheduler.policy",
                    "sharing",
                    "--scheduler.max-throughput=100",
                    "--middleman.heartbeat-interval",
                    "1.5s",
                    "--middleman.connection-timeout",
                    "6s"});
  const auto& m = cfg.master;
  CHECK(m.local.count == 0);
  REQUIRE(m.spawn_on.size() == 2);
  CHECK(m.spawn_on[0].host == "10.0.0.1");
  CHECK(m.spawn_on[0].port == 7001);
  CHECK(m.spawn_on[1].host == "node-b");
  CHECK(m.spawn_on[1].port == 7002);
  CHECK(m.master.min_workers == 4);
  CHECK(m.master.wait_for_workers == 2min);
  CHECK(m.master.dispatch == dispatch_policy::designated);
  CHECK(m.master.limits.max_message_size == 1u << 20);
  CHECK(m.master.limits.max_tasks == 1000);
  CHECK(m.master.limits.max_result_size == std::uint64_t{2} << 30);
  CHECK(m.master.progress);
  CHECK(cfg.output_path == out);
  REQUIRE(m.network.listen.has_value());
  CHECK(m.network.listen->host == "0.0.0.0");
  CHECK(m.network.listen->port == 0);
  CHECK(m.local.slots == 2);
  CHECK(m.local.concurrency == 50);
  CHECK(m.master.batch == 10);
  CHECK(m.local.batch == 10);
  CHECK(m.local.tags == std::vector<std::string>{"a", "b"});
  CHECK(m.local.capabilities == std::vector<std::string>{"exec"});
  CHECK(cfg.log_level == "debug");
  CHECK(m.scheduler.max_threads == 3u);
  CHECK(m.scheduler.policy == cohort::scheduler_policy::sharing);
  CHECK(m.scheduler.max_throughput == 100u);
  CHECK(m.network.heartbeat_interval == 1500ms);
  CHECK(m.network.connection_timeout == 6s);
  REQUIRE(cfg.jobs.size() == 1);
  const auto& job = cfg.jobs[0].request();
  CHECK(job.kind == "sleep");
  CHECK(job.args.describe() == "ms=5 tasks=10");
  CHECK(job.require == std::vector<std::string>{"gpu", "ssd"});
  CHECK(job.task_timeout == 1500ms);
  CHECK(job.deadline == 1h);
  CHECK(job.max_attempts == 5);
  CHECK_FALSE(job.speculate);
  CHECK_FALSE(job.concurrency.has_value());
}

TEST_CASE("options: every worker option parses", "[options]") {
  token_env env;
  auto cfg = parse({"worker", "--master", "host-a:7000", "--workers", "3", "--connect-timeout",
                    "5s", "--exit-with-master", "--drain-timeout", "0s", "--slowdown", "2.5",
                    "--slots", "4", "--tags", "gpu", "--allow-exec"});
  const auto& w = cfg.worker;
  REQUIRE(w.master.has_value());
  CHECK(w.master->host == "host-a");
  CHECK(w.master->port == 7000);
  CHECK(w.workers.count == 3);
  CHECK(w.connect_timeout == 5s);
  CHECK(w.exit_with_master);
  CHECK(w.drain_timeout == 0s);
  CHECK(w.workers.slowdown == 2.5);
  CHECK(w.workers.slots == 4);
  CHECK(w.workers.tags == std::vector<std::string>{"gpu"});
  CHECK(w.workers.capabilities == std::vector<std::string>{"exec"});
  CHECK(cfg.jobs.empty());

  auto node = parse({"worker", "--listen", "7100", "--batch", "5"}).worker;
  REQUIRE(node.network.listen.has_value());
  CHECK(node.network.listen->host == "127.0.0.1");
  CHECK(node.network.listen->port == 7100);
  CHECK_FALSE(node.master.has_value());
  CHECK(node.connect_timeout == 60s);
  CHECK(node.drain_timeout == 10s);
  CHECK_FALSE(node.exit_with_master);
  CHECK(node.workers.count == cohort::worker_settings{}.count);
  CHECK(node.workers.batch == 5);
}

TEST_CASE("options: worker needs exactly one of --master and --listen", "[options]") {
  CHECK(error_of({"worker"}) == "worker mode needs --master HOST:PORT or --listen [HOST:]PORT");
  CHECK(error_of({"worker", "--master", "h:1", "--listen", "2"}) ==
        "worker mode takes --master or --listen, not both");
}

TEST_CASE("options: --kinds-from needs --allow-exec on a worker, and a config file's is found "
          "beside it",
          "[options]") {
  token_env env;
  temp_dir dir;
  CHECK(error_of(worker_with({"--kinds-from", "kinds.so"})) ==
        "--kinds-from needs --allow-exec: loading a library runs its code");
  auto worker_ini = dir.write("worker.ini", "kinds-from = kinds.so\n");
  CHECK(error_of(worker_with({"--config", worker_ini})) ==
        worker_ini + ":1: kinds-from needs --allow-exec: loading a library runs its code");
  // With --allow-exec the file is loaded: the one named in the config file is looked for beside it.
  CHECK(error_of(worker_with({"--config", worker_ini, "--allow-exec"})) ==
        worker_ini + ":1: kinds-from: " + dir.path("kinds.so") +
            ": cannot open shared object file: No such file or directory");
  CHECK(error_of({"master", "--kinds-from", ""}) ==
        "--kinds-from: bad value '': must not be empty");
}

TEST_CASE("options: unknown options, typos and CAF keys", "[options]") {
  const std::string all = " (cohort --help lists every option)";
  CHECK(error_of({"master", "--bogus"}) == "unknown option '--bogus'" + all);
  CHECK(error_of({"master", "--slot", "2"}) ==
        "unknown option '--slot'; did you mean --slots?" + all);
  CHECK(error_of({"master", "--lisen", "h:1"}) ==
        "unknown option '--lisen'; did you mean --listen?" + all);
  CHECK(error_of({"master", "--scheduler.foo", "1"}) == "unknown option '--scheduler.foo'" + all);
  CHECK(error_of({"master", "--middleman.enable-automatic-connections", "true"}) ==
        "unknown option '--middleman.enable-automatic-connections'" + all);
  CHECK(error_of({"master", "-x"}) == "unknown option '-x'" + all);
  CHECK(error_of({"master", "--positional", "worker"}) == "unknown option '--positional'");
}

TEST_CASE("options: options of the other mode", "[options]") {
  CHECK(error_of({"master", "--master", "h:1"}) ==
        "option --master is for worker, submit, wait, jobs, cancel and status modes");
  CHECK(error_of({"master", "--slowdown", "2"}) == "option --slowdown is for worker mode");
  CHECK(error_of({"submit", "--master", "h:1", "--job", "sleep", "--all"}) ==
        "option --all is for jobs mode");
  CHECK(error_of({"jobs", "--master", "h:1", "--serve"}) == "option --serve is for master mode");
  CHECK(error_of(worker_with({"--local-workers", "2"})) ==
        "option --local-workers is for master mode");
  CHECK(error_of(worker_with({"--job", "primes"})) ==
        "option --job is for master and submit modes");
  CHECK(error_of(worker_with({"--progress"})) ==
        "option --progress is for master, submit and wait modes");
}

TEST_CASE("options: option syntax errors", "[options]") {
  CHECK(error_of({"master", "--slots"}) == "option --slots needs a value");
  CHECK(error_of({"master", "--progress=true"}) == "option --progress takes no value");
  CHECK(error_of({"master", "--slots", "2", "--slots", "3"}) == "option --slots is given twice");
  CHECK(error_of({"master", "--progress", "--progress"}) == "option --progress is given twice");
}

TEST_CASE("options: bad values name the option and the value", "[options]") {
  token_env env;
  CHECK(error_of({"master", "--slots", "0"}) == "--slots: bad value '0': must be at least 1");
  CHECK(error_of({"master", "--slots", "two"}) ==
        "--slots: bad number 'two': not a decimal integer");
  CHECK(error_of({"master", "--slots", "-1"}) == "--slots: bad number '-1': not a decimal integer");
  CHECK(error_of({"master", "--concurrency", "4294967296"}) ==
        "--concurrency: bad value '4294967296': must be at most 4294967295");
  CHECK(error_of({"master", "--batch", "0"}) == "--batch: bad value '0': must be at least 1");
  CHECK(error_of({"master", "--max-attempts", "0"}) ==
        "--max-attempts: bad value '0': must be at least 1");
  CHECK(error_of({"master", "--max-tasks", "0"}) ==
        "--max-tasks: bad value '0': must be at least 1");
  CHECK(error_of({"master", "--local-workers", "x"}) ==
        "--local-workers: bad number 'x': not a decimal integer");
  CHECK(error_of({"master", "--dispatch", "random"}) ==
        "--dispatch: bad value 'random': expected least-loaded | round-robin | designated");
  CHECK(error_of({"master", "--speculate", "yes"}) ==
        "--speculate: bad value 'yes': expected on | off");
  CHECK(error_of({"master", "--log-level", "loud"}) ==
        "--log-level: bad value 'loud': expected trace | debug | info | warn | error | off");
  CHECK(error_of({"master", "--task-timeout", "5"}) ==
        "--task-timeout: bad duration '5': a unit is required (ns, us, ms, s, min, h)");
  CHECK(error_of({"master", "--task-timeout", "0s"}) ==
        "--task-timeout: bad value '0s': must be more than 0s (or off)");
  CHECK(error_of({"master", "--deadline", "soon"}) ==
        "--deadline: bad duration 'soon': not a number");
  CHECK(error_of({"master", "--wait-for-workers", "off"}) ==
        "--wait-for-workers: bad value 'off': cannot be off; give a duration such as 30s");
  CHECK(error_of({"master", "--wait-for-workers", "10x"}) ==
        "--wait-for-workers: bad duration '10x': unknown unit 'x' (ns, us, ms, s, min, h)");
  CHECK(error_of({"master", "--max-message-size", "64MB"}) ==
        "--max-message-size: bad size '64MB': unknown unit 'MB' (B, KiB, MiB, GiB)");
  CHECK(error_of({"master", "--max-result-size", "0KiB"}) ==
        "--max-result-size: bad value '0KiB': must be more than 0B");
  CHECK(error_of({"master", "--tags", "a,,b"}) ==
        "--tags: bad value 'a,,b': tags are non-empty and have no blanks");
  CHECK(error_of({"master", "--require", "a,b"}) ==
        "--require: bad value 'a,b': a tag is non-empty and has no blanks or commas");
  CHECK(error_of({"master", "--output", ""}) == "--output: bad value '': must not be empty");
  CHECK(error_of({"master", "--scheduler.max-threads", "0"}) ==
        "--scheduler.max-threads: bad value '0': must be at least 1");
  CHECK(error_of({"master", "--scheduler.policy", "fifo"}) ==
        "--scheduler.policy: bad value 'fifo': expected stealing | sharing");
  CHECK(error_of({"master", "--scheduler.max-throughput", "many"}) ==
        "--scheduler.max-throughput: bad number 'many': not a decimal integer");
  CHECK(error_of({"master", "--middleman.heartbeat-interval", "500"}) ==
        "--middleman.heartbeat-interval: bad duration '500': a unit is required (ns, us, ms, s, "
        "min, h)");
  CHECK(error_of(worker_with({"--workers", "0"})) ==
        "--workers: bad value '0': must be at least 1");
  CHECK(error_of(worker_with({"--slowdown", "0"})) ==
        "--slowdown: bad value '0': expected a positive number such as 2 or 0.5");
  CHECK(error_of(worker_with({"--slowdown", "inf"})) ==
        "--slowdown: bad value 'inf': expected a positive number such as 2 or 0.5");
  CHECK(error_of(worker_with({"--slowdown", "1e3"})) ==
        "--slowdown: bad value '1e3': expected a positive number such as 2 or 0.5");
  CHECK(error_of(worker_with({"--connect-timeout", "60"})) ==
        "--connect-timeout: bad duration '60': a unit is required (ns, us, ms, s, min, h)");
  CHECK(error_of(worker_with({"--drain-timeout", "-1s"})) ==
        "--drain-timeout: bad duration '-1s': negative");
}

TEST_CASE("options: CAF durations may be off", "[options]") {
  token_env env;
  auto cfg = parse(
      {"master", "--middleman.connection-timeout", "off", "--middleman.heartbeat-interval", "0s"});
  CHECK_FALSE(cfg.master.network.connection_timeout.has_value());
  CHECK(cfg.master.network.heartbeat_interval == 0s);
  CHECK(shown_one(cfg, "middleman.connection-timeout") == "off  # command line");
  CHECK(shown_one(cfg, "middleman.heartbeat-interval") == "0s  # command line");
}

TEST_CASE("options: addresses", "[options]") {
  token_env env;
  CHECK(parse({"master", "--listen", "host:0", "--insecure"}).master.network.listen->host ==
        "host");
  CHECK(parse({"master", "--listen", "localhost:0"}).master.network.listen->host == "localhost");
  CHECK(error_of({"master", "--listen", "host:0"}).find("not a loopback address") !=
        std::string::npos);
  CHECK(error_of({"master", "--listen", "65536"}) ==
        "--listen: bad value '65536': port must be 0..65535");
  CHECK(error_of({"master", "--listen", ":7000"}) ==
        "--listen: bad value ':7000': expected [HOST:]PORT");
  CHECK(error_of({"master", "--listen", "host:http"}) ==
        "--listen: bad value 'host:http': expected [HOST:]PORT");
  CHECK(error_of({"worker", "--master", "7000"}) ==
        "--master: bad value '7000': expected HOST:PORT");
  CHECK(error_of({"worker", "--master", "h:0"}) ==
        "--master: bad value 'h:0': port must be 1..65535");
  CHECK(error_of({"master", "--spawn-on", "a:1,"}) ==
        "--spawn-on: bad value 'a:1,': expected HOST:PORT");
  CHECK(error_of({"master", "--spawn-on", "a:1,b"}) ==
        "--spawn-on: bad value 'a:1,b': expected HOST:PORT");
}

TEST_CASE("options: --job, --param and --jobs", "[options]") {
  token_env env;
  temp_dir dir;
  CHECK(error_of({"master", "--param", "to=10"}) == "--param 'to=10' needs --job KIND");
  auto jobs = dir.write("jobs.jsonl", "{\"job\": \"primes\", \"params\": {\"to\": 100}}\n"
                                      "{\"job\": \"sleep\", \"max_attempts\": 1}\n");
  CHECK(error_of({"master", "--job", "primes", "--jobs", jobs}) ==
        "--job cannot be combined with --jobs");
  CHECK(error_of({"master", "--job", "primes", "--param", "to"}) ==
        "--param: bad value 'to': expected K=V");
  CHECK(error_of({"master", "--job", "primes", "--param", "=5"}) ==
        "--param: bad value '=5': expected K=V");
  CHECK(error_of({"master", "--job", "primes", "--param", "to=5", "--param", "to=6"}) ==
        "--param: bad value 'to=6': parameter 'to' is given twice");
  CHECK(error_of({"master", "--job", ""}) == "--job: bad value '': must not be empty");

  CHECK(error_of({"master", "--job", "primes", "--param", "to=x"}) ==
        "primes: param 'to': expected an unsigned integer, got 'x'");
  CHECK(error_of({"master", "--job", "bogus"}) ==
        "unknown job kind 'bogus' (known: chaos, exec, http, primes, sleep, sql, wordcount)");
  auto cfg = parse({"master", "--job", "sleep", "--param", "tasks=3", "--param", "ms=0"});
  CHECK(cfg.jobs[0].request().args.get("tasks") == "3");
  CHECK(cfg.jobs[0].request().args.get("ms") == "0");

  // Per-job options are the defaults of every jobs-file line; the file's fields override them.
  auto many = parse({"master", "--jobs", jobs, "--max-attempts", "7", "--require", "gpu",
                     "--task-timeout", "2s"});
  REQUIRE(many.jobs.size() == 2);
  CHECK(many.jobs[0].request().kind == "primes");
  CHECK(many.jobs[0].request().max_attempts == 7);
  CHECK(many.jobs[0].request().require == std::vector<std::string>{"gpu"});
  CHECK(many.jobs[0].request().task_timeout == 2s);
  CHECK(many.jobs[1].request().kind == "sleep");
  CHECK(many.jobs[1].request().max_attempts == 1);

  auto bad_jobs = dir.write("bad.jsonl", "{\"job\": \"primes\"}\n{\"job\": \"x\", \"tasks\": 3}\n");
  CHECK(error_of({"master", "--jobs", bad_jobs}) ==
        bad_jobs +
            ":2: unknown field 'tasks' (known: job, name, priority, params, require, task_timeout, "
            "deadline, max_attempts, speculate, concurrency)");
  auto missing = dir.path("missing.jsonl");
  CHECK(error_of({"master", "--jobs", missing}) ==
        "cannot read jobs file '" + missing + "': No such file or directory");
}

TEST_CASE("options: config file and precedence", "[options]") {
  token_env env;
  temp_dir dir;
  auto file = dir.write("master.ini", "# the test's master\n"
                                      "local-workers = 2\n"
                                      "slots = 3\n"
                                      "progress = true\n"
                                      "require = gpu\n"
                                      "require = ssd\n"
                                      "\n"
                                      "[middleman]\n"
                                      "heartbeat-interval = 2s\n"
                                      "[scheduler]\n"
                                      "max-threads = 2\n");
  auto cfg = parse({"master", "--config", file, "--slots", "5", "--print-config"});
  CHECK(cfg.print_config);
  CHECK(cfg.master.local.count == 2);
  CHECK(cfg.master.local.slots == 5);
  CHECK(cfg.master.master.progress);
  CHECK(cfg.master.network.heartbeat_interval == 2s);
  CHECK(cfg.master.scheduler.max_threads == 2u);
  CHECK(cfg.jobs[0].request().require == std::vector<std::string>{"gpu", "ssd"});

  CHECK(shown_one(cfg, "slots") == "5  # command line");
  CHECK(shown_one(cfg, "local-workers") == "2  # " + file + ":2");
  CHECK(shown_one(cfg, "progress") == "true  # " + file + ":4");
  CHECK(shown(cfg, "require") ==
        std::vector<std::string>{"gpu  # " + file + ":5", "ssd  # " + file + ":6"});
  CHECK(shown_one(cfg, "middleman.heartbeat-interval") == "2s  # " + file + ":9");
  CHECK(shown_one(cfg, "middleman.connection-timeout") == "2s  # default");
  CHECK(shown_one(cfg, "scheduler.max-threads") == "2  # " + file + ":11");
  CHECK(shown_one(cfg, "batch") == "1000  # default");
  CHECK(shown_one(cfg, "config") == file + "  # command line");

  // The command line replaces a repeatable key's file lines as a whole.
  auto over = parse({"master", "--config", file, "--require", "fpga"});
  CHECK(over.jobs[0].request().require == std::vector<std::string>{"fpga"});
  CHECK(shown(over, "require") == std::vector<std::string>{"fpga  # command line"});
}

TEST_CASE("options: a job named on the command line replaces the file's job", "[options]") {
  token_env env;
  temp_dir dir;
  auto file = dir.write("job.ini", "job = sleep\nparam = tasks=3\nparam = ms=1\n");
  auto from_file = parse({"master", "--config", file});
  CHECK(from_file.jobs[0].request().kind == "sleep");
  CHECK(from_file.jobs[0].request().args.describe() == "ms=1 tasks=3");
  CHECK(shown(from_file, "param") ==
        std::vector<std::string>{"tasks=3  # " + file + ":2", "ms=1  # " + file + ":3"});

  auto replaced = parse({"master", "--config", file, "--job", "primes", "--param", "to=100"});
  CHECK(replaced.jobs[0].request().kind == "primes");
  CHECK(replaced.jobs[0].request().args.describe() == "to=100");
}

TEST_CASE("options: config file errors name FILE:LINE", "[options]") {
  token_env env;
  temp_dir dir;
  auto check = [&](const std::string& text, const std::string& expected,
                   const std::vector<std::string>& mode = {"master"}) {
    auto file = dir.write("c.ini", text);
    auto args = mode;
    args.push_back("--config");
    args.push_back(file);
    CHECK(error_of(args) == file + expected);
  };
  check("slots = 2\ncolour = red\n", ":2: unknown key 'colour'");
  check("[scheduler]\nfoo = 1\n", ":2: unknown key 'scheduler.foo'");
  check(
      "[middleman]\nheartbeat-interval = 2\n",
      ":2: middleman.heartbeat-interval: bad duration '2': a unit is required (ns, us, ms, s, min, "
      "h)");
  check("slots = 0\n", ":1: slots: bad value '0': must be at least 1");
  check("progress = yes\n", ":1: progress: bad value 'yes': expected true or false");
  check("slots = 2 # two\n", ":1: slots: bad number '2 # two': not a decimal integer");
  check("slots = 2\nslots = 3\n",
        ":2: key 'slots' is set twice (first at " + dir.path("c.ini") + ":1)");
  check("master = h:1\n",
        ":1: key 'master' is for worker, submit, wait, jobs, cancel and status modes");
  check("local-workers = 1\n", ":1: key 'local-workers' is for master mode", worker_base);
  check("config = other.ini\n", ":1: key 'config' belongs on the command line");
  check("print-config = true\n", ":1: key 'print-config' belongs on the command line");
  check("job = primes\njobs = x.jsonl\n", ":1: job cannot be combined with --jobs");
  check("param = to=5\n", ":1: param 'to=5' needs --job KIND");
  check("[middleman\n", ":1: malformed section header '[middleman'");

  auto missing = dir.path("missing.ini");
  CHECK(error_of({"master", "--config", missing}) ==
        "cannot read config file '" + missing + "': No such file or directory");
  CHECK(error_of({"master", "--config", ""}) == "--config: bad value '': must not be empty");
}

TEST_CASE("options: print-config lists every setting, sorted, with sources", "[options]") {
  token_env env;
  auto cfg = parse({"master", "--print-config", "--task-timeout", "1.5s"});
  std::istringstream in(cfg.print_config_text);
  std::vector<std::string> keys;
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find(" = ");
    REQUIRE(eq != std::string::npos);
    CHECK((line.find("  # default") != std::string::npos ||
           line.find("  # command line") != std::string::npos));
    keys.push_back(line.substr(0, eq));
  }
  CHECK(std::is_sorted(keys.begin(), keys.end()));
  for (const char* key : {"allow-exec",
                          "batch",
                          "concurrency",
                          "config",
                          "deadline",
                          "dispatch",
                          "job",
                          "jobs",
                          "listen",
                          "local-workers",
                          "log-level",
                          "max-attempts",
                          "max-message-size",
                          "max-result-size",
                          "max-tasks",
                          "middleman.connection-timeout",
                          "middleman.heartbeat-interval",
                          "min-workers",
                          "output",
                          "param",
                          "progress",
                          "require",
                          "scheduler.max-threads",
                          "scheduler.max-throughput",
                          "scheduler.policy",
                          "slots",
                          "spawn-on",
                          "speculate",
                          "tags",
                          "task-timeout",
                          "tls-ca",
                          "tls-cert",
                          "tls-key",
                          "token-file",
                          "wait-for-workers"}) {
    CHECK(std::count(keys.begin(), keys.end(), key) >= 1);
  }
  CHECK(std::count(keys.begin(), keys.end(), "print-config") == 0);
  CHECK(std::count(keys.begin(), keys.end(), "master") == 0);
  CHECK(shown_one(cfg, "task-timeout") == "1500ms  # command line");
  CHECK(shown_one(cfg, "deadline") == "off  # default");
  CHECK(shown_one(cfg, "max-message-size") == "64MiB  # default");
  CHECK(shown_one(cfg, "wait-for-workers") == "30s  # default");
  CHECK(shown_one(cfg, "job") == "primes  # default");
  CHECK(shown(cfg, "param") ==
        std::vector<std::string>{"from=0  # default", "to=10000000000  # default"});
  CHECK(shown_one(cfg, "output") == "  # default");
  CHECK(shown_one(cfg, "scheduler.policy") == "stealing  # default");
  CHECK(shown_one(cfg, "scheduler.max-threads") ==
        std::to_string(cfg.master.local.count + 1) + "  # default");
  CHECK(shown_one(cfg, "scheduler.max-throughput") == "unlimited  # default");
  CHECK(shown_one(parse({"master", "--local-workers", "6"}), "scheduler.max-threads") ==
        "7  # default");

  auto worker = parse(worker_with({"--print-config", "--slowdown", "0.5"}));
  CHECK(shown_one(worker, "master") == "127.0.0.1:7000  # command line");
  CHECK(shown_one(worker, "slowdown") == "0.5  # command line");
  CHECK(shown_one(worker, "connect-timeout") == "1min  # default");
  CHECK(shown_one(worker, "drain-timeout") == "10s  # default");
  CHECK(shown_one(worker, "exit-with-master") == "false  # default");
  CHECK(shown(worker, "local-workers").empty());
  CHECK(shown(worker, "job").empty());
}

TEST_CASE("options: the token is read, never shown", "[options]") {
  temp_dir dir;
  {
    token_env env("env-secret");
    auto cfg = parse({"master", "--print-config"});
    CHECK(cfg.master.network.token == "env-secret");
    CHECK(shown_one(cfg, "token") == "<redacted>  # env COHORT_TOKEN");
    CHECK(cfg.print_config_text.find("env-secret") == std::string::npos);
  }
  {
    token_env env("env-secret");
    auto file = dir.write("token", "  file-secret\n");
    auto cfg = parse(worker_with({"--token-file", file, "--print-config"}));
    CHECK(cfg.worker.network.token == "file-secret");
    CHECK(shown_one(cfg, "token") == "<redacted>  # command line");
    CHECK(shown_one(cfg, "token-file") == file + "  # command line");
    CHECK(cfg.print_config_text.find("secret") == std::string::npos);
  }
  token_env env;
  CHECK_FALSE(parse({"master"}).master.network.token.has_value());
  CHECK(shown(parse({"master"}), "token").empty());
  auto empty = dir.write("empty", "\n \n");
  CHECK(error_of({"master", "--token-file", empty}) ==
        "--token-file: '" + empty + "' holds no token");
  auto missing = dir.path("missing");
  CHECK(error_of({"master", "--token-file", missing}) ==
        "--token-file: cannot read '" + missing + "': No such file or directory");
}

TEST_CASE("options: TLS files go together and must be readable", "[options]") {
  token_env env;
  temp_dir dir;
  auto cert = dir.write("cert.pem", "c");
  auto key = dir.write("key.pem", "k");
  auto ca = dir.write("ca.pem", "a");
  auto cfg = parse({"master", "--tls-cert", cert, "--tls-key", key, "--tls-ca", ca});
  const auto& tls = cfg.master.network.tls;
  REQUIRE(tls.has_value());
  CHECK(tls->cert == cert);
  CHECK(tls->key == key);
  CHECK(tls->ca == ca);

  CHECK(error_of({"master", "--tls-cert", cert}) ==
        "--tls-cert, --tls-key and --tls-ca go together: missing --tls-key, --tls-ca");
  CHECK(error_of({"master", "--tls-cert", cert, "--tls-key", key}) ==
        "--tls-cert, --tls-key and --tls-ca go together: missing --tls-ca");
  auto missing = dir.path("none.pem");
  CHECK(error_of({"master", "--tls-cert", cert, "--tls-key", missing, "--tls-ca", ca}) ==
        "--tls-key: cannot read '" + missing + "': No such file or directory");
  auto folder = dir.path("");
  CHECK(error_of({"master", "--tls-cert", cert, "--tls-key", key, "--tls-ca", folder}) ==
        "--tls-ca: cannot read '" + folder + "': it is a directory");
}

TEST_CASE("options: --help lists every option on a line of its own, and the kinds", "[options]") {
  auto text = cohort::app::usage_text(*cohort::builtin_registry());
  // The option lines: two spaces, then the option; usage lines above them do not count.
  std::set<std::string> listed;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("  --", 0) == 0) {
      listed.insert(line.substr(2, line.find(' ', 2) - 2));
    }
  }
  for (const char* option : {"--job",
                             "--param",
                             "--jobs",
                             "--local-workers",
                             "--spawn-on",
                             "--min-workers",
                             "--wait-for-workers",
                             "--require",
                             "--dispatch",
                             "--task-timeout",
                             "--max-attempts",
                             "--speculate",
                             "--deadline",
                             "--max-message-size",
                             "--max-tasks",
                             "--max-result-size",
                             "--progress",
                             "--output",
                             "--master",
                             "--workers",
                             "--connect-timeout",
                             "--exit-with-master",
                             "--drain-timeout",
                             "--slowdown",
                             "--config",
                             "--print-config",
                             "--listen",
                             "--slots",
                             "--concurrency",
                             "--batch",
                             "--tags",
                             "--allow-exec",
                             "--kinds-from",
                             "--insecure",
                             "--token-file",
                             "--tls-cert",
                             "--tls-key",
                             "--tls-ca",
                             "--log-level",
                             "--scheduler.max-threads",
                             "--scheduler.policy",
                             "--scheduler.max-throughput",
                             "--middleman.heartbeat-interval",
                             "--middleman.connection-timeout",
                             "--name",
                             "--priority",
                             "--serve",
                             "--history",
                             "--journal",
                             "--journal-keep",
                             "--data-dir",
                             "--detach",
                             "--all",
                             "--client-token-file"}) {
    CHECK(listed.count(option) == 1);
  }
  CHECK(listed.size() == 58);
  CHECK(text.find("cohort --help | --version") != std::string::npos);
  CHECK(text.find("job kinds: exec, http, primes, sleep, sql, wordcount") != std::string::npos);
  // A test aid is listed apart.
  CHECK(text.find("job kinds for testing: chaos\n") != std::string::npos);
  // Defaults come from the settings themselves.
  CHECK(text.find("--slots N") != std::string::npos);
  CHECK(text.find("CPU-bound tasks per worker actor (1)") != std::string::npos);
  CHECK(text.find("messages per actor per turn (unlimited)") != std::string::npos);
}

TEST_CASE("options: cohort kinds [KIND]", "[options]") {
  CHECK(parse({"kinds"}).mode == app_mode::kinds);
  CHECK(parse({"kinds"}).kind.empty());
  CHECK(parse({"kinds", "primes"}).kind == "primes");
  CHECK(error_of({"kinds", "bogus"}) == "unknown job kind 'bogus' (see cohort kinds)");
  CHECK(error_of({"kinds", "primes", "sleep"}) == "unexpected argument 'sleep'");
  CHECK(error_of({"kinds", "--slots", "2"}) == "cohort kinds takes no options but --kinds-from");
  CHECK(error_of({"kinds", "--kinds-from", "/nonexistent/kinds.so"}) ==
        "--kinds-from: /nonexistent/kinds.so: cannot open shared object file: No such file or "
        "directory");
}
