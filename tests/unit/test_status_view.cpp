// Unit tests of the status view: the JSON of /api/status, the Prometheus text of /metrics (names,
// types, escaped labels, cumulative buckets), the event log's bound and the histogram's buckets.
#include "core/status_view.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sstream>

using namespace cohort;

namespace {

status_view sample_view() {
  status_view v;
  v.uptime_s = 12.3456;
  v.instance = "abc";
  worker_view w;
  w.id = "host/1/0";
  w.host = "host";
  w.tags = {"gpu"};
  w.slots = 2;
  w.concurrency = 10;
  w.in_flight = 1;
  w.tasks = 40;
  w.rate = 3.25;
  w.last_heard_s = 0.5;
  v.workers.push_back(w);
  job_view running;
  running.id = 3;
  running.name = "nightly";
  running.kind = "primes";
  running.state = "running";
  running.done = 40;
  running.total = 100;
  running.in_flight = 1;
  running.rate = 3.25;
  running.eta_s = 18.4615;
  running.wall_s = 12;
  v.jobs.push_back(running);
  job_view queued;
  queued.id = 4;
  queued.kind = "sleep";
  queued.state = "queued";
  queued.total = 5;
  queued.waiting = "0 of 1 joined (30 s left)";
  v.jobs.push_back(queued);
  v.events.push_back({1.7e9, "worker joined: host/1/0 on host"});
  v.tasks[{"primes", "ok"}] = 40;
  v.tasks[{"we\"ird\\kind\n", "failed"}] = 1;
  v.task_seconds.add(0.0005);
  v.task_seconds.add(0.2);
  v.task_seconds.add(1000);
  v.messages_dropped = 7;
  v.connections_refused = 2;
  return v;
}

// The value of the sample line that starts with `prefix` followed by a space.
std::string value_of(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(prefix + " ", 0) == 0) {
      return line.substr(prefix.size() + 1);
    }
  }
  return "(none)";
}

} // namespace

TEST_CASE("status_view: /api/status holds workers, jobs and events", "[status_view]") {
  const auto j = nlohmann::json::parse(status_json(sample_view()));
  CHECK(j["uptime_s"] == 12.346);
  CHECK(j["instance"] == "abc");
  REQUIRE(j["workers"].size() == 1);
  CHECK(j["workers"][0]["id"] == "host/1/0");
  CHECK(j["workers"][0]["tags"] == nlohmann::json::array({"gpu"}));
  CHECK(j["workers"][0]["tasks"] == 40);
  CHECK(j["workers"][0]["rate"] == 3.25);
  REQUIRE(j["jobs"].size() == 2);
  CHECK(j["jobs"][0]["name"] == "nightly");
  CHECK(j["jobs"][0]["job"] == "primes");
  CHECK(j["jobs"][0]["eta_s"] == 18.462);
  CHECK_FALSE(j["jobs"][1].contains("name"));
  CHECK(j["jobs"][1]["rate"].is_null());
  CHECK(j["jobs"][1]["eta_s"].is_null());
  CHECK(j["jobs"][1]["waiting"] == "0 of 1 joined (30 s left)");
  REQUIRE(j["events"].size() == 1);
  CHECK(j["events"][0]["text"] == "worker joined: host/1/0 on host");
}

TEST_CASE("status_view: /metrics names, types, labels and buckets", "[status_view]") {
  const auto text = metrics_text(sample_view());
  CHECK(text.find("# TYPE cohort_workers gauge\n") != std::string::npos);
  CHECK(value_of(text, "cohort_workers") == "1");
  CHECK(value_of(text, "cohort_jobs_running") == "1");
  CHECK(value_of(text, "cohort_jobs_queued") == "1");
  CHECK(value_of(text, "cohort_tasks_in_flight") == "1");
  CHECK(value_of(text, "cohort_tasks_total{kind=\"primes\",outcome=\"ok\"}") == "40");
  CHECK(value_of(text, "cohort_tasks_total{kind=\"we\\\"ird\\\\kind\\n\",outcome=\"failed\"}") ==
        "1");
  CHECK(text.find("# TYPE cohort_task_seconds histogram\n") != std::string::npos);
  CHECK(value_of(text, "cohort_task_seconds_bucket{le=\"0.001\"}") == "1");
  CHECK(value_of(text, "cohort_task_seconds_bucket{le=\"0.5\"}") == "2");
  CHECK(value_of(text, "cohort_task_seconds_bucket{le=\"600\"}") == "2");
  CHECK(value_of(text, "cohort_task_seconds_bucket{le=\"+Inf\"}") == "3");
  CHECK(value_of(text, "cohort_task_seconds_count") == "3");
  CHECK(value_of(text, "cohort_messages_dropped_total") == "7");
  CHECK(value_of(text, "cohort_connections_refused_total") == "2");
  CHECK(text.back() == '\n');
}

TEST_CASE("status_view: the event log keeps the newest, the histogram counts each value once",
          "[status_view]") {
  event_log log(3);
  for (int i = 0; i < 5; ++i) {
    log.add(i, "event " + std::to_string(i));
  }
  REQUIRE(log.all().size() == 3);
  CHECK(log.all().front().text == "event 2");
  CHECK(log.all().back().text == "event 4");
  histogram h({1, 2});
  h.add(1);
  h.add(1.5);
  h.add(3);
  CHECK(h.counts() == std::vector<std::uint64_t>{1, 1, 1});
  CHECK(h.count() == 3);
  CHECK(h.sum() == 5.5);
  CHECK_THROWS_AS(histogram({2, 1}), std::invalid_argument);
}
