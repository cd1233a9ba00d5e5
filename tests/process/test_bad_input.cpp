// Process tests of bad input (exit 2, one stderr line), --help, --version and --print-config.
#include "tests/process/cohort_run.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <sstream>
#include <utility>

namespace {

using namespace cohort::test;

constexpr auto run_timeout = std::chrono::seconds(20);

/// A command line that must be refused, and what its one line of stderr must mention.
struct bad_case {
  std::vector<std::string> args;
  std::vector<std::string> mentions;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

void check_refused(const bad_case& c) {
  const auto r = run_cohort(c.args, run_timeout);
  INFO("cohort " << describe(c.args) << "\nstdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(lines_of(r.err).size() == 1);
  CHECK_THAT(r.err, Catch::EndsWith("\n"));
  for (const auto& m : c.mentions) {
    CHECK_THAT(r.err, Catch::Contains(m));
  }
}

TEST_CASE("bad input: bare cohort prints usage on stderr and exits 2") {
  const auto r = run_cohort({}, run_timeout);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, Catch::StartsWith("usage: cohort master"));
}

TEST_CASE("bad input: command line mistakes exit 2 with one line naming the problem") {
  const temp_dir dir;
  const auto jobs = dir.write("jobs.jsonl", R"({"job": "sleep"})"
                                            "\n");
  const std::vector<bad_case> cases{
      {{"bogus-mode"}, {"bogus-mode"}},
      {{"master", "--bogus"}, {"--bogus"}},
      {{"master", "--slot", "2"}, {"--slot"}},
      {{"master", "--batch"}, {"--batch"}},
      {{"master", "--workers", "2"}, {"--workers", "worker"}},
      {{"master", "--wait-for-workers", "5"}, {"--wait-for-workers", "'5'"}},
      {{"master", "--deadline", "1x"}, {"--deadline", "1x"}},
      {{"master", "--task-timeout", "ms"}, {"--task-timeout", "ms"}},
      {{"master", "--max-message-size", "12XB"}, {"--max-message-size", "12XB"}},
      {{"master", "--max-result-size", "lots"}, {"--max-result-size", "lots"}},
      {{"master", "--slots", "0"}, {"--slots", "0"}},
      {{"master", "--local-workers", "-1"}, {"--local-workers", "-1"}},
      {{"master", "--max-attempts", "0"}, {"--max-attempts", "0"}},
      {{"master", "--dispatch", "fastest"}, {"--dispatch", "fastest"}},
      {{"master", "--speculate", "maybe"}, {"--speculate", "maybe"}},
      {{"master", "--log-level", "loud"}, {"--log-level", "loud"}},
      {{"master", "--scheduler.bogus", "1"}, {"scheduler.bogus"}},
      {{"master", "--scheduler.max-threads", "many"}, {"scheduler.max-threads", "many"}},
      {{"master", "--tls-cert", "/etc/hostname"}, {"--tls-key", "--tls-ca"}},
      {{"master", "--job", "primes", "--param", "from=10", "--param", "to=5"}, {"from=10", "to=5"}},
      {{"master", "--job", "primes", "--param", "to=abc"}, {"to", "abc"}},
      {{"master", "--job", "primes", "--param", "to=18446744073709551616"},
       {"18446744073709551616"}},
      {{"master", "--job", "primes", "--param", "to=5", "--param", "to=6"}, {"to"}},
      {{"master", "--job", "primes", "--param", "novalue"}, {"novalue"}},
      {{"master", "--job", "wordcount"}, {"path"}},
      {{"master", "--job", "wordcount", "--param", "path=/nonexistent/cohort-test"},
       {"/nonexistent/cohort-test"}},
      {{"master", "--job", "wordcount", "--param", "path=/tmp", "--param", "ship=carrier"},
       {"ship", "carrier"}},
      {{"master", "--job", "sleep", "--param", "ms=1.5"}, {"ms", "1.5"}},
      {{"master", "--job", "chaos", "--param", "tasks=3", "--param", "throw=7"}, {"throw", "7"}},
      {{"master", "--job", "http", "--param", "requests=http://127.0.0.1:9/", "--param",
        "timeout=off"},
       {"http", "timeout"}},
      {{"master", "--job", "nosuch"}, {"nosuch"}},
      {{"master", "--job", "primes", "--param", "to=5", "--param", "bogus=1"}, {"bogus"}},
      {{"master", "--param", "to=5"}, {"--param", "--job"}},
      {{"master", "--job", "sleep", "--jobs", "/dev/null"}, {"--job", "--jobs"}},
      {{"master", "--jobs", jobs.string(), "--param", "ms=5"}, {"--param", "ms=5"}},
      {{"master", "--jobs", "/nonexistent/jobs.jsonl"}, {"/nonexistent/jobs.jsonl"}},
      {{"master", "--config", "/nonexistent/cohort.ini"}, {"/nonexistent/cohort.ini"}},
      {{"master", "--job", "sleep", "--output", "/nonexistent/out.jsonl"},
       {"/nonexistent/out.jsonl"}},
      {{"worker"}, {"--master"}},
  };
  for (const auto& c : cases) {
    check_refused(c);
  }
}

TEST_CASE("bad input: config file mistakes name FILE:LINE") {
  const temp_dir dir;
  const auto unknown = dir.write("unknown.ini", "# a comment\nslots = 2\n\nbogus-key = 1\n");
  const auto number = dir.write("number.ini", "slots = zero\n");
  const auto duration = dir.write("duration.ini", "# a comment\n\nwait-for-workers = 5\n");
  const auto section = dir.write("section.ini", "batch = 10\n[scheduler]\nbogus = 1\n");
  const auto worker_key = dir.write("worker.ini", "\nslowdown = 2\n");
  const std::vector<bad_case> cases{
      {{"master", "--config", unknown.string()}, {unknown.string() + ":4", "bogus-key"}},
      {{"master", "--config", number.string()}, {number.string() + ":1", "slots", "zero"}},
      {{"master", "--config", duration.string()},
       {duration.string() + ":3", "wait-for-workers", "'5'"}},
      {{"master", "--config", section.string()}, {section.string() + ":3", "scheduler.bogus"}},
      {{"master", "--config", worker_key.string()}, {worker_key.string() + ":2", "slowdown"}},
      {{"master", "--print-config", "--config", unknown.string()},
       {unknown.string() + ":4", "bogus-key"}},
  };
  for (const auto& c : cases) {
    check_refused(c);
  }
}

TEST_CASE("bad input: jobs file mistakes after a good line stop everything, naming the line") {
  const temp_dir dir;
  const std::string good = R"({"job": "sleep", "params": {"tasks": 1, "ms": 2000}})";
  const auto bad_json = dir.write("bad_json.jsonl", good + "\n{\"job\": bad\n");
  const auto unknown_field =
      dir.write("unknown_field.jsonl", good + "\n{\"job\": \"sleep\", \"bogus\": 1}\n");
  const auto bad_type =
      dir.write("bad_type.jsonl", good + "\n{\"job\": \"sleep\", \"max_attempts\": \"x\"}\n");
  const auto bad_duration =
      dir.write("bad_duration.jsonl", good + "\n{\"job\": \"sleep\", \"deadline\": \"5\"}\n");
  const auto unknown_kind = dir.write("unknown_kind.jsonl", good + "\n{\"job\": \"nokind\"}\n");
  const auto after_blank = dir.write("after_blank.jsonl", good + "\n\n{\"job\": \"nokind\"}\n");
  const auto bad_param = dir.write(
      "bad_param.jsonl", good + "\n{\"job\": \"primes\", \"params\": {\"from\": 9, \"to\": 5}}\n");
  const std::vector<bad_case> cases{
      {{"master", "--jobs", bad_json.string()}, {bad_json.string() + ":2", "JSON"}},
      {{"master", "--jobs", unknown_field.string()}, {unknown_field.string() + ":2", "bogus"}},
      {{"master", "--jobs", bad_type.string()}, {bad_type.string() + ":2", "max_attempts"}},
      {{"master", "--jobs", bad_duration.string()}, {bad_duration.string() + ":2", "deadline"}},
      {{"master", "--jobs", unknown_kind.string()}, {"2", "nokind"}},
      {{"master", "--jobs", bad_param.string()}, {"2", "from=9"}},
      // Blank lines are skipped but still counted: the message names the file's line 3.
      {{"master", "--jobs", after_blank.string()}, {after_blank.string() + ":3", "nokind"}},
  };
  for (const auto& c : cases) {
    const auto started = std::chrono::steady_clock::now();
    check_refused(c);
    // Line 1 sleeps 2 s: refusing without running it is quick.
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1500));
  }
}

