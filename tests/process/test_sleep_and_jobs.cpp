// Process tests of sleep, jobs files, output, dispatch, credit, failures, signals and workers.
#include "tests/process/cohort_run.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <utility>

namespace {

using namespace cohort::test;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr auto run_timeout = std::chrono::seconds(60);

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Runs cohort master with args; its job lines, after checking the exit code.
std::vector<json> master_lines(std::vector<std::string> args, int exit_code) {
  args.insert(args.begin(), "master");
  const auto r = run_cohort(args, run_timeout);
  INFO("cohort " << describe(args) << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == exit_code);
  return job_lines(r.out);
}

TEST_CASE("sleep: 200 tasks of 300 ms wait at least 300 ms, concurrently") {
  const std::vector<std::string> args{"master",  "--local-workers", "2",       "--job", "sleep",
                                      "--param", "tasks=200",       "--param", "ms=300"};
  const auto r = run_cohort(args, run_timeout);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  const auto lines = job_lines(r.out);
  REQUIRE(lines.size() == 1);
  const auto& line = lines.front();
  CHECK(line["job"] == "sleep");
  REQUIRE(line["status"] == "ok");
  CHECK(line["result"]["completed"] == 200);
  CHECK(line["stats"]["tasks"] == 200);
  CHECK(line["stats"]["wall_s"].get<double>() >= 0.3);
  CHECK(r.wall >= 300ms);
  // One after another they would take a minute: the sleeps overlap.
  CHECK(r.wall < 6s);
}

TEST_CASE("sleep: ms=0 completes every task") {
  const auto lines = master_lines(
      {"--local-workers", "2", "--job", "sleep", "--param", "tasks=100000", "--param", "ms=0"}, 0);
  REQUIRE(lines.size() == 1);
  REQUIRE(lines.front()["status"] == "ok");
  CHECK(lines.front()["result"]["completed"] == 100000);
  CHECK(lines.front()["stats"]["tasks"] == 100000);
}

TEST_CASE("progress: --progress prints progress lines on stderr, without it a pipe gets none") {
  const std::vector<std::string> job{"--local-workers", "2",        "--job",   "sleep",
                                     "--param",         "tasks=10", "--param", "ms=1500"};
  const std::regex progress(
      R"(progress job=\d+ done=\d+ total=10 inflight=\d+ rate=(\d+|\?)/s eta=(\d+\.\d+s|\?))");
  for (const bool asked : {true, false}) {
    std::vector<std::string> args{"master"};
    if (asked) {
      args.emplace_back("--progress");
    }
    args.insert(args.end(), job.begin(), job.end());
    const auto r = run_cohort(args, run_timeout);
    INFO("cohort " << describe(args) << "\nstderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(job_lines(r.out).size() == 1);
    std::size_t progress_lines = 0;
    std::istringstream err(r.err);
    // The lifecycle lines (worker joined) aside, every line is a progress line.
    for (std::string line; std::getline(err, line);) {
      if (line.find(" info worker joined: ") != std::string::npos) {
        continue;
      }
      INFO("stderr line: " << line);
      CHECK(std::regex_match(line, progress));
      ++progress_lines;
    }
    CHECK((progress_lines > 0) == asked);
  }
}

TEST_CASE("credit: --concurrency and --slots cap the tasks in flight per worker actor") {
  const auto sleeps = master_lines({"--local-workers", "2", "--concurrency", "5", "--job", "sleep",
                                    "--param", "tasks=20", "--param", "ms=300"},
                                   0);
  REQUIRE(sleeps.size() == 1);
  REQUIRE(sleeps.front()["status"] == "ok");
  CHECK(sleeps.front()["stats"]["peak_in_flight"].get<std::uint64_t>() <= 10);
  // 20 tasks, at most 10 at a time: two rounds of 300 ms.
  CHECK(sleeps.front()["stats"]["wall_s"].get<double>() >= 0.6);

  const auto primes = master_lines({"--local-workers", "2", "--slots", "3", "--job", "primes",
                                    "--param", "to=1000000000", "--param", "tasks=50"},
                                   0);
  REQUIRE(primes.size() == 1);
  REQUIRE(primes.front()["status"] == "ok");
  CHECK(primes.front()["stats"]["peak_in_flight"].get<std::uint64_t>() <= 6);
  CHECK(primes.front()["result"]["count"] == 50847534);
}

TEST_CASE("jobs file: a sleep job beside a long primes job takes about its own time") {
  const temp_dir dir;
  const auto jobs =
      dir.write("jobs.jsonl", R"({"job": "primes", "params": {"to": 30000000000}})"
                              "\n"
                              R"({"job": "sleep", "params": {"tasks": 10, "ms": 100}})"
                              "\n");
  const auto lines = master_lines({"--local-workers", "2", "--jobs", jobs.string()}, 0);
  REQUIRE(lines.size() == 2);
  REQUIRE(lines[0]["status"] == "ok");
  REQUIRE(lines[1]["status"] == "ok");
  CHECK(lines[0]["result"]["count"] == 1300005926);
  // Primes tasks check in at least every 50 ms, so sleep timers fire on time while they run.
  const auto sleep_wall = lines[1]["stats"]["wall_s"].get<double>();
  CHECK(sleep_wall >= 0.1);
  CHECK(sleep_wall < 1.0);
  CHECK(sleep_wall < lines[0]["stats"]["wall_s"].get<double>());
}

TEST_CASE("jobs file: primes, sleep and wordcount at once, one line per job in input order") {
  const temp_dir dir;
  const auto text = dir.write("words/text.txt", "The cat and the Hat; the END\r\n");
  const auto jobs = dir.write(
      "jobs.jsonl",
      json{{"job", "sleep"}, {"params", {{"tasks", 50}, {"ms", 400}}}}.dump() + "\n" +
          json{{"job", "primes"}, {"params", {{"from", 0}, {"to", 20000000}}}}.dump() + "\n" +
          json{{"job", "wordcount"}, {"params", {{"path", text.parent_path()}}}}.dump() + "\n" +
          json{{"job", "primes"}, {"params", {{"from", "1000"}, {"to", "2000"}}}}.dump() + "\n" +
          json{{"job", "sleep"}, {"params", {{"tasks", 3}, {"ms", 0}}}}.dump() + "\n");
  const auto lines = master_lines({"--local-workers", "2", "--jobs", jobs.string()}, 0);
  REQUIRE(lines.size() == 5);
  for (const auto& line : lines) {
    CHECK(line["status"] == "ok");
  }
  CHECK(lines[0]["job"] == "sleep");
  CHECK(lines[0]["result"]["completed"] == 50);
  CHECK(lines[0]["stats"]["wall_s"].get<double>() >= 0.4);
  CHECK(lines[1]["job"] == "primes");
  CHECK(lines[1]["result"]["count"] == primesieve_count(0, 20000000));
  CHECK(lines[2]["job"] == "wordcount");
  CHECK(lines[2]["result"]["total"] == 7);
  CHECK(lines[2]["result"]["distinct"] == 5);
  CHECK(lines[2]["result"]["counts"]["the"] == 3);
  CHECK(lines[3]["job"] == "primes");
  CHECK(lines[3]["result"]["count"] == primesieve_count(1000, 2000));
  CHECK(lines[4]["job"] == "sleep");
  CHECK(lines[4]["result"]["completed"] == 3);
}

TEST_CASE("jobs file: configs/seed-demo.jsonl runs every job") {
  const std::filesystem::path demo = COHORT_SOURCE_DIR "/configs/seed-demo.jsonl";
  REQUIRE(std::filesystem::exists(demo));
  std::size_t jobs = 0;
  std::istringstream in(read_file(demo));
  for (std::string line; std::getline(in, line);) {
    jobs += line.empty() ? 0 : 1;
  }
  const std::vector<std::string> args{"master", "--local-workers", "2", "--jobs", demo.string()};
  const auto r = run_cohort(args, run_timeout);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  const auto lines = job_lines(r.out);
  REQUIRE(lines.size() == jobs);
  for (const auto& line : lines) {
    CHECK(line["status"] == "ok");
    CHECK(line["result"]["completed"] == 100);
    CHECK(line["stats"]["tasks"] == 100);
  }
  // Ten jobs of 1 s tasks, all latency-bound: they run side by side.
  CHECK(r.wall >= 1s);
  CHECK(r.wall < 10s);
}

TEST_CASE("output: --output FILE gets the lines and stdout stays empty") {
  const temp_dir dir;
  const auto out = dir.path() / "out.jsonl";
  const auto jobs = dir.write("jobs.jsonl", R"({"job": "sleep", "params": {"tasks": 5, "ms": 10}})"
                                            "\n"
                                            R"({"job": "primes", "params": {"to": 1000}})"
                                            "\n");
  const std::vector<std::string> args{"master",      "--local-workers", "2",         "--jobs",
                                      jobs.string(), "--output",        out.string()};
  const auto r = run_cohort(args, run_timeout);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.empty());
  const auto lines = job_lines(read_file(out));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0]["result"]["completed"] == 5);
  CHECK(lines[1]["result"]["count"] == 168);
}

