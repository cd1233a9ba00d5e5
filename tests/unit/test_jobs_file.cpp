// The jobs-file reader: fields, per-job defaults, parameter text, FILE:LINE errors naming fields.
#include "app/jobs_file.hpp"
#include "cohort/registry.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace std::chrono_literals;
using cohort::job_request;
using cohort::app::jobs_file_error;
using cohort::app::parse_jobs;
using cohort::app::read_jobs_file;

namespace {

std::vector<job_request> parse(const std::string& text, const job_request& defaults = {}) {
  std::istringstream in(text);
  std::vector<job_request> out;
  for (auto& j : parse_jobs(in, "jobs.jsonl", defaults)) {
    out.push_back(std::move(j.job));
  }
  return out;
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const jobs_file_error& e) {
    return e.what();
  }
  FAIL("no jobs_file_error thrown");
  return {};
}

} // namespace

TEST_CASE("jobs file: every field", "[jobs_file]") {
  auto jobs =
      parse(R"({"job": "sleep", "params": {"tasks": 10, "ms": "5"}, "require": ["gpu", "ssd"],)"
            R"( "task_timeout": "1.5s", "deadline": "2min", "max_attempts": 5,)"
            R"( "speculate": false, "concurrency": 7})");
  REQUIRE(jobs.size() == 1);
  const auto& j = jobs[0];
  CHECK(j.kind == "sleep");
  CHECK(j.args.describe() == "ms=5 tasks=10");
  CHECK(j.require == std::vector<std::string>{"gpu", "ssd"});
  CHECK(j.task_timeout == 1500ms);
  CHECK(j.deadline == 2min);
  CHECK(j.max_attempts == 5);
  CHECK_FALSE(j.speculate);
  CHECK(j.concurrency == 7u);
}

TEST_CASE("jobs file: defaults apply, fields override them per line, blank lines skip",
          "[jobs_file]") {
  job_request defaults;
  defaults.require = {"cpu"};
  defaults.task_timeout = 3s;
  defaults.max_attempts = 9;
  defaults.speculate = false;
  auto jobs = parse("{\"job\": \"primes\"}\n"
                    "\n"
                    "   \r\n"
                    R"({"job": "sleep", "require": [], "task_timeout": "off", "max_attempts": 1})"
                    "\n",
                    defaults);
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[0].kind == "primes");
  CHECK(jobs[0].require == std::vector<std::string>{"cpu"});
  CHECK(jobs[0].task_timeout == 3s);
  CHECK(jobs[0].max_attempts == 9);
  CHECK_FALSE(jobs[0].speculate);
  CHECK_FALSE(jobs[0].concurrency.has_value());
  CHECK(jobs[1].require.empty());
  CHECK_FALSE(jobs[1].task_timeout.has_value());
  CHECK(jobs[1].max_attempts == 1);
}

TEST_CASE("jobs file: parameter values become text", "[jobs_file]") {
  auto jobs =
      parse(R"({"job": "k", "params": {"big": 10000000000, "max": 18446744073709551615,)"
            R"( "neg": -5, "f": 1.5, "e": 1e3, "t": true, "no": false, "s": "x y", "empty": ""}})");
  const auto& a = jobs[0].args;
  CHECK(a.get("big") == "10000000000");
  CHECK(a.get("max") == "18446744073709551615");
  CHECK(a.get("neg") == "-5");
  CHECK(a.get("f") == "1.5");
  CHECK(a.get("e") == "1000.0");
  CHECK(a.get("t") == "true");
  CHECK(a.get("no") == "false");
  CHECK(a.get("s") == "x y");
  CHECK(a.get("empty") == "");
}