TEST_CASE("help and version: --help and --version exit 0 on stdout") {
  const auto help = run_cohort({"--help"}, run_timeout);
  CHECK(help.exit_code == 0);
  CHECK(help.err.empty());
  CHECK_THAT(help.out, Catch::StartsWith("usage: cohort master"));
  for (const char* option : {"--job", "--jobs", "--local-workers", "--print-config", "--output",
                             "--dispatch", "--wait-for-workers"}) {
    CHECK_THAT(help.out, Catch::Contains(option));
  }
  // --help wins even beside a mistake.
  CHECK(run_cohort({"master", "--bogus", "--help"}, run_timeout).exit_code == 0);

  const auto version = run_cohort({"--version"}, run_timeout);
  CHECK(version.exit_code == 0);
  CHECK(version.err.empty());
  CHECK(lines_of(version.out).size() == 1);
  CHECK_THAT(version.out, Catch::StartsWith("cohort "));
}

TEST_CASE("print-config: every setting with its source, sorted by key") {
  const temp_dir dir;
  const auto config =
      dir.write("master.ini", "# settings\nslots = 2\nbatch = 3\n\n[scheduler]\nmax-threads = 5\n");
  const std::vector<std::string> args{
      "master", "--print-config", "--config", config.string(), "--batch",
      "7",      "--job",          "sleep",    "--param",       "ms=5"};
  const auto r = run_cohort(args, run_timeout);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  const std::regex row(R"((\S+) = (.*)  # (.+))");
  std::vector<std::string> keys;
  std::map<std::string, std::pair<std::string, std::string>> settings;
  for (const auto& line : lines_of(r.out)) {
    std::smatch m;
    INFO("line: " << line);
    REQUIRE(std::regex_match(line, m, row));
    keys.push_back(m[1]);
    settings[m[1]] = {m[2], m[3]};
  }
  CHECK(std::is_sorted(keys.begin(), keys.end()));
  using setting = std::pair<std::string, std::string>;
  CHECK(settings["batch"] == setting{"7", "command line"});
  CHECK(settings["slots"] == setting{"2", config.string() + ":2"});
  CHECK(settings["scheduler.max-threads"] == setting{"5", config.string() + ":6"});
  CHECK(settings["job"] == setting{"sleep", "command line"});
  CHECK(settings["param"] == setting{"ms=5", "command line"});
  CHECK(settings["config"] == setting{config.string(), "command line"});
  CHECK(settings["max-attempts"] == setting{"3", "default"});
  CHECK(settings["wait-for-workers"] == setting{"30s", "default"});
  CHECK(settings["dispatch"] == setting{"least-loaded", "default"});
  for (const char* key : {"local-workers", "min-workers", "concurrency", "require", "tags",
                          "log-level", "output", "max-message-size", "speculate", "deadline"}) {
    INFO("key " << key);
    CHECK(settings.count(key) == 1);
  }
}