TEST_CASE("dispatch: the policies give the same exact primes count") {
  const auto expected = primesieve_count(0, 300000000);
  for (const char* policy : {"least-loaded", "round-robin", "designated"}) {
    INFO("--dispatch " << policy);
    const auto lines = master_lines({"--local-workers", "2", "--dispatch", policy, "--job",
                                     "primes", "--param", "to=300000000", "--param", "tasks=40"},
                                    0);
    REQUIRE(lines.size() == 1);
    REQUIRE(lines.front()["status"] == "ok");
    CHECK(lines.front()["result"]["count"] == expected);
    CHECK(lines.front()["stats"]["tasks"] == 40);
  }
}

TEST_CASE("chaos: a task that always throws fails the job, naming the task") {
  const auto lines = master_lines({"--local-workers", "2", "--max-attempts", "2", "--job", "chaos",
                                   "--param", "tasks=10", "--param", "throw=3"},
                                  1);
  REQUIRE(lines.size() == 1);
  const auto& line = lines.front();
  CHECK(line["job"] == "chaos");
  CHECK(line["status"] == "failed");
  CHECK(line["reason"] == "task");
  CHECK(line["result"].is_null());
  const auto error = line["error"].get<std::string>();
  CHECK_THAT(error, Catch::Contains("task 3"));
  CHECK_THAT(error, Catch::Contains("throws"));
  CHECK(line["stats"]["retries"] == 1);
}

