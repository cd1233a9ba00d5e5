// cohort_run: runs the binary under test, checks its job lines, asks primesieve for counts.
#include "tests/process/cohort_run.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <iostream>
#include <regex>
#include <sstream>

namespace cohort::test {

using nlohmann::json;

process_result run_cohort(std::vector<std::string> args, std::chrono::milliseconds timeout) {
  args.insert(args.begin(), COHORT_BINARY);
  return run_process(std::move(args), timeout);
}

std::vector<json> job_lines(const std::string& out) {
  std::vector<json> lines;
  std::istringstream in(out);
  std::string text;
  while (std::getline(in, text)) {
    INFO("line: " << text);
    REQUIRE(json::accept(text));
    lines.push_back(json::parse(text));
    check_job_line(lines.back());
  }
  return lines;
}

void check_job_line(const json& line) {
  INFO("job line: " << line.dump());
  REQUIRE(line.is_object());
  REQUIRE(line.contains("job"));
  CHECK(line["job"].is_string());
  REQUIRE(line.contains("status"));
  const auto status = line["status"].get<std::string>();
  CHECK((status == "ok" || status == "failed" || status == "cancelled"));
  REQUIRE(line.contains("result"));
  if (status == "ok") {
    CHECK(line["result"].is_object());
    CHECK_FALSE(line.contains("reason"));
    CHECK_FALSE(line.contains("error"));
  } else {
    REQUIRE(line.contains("reason"));
    const auto reason = line["reason"].get<std::string>();
    CHECK((reason == "task" || reason == "deadline" || reason == "no-workers" ||
           reason == "limit" || reason == "cancelled" || reason == "commands"));
    REQUIRE(line.contains("error"));
    CHECK(line["error"].is_string());
    CHECK(line["error"].get<std::string>().find('\n') == std::string::npos);
  }

  REQUIRE(line.contains("stats"));
  const auto& stats = line["stats"];
  for (const char* key : {"tasks", "attempts", "retries", "reassigned", "speculative", "duplicates",
                          "peak_in_flight"}) {
    INFO("stats key " << key);
    REQUIRE(stats.contains(key));
    REQUIRE(stats[key].is_number_unsigned());
  }
  for (const char* key : {"split_s", "merge_s", "wall_s", "tasks_per_s"}) {
    INFO("stats key " << key);
    REQUIRE(stats.contains(key));
    REQUIRE(stats[key].is_number());
    CHECK(stats[key].get<double>() >= 0);
  }
  REQUIRE(stats.contains("workers"));
  REQUIRE(stats["workers"].is_array());
  static const std::regex worker_id(R"(([^/]+)/[0-9]+/[0-9]+)"); // host/pid/n
  std::uint64_t worker_tasks = 0;
  for (const auto& w : stats["workers"]) {
    INFO("worker: " << w.dump());
    REQUIRE(w.contains("id"));
    REQUIRE(w.contains("host"));
    REQUIRE(w.contains("tasks"));
    REQUIRE(w.contains("attempts"));
    REQUIRE(w.contains("left"));
    std::smatch m;
    const auto id_text = w["id"].get<std::string>();
    REQUIRE(std::regex_match(id_text, m, worker_id));
    CHECK(m[1] == w["host"].get<std::string>());
    CHECK(w["left"].is_boolean());
    CHECK(w["tasks"].get<std::uint64_t>() <= w["attempts"].get<std::uint64_t>());
    worker_tasks += w["tasks"].get<std::uint64_t>();
  }
  const auto n = [&stats](const char* key) {
    return stats[key].get<std::uint64_t>();
  };
  CHECK(worker_tasks == n("tasks"));
  const auto accounted = n("tasks") + n("retries") + n("reassigned") + n("speculative");
  if (status == "ok") {
    CHECK(n("attempts") == accounted);
  } else {
    CHECK(n("attempts") >= accounted);
  }
}

std::uint64_t test_seed() {
  static const std::uint64_t seed = [] {
    const char* env = std::getenv("COHORT_TEST_SEED");
    const std::uint64_t s = env != nullptr && *env != '\0'
                                ? std::stoull(env)
                                : static_cast<std::uint64_t>(
                                      std::chrono::system_clock::now().time_since_epoch().count());
    std::cout << "COHORT_TEST_SEED=" << s << std::endl;
    return s;
  }();
  return seed;
}

std::uint64_t primesieve_count(std::uint64_t from, std::uint64_t to) {
  if (to <= from) {
    return 0;
  }
  const std::vector<std::string> argv{"primesieve", std::to_string(from), std::to_string(to - 1)};
  const auto r = run_process(argv, std::chrono::seconds(60));
  INFO(describe(argv) << "\n" << r.err);
  REQUIRE(r.exit_code == 0);
  const std::string label = "Primes: ";
  const auto at = r.out.find(label);
  REQUIRE(at != std::string::npos);
  return std::stoull(r.out.substr(at + label.size()));
}

} // namespace cohort::test