TEST_CASE("print-config: the token is redacted") {
  const temp_dir dir;
  const auto token = dir.write("token", "s3cret-token-value\n");
  const auto r =
      run_cohort({"master", "--print-config", "--token-file", token.string()}, run_timeout);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, !Catch::Contains("s3cret-token-value"));
  CHECK_THAT(r.out, Catch::Contains("<redacted>"));
}

} // namespace

TEST_CASE("bad input: a near miss is answered with the nearest name and where to look") {
  const temp_dir dir;
  const auto conf = dir.write("near.ini", "lisen = 127.0.0.1:0\n");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"master", "--lisen", "1"},
       "cohort: unknown option '--lisen'; did you mean --listen? (cohort --help lists every "
       "option)\n"},
      {{"mastr"},
       "cohort: unknown mode 'mastr'; did you mean master? (master | worker | submit | "
       "wait | jobs | cancel | status | kinds)\n"},
      {{"master", "--job", "primez"},
       "cohort: unknown job kind 'primez'; did you mean primes? (known: chaos, exec, http, "
       "primes, sleep, sql, wordcount)\n"},
      {{"master", "--config", conf.string()},
       "cohort: " + conf.string() + ":1: unknown key 'lisen'; did you mean listen?\n"},
  };
  for (const auto& [args, said] : cases) {
    const auto r = run_cohort(args, run_timeout);
    INFO("cohort " << describe(args));
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == said);
  }
}

TEST_CASE("bad input: --print-config says unlimited, --help keeps test aids under their own "
          "heading, and sleep's ms takes a duration") {
  const auto printed = run_cohort({"master", "--print-config"}, run_timeout);
  CHECK(printed.exit_code == 0);
  CHECK_THAT(printed.out, Catch::Contains("scheduler.max-throughput = unlimited"));
  CHECK_THAT(printed.out, !Catch::Contains("18446744073709551615"));

  const auto help = run_cohort({"master", "--help"}, run_timeout);
  CHECK(help.exit_code == 0);
  const auto heading = help.out.find("\ntesting (test and benchmark aids):\n  --slowdown F");
  CHECK(heading != std::string::npos);
  CHECK(help.out.find("--slowdown") > help.out.find("--middleman.connection-timeout"));
  CHECK_THAT(help.out, Catch::Contains("job kinds: exec, http, primes, sleep, sql, wordcount"));
  CHECK_THAT(help.out, Catch::Contains("job kinds for testing: chaos"));

  const auto slept = run_cohort({"master", "--local-workers", "1", "--job", "sleep", "--param",
                                 "tasks=1", "--param", "ms=300ms"},
                                run_timeout);
  INFO(slept.out << slept.err);
  REQUIRE(slept.exit_code == 0);
  CHECK_THAT(slept.out, Catch::Contains("\"status\":\"ok\""));
  const std::regex wall("\"wall_s\":([0-9.]+)");
  std::smatch m;
  REQUIRE(std::regex_search(slept.out, m, wall));
  CHECK(std::stod(m[1]) >= 0.3);
}

TEST_CASE("bad input: scripts/make-certs says what it wrote") {
  const temp_dir dir;
  const auto where = (dir.path() / "certs").string();
  const auto r =
      run_process({std::string(COHORT_SOURCE_DIR) + "/scripts/make-certs", where}, run_timeout);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::StartsWith("wrote " + where + "/ca.pem and " + where + "/ca.key"));
  CHECK_THAT(r.out, Catch::Contains(where + "/node.pem"));
  CHECK(std::filesystem::exists(where + "/node.key"));
}