TEST_CASE("chaos: a task that throws on its first attempt only is retried and the job succeeds") {
  const auto lines = master_lines({"--local-workers", "2", "--job", "chaos", "--param", "tasks=10",
                                   "--param", "throw=3", "--param", "mode=first"},
                                  0);
  REQUIRE(lines.size() == 1);
  const auto& line = lines.front();
  REQUIRE(line["status"] == "ok");
  CHECK(line["result"]["completed"] == 10);
  CHECK(line["stats"]["tasks"] == 10);
  CHECK(line["stats"]["retries"].get<std::uint64_t>() >= 1);
}

TEST_CASE("jobs file: a failing job beside good ones, which stay ok, exits 1") {
  const temp_dir dir;
  const auto jobs = dir.write(
      "jobs.jsonl", R"({"job": "sleep", "params": {"tasks": 20, "ms": 50}})"
                    "\n"
                    R"({"job": "chaos", "params": {"tasks": 10, "throw": "3"}, "max_attempts": 2})"
                    "\n"
                    R"({"job": "primes", "params": {"from": 0, "to": 100000}})"
                    "\n");
  const auto lines = master_lines({"--local-workers", "2", "--jobs", jobs.string()}, 1);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0]["job"] == "sleep");
  CHECK(lines[0]["status"] == "ok");
  CHECK(lines[0]["result"]["completed"] == 20);
  CHECK(lines[1]["job"] == "chaos");
  CHECK(lines[1]["status"] == "failed");
  CHECK(lines[1]["reason"] == "task");
  CHECK_THAT(lines[1]["error"].get<std::string>(), Catch::Contains("task 3"));
  CHECK(lines[2]["job"] == "primes");
  CHECK(lines[2]["status"] == "ok");
  CHECK(lines[2]["result"]["count"] == 9592);
}

