// Unit tests of the job report: the output line's fields and their order.
#include "core/job_report.hpp"

#include <catch2/catch.hpp>

using namespace cohort;

TEST_CASE("an ok job's line shows its result, then stats with every worker that ran it",
          "[report]") {
  job_stats st{10, 12, 1, 1, 0, 2, 0.0000014, 0.25, 2.5, 0.5, 4, std::nullopt, false, {}, {}};
  st.workers.push_back({"a/0", "a", 6, 7, false});
  st.workers.push_back({"b/0", "b", 4, 5, true});
  nlohmann::ordered_json result;
  result["completed"] = 10;
  auto line = job_line({7, "sleep", ""}, {job_status::ok, {}, {}, result}, st);
  CHECK(line ==
        R"({"id":7,"job":"sleep","status":"ok","result":{"completed":10},"stats":{"tasks":10,)"
        R"("attempts":12,"retries":1,"reassigned":1,"speculative":0,"duplicates":2,)"
        R"("split_s":1e-06,"merge_s":0.25,"wall_s":2.5,"wait_s":0.5,)"
        R"("tasks_per_s":5.0,)"
        R"("peak_in_flight":4,"workers":[{"id":"a/0","host":"a","tasks":6,"attempts":7,)"
        R"("left":false},{"id":"b/0","host":"b","tasks":4,"attempts":5,"left":true}]}})");
}

TEST_CASE("a failed job's line has reason, error and a null result before its stats", "[report]") {
  auto line = job_line({2, "exec", ""}, {job_status::failed, "task", "task 3 failed", nullptr}, {});
  CHECK(line == R"({"id":2,"job":"exec","status":"failed","reason":"task","error":"task 3 failed",)"
                R"("result":null,"stats":{"tasks":0,"attempts":0,"retries":0,"reassigned":0,)"
                R"("speculative":0,"duplicates":0,"split_s":0.0,"merge_s":0.0,"wall_s":0.0,)"
                R"("wait_s":0.0,"tasks_per_s":0.0,"peak_in_flight":0,"workers":[]}})");
  auto cancelled =
      job_line({3, "exec", ""}, {job_status::cancelled, "cancelled", "stop", nullptr}, {});
  CHECK(cancelled.find(R"("status":"cancelled","reason":"cancelled")") != std::string::npos);
}

TEST_CASE("a job whose request to the master failed has a line with the fields of any other",
          "[report]") {
  auto line =
      nlohmann::ordered_json::parse(request_failed_line({0, "primes", "n"}, "request_timeout"));
  auto ran = nlohmann::ordered_json::parse(
      job_line({4, "primes", "n"}, {job_status::failed, "task", "x", nullptr},
               {3, 4, 1, 0, 0, 0, 0.1, 0.2, 0.3, 0.1, 2, std::nullopt, false, {{"w", "h"}}, {}}));
  std::vector<std::string> keys;
  std::vector<std::string> expected;
  for (auto& [k, v] : line.items()) {
    keys.push_back(k);
  }
  for (auto& [k, v] : ran.items()) {
    expected.push_back(k);
  }
  CHECK(keys == expected);
  CHECK(line["status"] == "failed");
  CHECK(line["reason"] == "task");
  CHECK(line["error"] == "request_timeout");
  CHECK(line["stats"].size() == ran["stats"].size());
  CHECK(line["stats"]["tasks"] == 0);
  CHECK(line["stats"]["wall_s"] == 0.0);
  CHECK(line["stats"]["workers"] == nlohmann::ordered_json::array());
}

TEST_CASE("invalid UTF-8 in a job's line is replaced", "[report]") {
  auto line = job_line({1, "exec", "bad \xfe name"},
                       {job_status::failed, "task", "bad \xff byte", nullptr}, {});
  CHECK(line.find("bad \xef\xbf\xbd byte") != std::string::npos);
  CHECK(line.find("bad \xef\xbf\xbd name") != std::string::npos);
}

TEST_CASE("a named job's line says its name after its id", "[report]") {
  auto line = job_line({5, "sleep", "nightly"}, {job_status::ok, {}, {}, nullptr}, {});
  CHECK(line.rfind(R"({"id":5,"name":"nightly","job":"sleep","status":"ok",)", 0) == 0);
}