TEST_CASE("jobs file: errors name file, line and field", "[jobs_file]") {
  CHECK(error_of("{\"job\": \"a\"}\n{\"job\": \"b\", \"colour\": 1}\n") ==
        "jobs.jsonl:2: unknown field 'colour' (known: job, name, priority, params, require, "
        "task_timeout, "
        "deadline, max_attempts, speculate, concurrency)");
  CHECK(error_of("\n{\"params\": {}}\n") == "jobs.jsonl:2: missing field 'job'");
  CHECK(error_of(R"({"job": 5})") == "jobs.jsonl:1: field 'job' must be a non-empty string, got 5");
  CHECK(error_of(R"({"job": ""})") ==
        "jobs.jsonl:1: field 'job' must be a non-empty string, got \"\"");
  CHECK(error_of(R"({"job": "a", "params": [1]})") ==
        "jobs.jsonl:1: field 'params' must be an object, got [1]");
  CHECK(error_of(R"({"job": "a", "params": {"x": null}})") ==
        "jobs.jsonl:1: field 'params.x' must be a string, number or bool, got null");
  CHECK(error_of(R"({"job": "a", "params": {"x": [1, 2]}})") ==
        "jobs.jsonl:1: field 'params.x' must be a string, number or bool, got [1,2]");
  CHECK(error_of(R"({"job": "a", "params": {"": 1}})") ==
        "jobs.jsonl:1: field 'params' has a parameter with an empty name");
  CHECK(error_of(R"({"job": "a", "require": "gpu"})") ==
        "jobs.jsonl:1: field 'require' must be an array of tags, got \"gpu\"");
  CHECK(
      error_of(R"({"job": "a", "require": ["a b"]})") ==
      "jobs.jsonl:1: field 'require' must hold tags (non-empty, no blanks or commas), got \"a b\"");
  CHECK(error_of(R"({"job": "a", "require": [1]})") ==
        "jobs.jsonl:1: field 'require' must hold tags (non-empty, no blanks or commas), got 1");
  CHECK(
      error_of(R"({"job": "a", "task_timeout": 5})") ==
      "jobs.jsonl:1: field 'task_timeout' must be a duration string such as \"500ms\" or \"off\", "
      "got 5");
  CHECK(error_of(R"({"job": "a", "task_timeout": "5"})") ==
        "jobs.jsonl:1: field 'task_timeout': bad duration '5': a unit is required (ns, us, ms, s, "
        "min, h)");
  CHECK(error_of(R"({"job": "a", "deadline": "0s"})") ==
        "jobs.jsonl:1: field 'deadline' must be more than 0s (or \"off\"), got \"0s\"");
  CHECK(error_of(R"({"job": "a", "max_attempts": 0})") ==
        "jobs.jsonl:1: field 'max_attempts' must be an integer from 1 to 4294967295, got 0");
  CHECK(error_of(R"({"job": "a", "max_attempts": -1})") ==
        "jobs.jsonl:1: field 'max_attempts' must be an integer from 1 to 4294967295, got -1");
  CHECK(error_of(R"({"job": "a", "max_attempts": 2.5})") ==
        "jobs.jsonl:1: field 'max_attempts' must be an integer from 1 to 4294967295, got 2.5");
  CHECK(
      error_of(R"({"job": "a", "concurrency": 4294967296})") ==
      "jobs.jsonl:1: field 'concurrency' must be an integer from 1 to 4294967295, got 4294967296");
  CHECK(error_of(R"({"job": "a", "concurrency": "3"})") ==
        "jobs.jsonl:1: field 'concurrency' must be an integer from 1 to 4294967295, got \"3\"");
  CHECK(error_of(R"({"job": "a", "speculate": "on"})") ==
        "jobs.jsonl:1: field 'speculate' must be true or false, got \"on\"");
  CHECK(error_of(R"(["job", "a"])") ==
        "jobs.jsonl:1: a job line must be a JSON object, got [\"job\",\"a\"]");
  CHECK(error_of(R"({"job": "a", "job": "b"})") == "jobs.jsonl:1: duplicate key 'job'");
  CHECK(error_of(R"({"job": "a", "params": {"x": 1, "x": 2}})") ==
        "jobs.jsonl:1: duplicate key 'x'");
}

TEST_CASE("jobs file: bad JSON names the line and column", "[jobs_file]") {
  auto e = error_of("{\"job\": \"a\"}\n{\"job\": \"b\",}\n");
  CHECK(e.rfind("jobs.jsonl:2: bad JSON at column ", 0) == 0);
  CHECK(e.find("[json.exception") == std::string::npos);
  CHECK(e.find('\n') == std::string::npos);
  CHECK(error_of("{\"job\": \"a\"} trailing").rfind("jobs.jsonl:1: bad JSON at column ", 0) == 0);
}

TEST_CASE("jobs file: no jobs is an error", "[jobs_file]") {
  CHECK(error_of("") == "jobs.jsonl: no jobs in the file");
  CHECK(error_of("\n  \n") == "jobs.jsonl: no jobs in the file");
}

TEST_CASE("jobs file: reading files", "[jobs_file]") {
  char dir_template[] = "/tmp/cohort-jobs-XXXXXX";
  REQUIRE(mkdtemp(dir_template) != nullptr);
  std::filesystem::path dir = dir_template;
  auto path = (dir / "jobs.jsonl").string();
  std::ofstream(path) << "{\"job\": \"primes\", \"params\": {\"to\": 100}}\n{\"job\": \"sleep\"}\n";
  auto kinds = cohort::builtin_registry();
  auto jobs = read_jobs_file(path, {});
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[0].job.args.get("to") == "100");
  CHECK(jobs[1].job.kind == "sleep");

  // Each job is checked against the kinds, and an error names its line.
  std::ofstream(path) << "{\"job\": \"sleep\"}\n\n{\"job\": \"primes\"}\n";
  try {
    cohort::app::check_jobs(read_jobs_file(path, {}), path, *kinds);
    FAIL("no jobs_file_error thrown");
  } catch (const jobs_file_error& e) {
    CHECK(std::string(e.what()) == path + ":3: primes: param 'to' is required");
  }

  auto missing = (dir / "missing.jsonl").string();
  try {
    read_jobs_file(missing, {});
    FAIL("no jobs_file_error thrown");
  } catch (const jobs_file_error& e) {
    CHECK(std::string(e.what()) ==
          "cannot read jobs file '" + missing + "': No such file or directory");
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("jobs file: a job's name and priority are read, and bad ones named", "[jobs_file]") {
  auto jobs = parse("{\"job\": \"sleep\", \"name\": \"nightly\", \"priority\": -5}\n");
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].name == "nightly");
  CHECK(jobs[0].priority == -5);
  CHECK(error_of("{\"job\": \"sleep\", \"name\": 3}\n") ==
        "jobs.jsonl:1: field 'name' must be a string, got 3");
  CHECK(error_of("{\"job\": \"sleep\", \"priority\": 1.5}\n") ==
        "jobs.jsonl:1: field 'priority' must be a whole number, got 1.5");
  CHECK(error_of("{\"job\": \"sleep\", \"priority\": 5000}\n") ==
        "jobs.jsonl:1: field 'priority' must be from -1000 to 1000, got 5000");
}