TEST_CASE("require: a tag no worker has fails with no-workers after --wait-for-workers") {
  const std::vector<std::string> args{
      "master", "--local-workers", "2",     "--require", "gpu",     "--wait-for-workers",
      "1s",     "--job",           "sleep", "--param",   "tasks=10"};
  const auto r = run_cohort(args, run_timeout);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 1);
  const auto lines = job_lines(r.out);
  REQUIRE(lines.size() == 1);
  CHECK(lines.front()["status"] == "failed");
  CHECK(lines.front()["reason"] == "no-workers");
  CHECK_THAT(lines.front()["error"].get<std::string>(), Catch::Contains("gpu"));
  CHECK(r.wall >= 1s);
  CHECK(r.wall < 5s);
}

TEST_CASE("require: a tag the workers carry runs the job") {
  const auto lines =
      master_lines({"--local-workers", "2", "--tags", "gpu,big", "--require", "gpu",
                    "--wait-for-workers", "1s", "--job", "sleep", "--param", "tasks=10"},
                   0);
  REQUIRE(lines.size() == 1);
  CHECK(lines.front()["status"] == "ok");
  CHECK(lines.front()["result"]["completed"] == 10);
}

TEST_CASE("deadline: a job still running at --deadline fails with reason deadline") {
  const std::vector<std::string> args{"master",  "--local-workers", "2",       "--deadline",
                                      "500ms",   "--job",           "sleep",   "--param",
                                      "tasks=5", "--param",         "ms=20000"};
  const auto r = run_cohort(args, run_timeout);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 1);
  const auto lines = job_lines(r.out);
  REQUIRE(lines.size() == 1);
  CHECK(lines.front()["status"] == "failed");
  CHECK(lines.front()["reason"] == "deadline");
  CHECK(r.wall >= 500ms);
  CHECK(r.wall < 5s);
}

TEST_CASE("signals: SIGTERM and SIGINT cancel the running jobs, then exit 143 and 130") {
  const temp_dir dir;
  const auto jobs =
      dir.write("jobs.jsonl", R"({"job": "sleep", "params": {"tasks": 5, "ms": 20000}})"
                              "\n"
                              R"({"job": "sleep", "params": {"tasks": 5, "ms": 30000}})"
                              "\n");
  for (const auto& [number, code] : {std::pair{SIGTERM, 143}, std::pair{SIGINT, 130}}) {
    INFO("signal " << number);
    const auto r =
        run_process({COHORT_BINARY, "master", "--local-workers", "2", "--jobs", jobs.string()},
                    run_timeout, {}, {number, 500ms});
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == code);
    const auto lines = job_lines(r.out);
    REQUIRE(lines.size() == 2);
    for (const auto& line : lines) {
      CHECK(line["status"] == "cancelled");
      CHECK(line["reason"] == "cancelled");
    }
    CHECK(r.wall < 10s);
  }
}

TEST_CASE("no workers: --local-workers 0 fails with no-workers after --wait-for-workers") {
  const std::vector<std::string> args{"master", "--local-workers", "0",    "--wait-for-workers",
                                      "1s",     "--job",           "sleep"};
  const auto r = run_cohort(args, run_timeout);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 1);
  const auto lines = job_lines(r.out);
  REQUIRE(lines.size() == 1);
  CHECK(lines.front()["status"] == "failed");
  CHECK(lines.front()["reason"] == "no-workers");
  CHECK(r.wall >= 1s);
  CHECK(r.wall < 5s);
}

} // namespace
