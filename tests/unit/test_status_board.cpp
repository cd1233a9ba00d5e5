// Unit tests of what a master core shows on its status page, in simulated time: workers with their
// merged tasks and rates, jobs with progress, rate and ETA once measured, the wait for workers,
// attempts by outcome, task run times and events.
#include "core/master_core.hpp"

#include "tests/unit/test_kinds.hpp"

#include <catch2/catch.hpp>

using namespace cohort;
using clock_type = master_core::clock;

namespace {

clock_type::time_point t(int ms) {
  return clock_type::time_point{} + std::chrono::milliseconds(ms);
}

worker_entry worker(std::string id) {
  worker_entry w;
  w.node = id;
  w.id = std::move(id);
  w.host = "test";
  w.slots = 2;
  return w;
}

job_request job_of(std::uint64_t tasks, std::string name = {}) {
  job_request r;
  r.args.set("tasks", std::to_string(tasks));
  r.name = std::move(name);
  r.speculate = false;
  return r;
}

// Answers each batch sent at `at` with ok for its first task and failed for the rest.
void answer_first_ok(master_core& m, int at) {
  for (auto& b : m.dispatch(t(at))) {
    std::vector<task_result> out;
    for (std::size_t i = 0; i < b.tasks.size(); ++i) {
      out.push_back({b.tasks[i].index, b.tasks[i].attempt,
                     i == 0 ? task_outcome::ok : task_outcome::failed, partial{1, {}}, "boom"});
    }
    m.on_results(b.id, b.worker, std::move(out), true, t(at + 50));
  }
}

} // namespace

TEST_CASE("status board: a job's progress, rate and ETA, each worker's tasks, and counters",
          "[status_board]") {
  test::fake_kind kind;
  master_settings s;
  s.batch = 2;
  master_core m(s);
  m.add_worker(worker("a"), t(0));
  m.submit(test::checked(kind, job_of(1000, "big")), t(0));
  auto v = m.view(t(0));
  REQUIRE(v.workers.size() == 1);
  CHECK(v.workers[0].id == "a");
  CHECK(v.workers[0].tasks == 0);
  REQUIRE(v.jobs.size() == 1);
  CHECK(v.jobs[0].name == "big");
  CHECK(v.jobs[0].state == "queued");
  CHECK(v.jobs[0].total == 1000);
  CHECK_FALSE(v.jobs[0].rate);
  // One task merged and one failed (to be retried) per batch, a batch each 100 ms, for 3 s.
  for (int at = 0; at <= 3000; at += 100) {
    m.tick(t(at));
    answer_first_ok(m, at);
  }
  m.tick(t(3100));
  v = m.view(t(3100));
  REQUIRE(v.jobs.size() == 1);
  const auto& j = v.jobs[0];
  CHECK(j.state == "running");
  CHECK(j.done == 31);
  CHECK(j.retries > 0);
  REQUIRE(j.rate);
  CHECK(*j.rate == Approx(10.0).epsilon(0.1));
  REQUIRE(j.eta_s);
  CHECK(*j.eta_s == Approx(969 / *j.rate));
  CHECK(v.workers[0].tasks == 31);
  REQUIRE(v.workers[0].rate);
  CHECK(v.workers[0].last_heard_s == Approx(0.05));
  CHECK(v.tasks.at({"fake", "ok"}) == 31);
  CHECK(v.tasks.at({"fake", "failed"}) == 31);
  CHECK(v.task_seconds.count() == 31);
  CHECK(v.task_seconds.sum() == Approx(31 * 0.05));
  REQUIRE_FALSE(v.events.empty());
  CHECK(v.events.front().text == "worker joined: a on test");
}

TEST_CASE(
    "status board: a job waiting for workers says so, and a lost worker's attempts count as lost",
    "[status_board]") {
  test::fake_kind kind;
  master_settings s;
  s.wait_for_workers = std::chrono::seconds(30);
  master_core m(s);
  m.submit(test::checked(kind, job_of(10)), t(0));
  m.tick(t(0));
  m.tick(t(2000));
  auto v = m.view(t(2000));
  REQUIRE(v.jobs.size() == 1);
  CHECK(v.jobs[0].state == "waiting");
  CHECK(v.jobs[0].waiting == "0 of --min-workers 1 workers joined (28 s left)");
  auto a = m.add_worker(worker("a"), t(2100));
  REQUIRE(m.dispatch(t(2100)).size() == 1);
  m.remove_worker(a, t(2200));
  m.note("worker left: a (lost: connection closed)");
  v = m.view(t(2200));
  CHECK(v.workers.empty());
  CHECK(v.tasks.at({"fake", "lost"}) == 2);
  CHECK(v.events.back().text == "worker left: a (lost: connection closed)");
}
