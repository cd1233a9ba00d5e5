// Unit tests of client_desk with a master_core in simulated time, no actors: submissions from
// clients, wait, cancel, listings, status, progress and data roots.
#include "cohort/count_reducer.hpp"
#include "core/client_desk.hpp"
#include "core/request_json.hpp"
#include "jobs/chaos.hpp"
#include "jobs/wordcount.hpp"

#include "tests/unit/master_helpers.hpp"
#include "tests/unit/test_kinds.hpp"

#include "tests/unit/scratch_dir.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace cohort;
using clock_type = master_core::clock;

namespace {

using test::answers;

using test::fake_kind;

std::shared_ptr<const registry> test_kinds() {
  auto r = std::make_shared<registry>();
  r->add(std::make_shared<fake_kind>());
  r->add(make_wordcount_kind());
  r->add(make_chaos_kind());
  return r;
}

// Simulated time: `ms` milliseconds after the epoch.
clock_type::time_point t(int ms) {
  return clock_type::time_point{} + std::chrono::milliseconds(ms);
}

job_request fake_job(std::uint64_t tasks, std::string name = {}) {
  job_request r;
  r.kind = "fake";
  r.args.set("tasks", std::to_string(tasks));
  r.name = std::move(name);
  r.speculate = false;
  return r;
}

submit_message submit_of(std::uint64_t ref, std::vector<job_request> jobs, bool wait = false,
                         bool progress = false) {
  submit_message m;
  m.ref = ref;
  m.jobs = std::move(jobs);
  m.wait = wait;
  m.progress = progress;
  return m;
}

worker_entry worker(std::string id, std::uint32_t slots = 1) {
  worker_entry w;
  w.node = id;
  w.id = std::move(id);
  w.host = "test";
  w.slots = slots;
  return w;
}

// A master_core and the desk in front of it.
struct desk_setup {
  master_core core;
  client_desk desk;

  explicit desk_setup(data_roots roots = data_roots({}), std::size_t history = 100,
                      master_settings settings = {})
      : core(std::move(settings)), desk(core, test_kinds(), std::move(roots), history, t(0), "i1") {
  }

  // Answers every batch the core sends at once, until no job runs; the desk is told of the ends.
  // Returns the job of each batch, in order.
  std::vector<std::uint64_t> run_all(clock_type::time_point now) {
    std::vector<std::uint64_t> order;
    for (int round = 0; core.running_jobs() > 0; ++round) {
      REQUIRE(round < 10000);
      auto sent = core.dispatch(now);
      REQUIRE_FALSE(sent.empty());
      for (auto& b : sent) {
        order.push_back(b.job);
        core.on_results(b.id, b.worker, answers(b), true, now);
      }
    }
    desk.ended(core.take_ended());
    return order;
  }
};

// The line messages among `ds` for `client`.
std::vector<line_message> lines_for(const std::vector<client_desk::delivery>& ds,
                                    std::uint64_t client) {
  std::vector<line_message> out;
  for (const auto& d : ds) {
    if (d.client != client) {
      continue;
    }
    if (const auto* l = std::get_if<line_message>(&d.message)) {
      out.push_back(*l);
    }
  }
  return out;
}

std::vector<std::string> keys(const nlohmann::ordered_json& j) {
  std::vector<std::string> out;
  for (const auto& [k, v] : j.items()) {
    out.push_back(k);
  }
  return out;
}

using temp_dir = test::scratch_dir;

constexpr auto ok_code = static_cast<std::uint32_t>(job_status::ok);
constexpr auto cancelled_code = static_cast<std::uint32_t>(job_status::cancelled);

} // namespace

TEST_CASE("client_desk: clients are numbered from 1 and a submit replies with its job ids",
          "[client_desk]") {
  desk_setup s;
  auto c1 = s.desk.add_client();
  auto c2 = s.desk.add_client();
  CHECK(c1 == 1);
  CHECK(c2 == 2);
  auto r1 = s.desk.submit(c1, submit_of(7, {fake_job(2), fake_job(3)}), t(0));
  CHECK(r1.ref == 7);
  CHECK(r1.error.empty());
  CHECK(r1.ids == std::vector<std::uint64_t>{1, 2});
  CHECK(r1.lines.empty());
  auto r2 = s.desk.submit(c2, submit_of(8, {fake_job(1)}), t(0));
  CHECK(r2.ref == 8);
  CHECK(r2.error.empty());
  CHECK(r2.ids == std::vector<std::uint64_t>{3});
  CHECK(s.core.running_jobs() == 3);
  CHECK(s.core.owner_of(1) == std::optional<std::uint64_t>{c1});
  CHECK(s.core.owner_of(2) == std::optional<std::uint64_t>{c1});
  CHECK(s.core.owner_of(3) == std::optional<std::uint64_t>{c2});
  CHECK(s.desk.take_deliveries().empty());
}

TEST_CASE("client_desk: a submission with a bad job gets an error and runs nothing",
          "[client_desk]") {
  desk_setup s;
  s.core.add_worker(worker("w"));
  auto c = s.desk.add_client();
  reply_message r;
  std::string expected;
  SECTION("an unknown kind") {
    job_request j;
    j.kind = "nosuch";
    r = s.desk.submit(c, submit_of(1, {j}, true), t(0));
    expected = "unknown job kind 'nosuch'";
  }
  SECTION("a parameter of the wrong type") {
    auto j = fake_job(1);
    j.args.set("tasks", "many");
    r = s.desk.submit(c, submit_of(1, {j}, true), t(0));
    expected = "fake: param 'tasks': expected an unsigned integer, got 'many'";
  }
  SECTION("an unknown parameter") {
    auto j = fake_job(1);
    j.args.set("bogus", "1");
    r = s.desk.submit(c, submit_of(1, {j}, true), t(0));
    expected = "fake: unknown param 'bogus'";
  }
  SECTION("a bad option") {
    auto j = fake_job(1);
    j.max_attempts = 0;
    r = s.desk.submit(c, submit_of(1, {j}, true), t(0));
    expected = "max_attempts";
  }
  SECTION("one bad job among good ones refuses them all") {
    job_request bad;
    bad.kind = "nosuch";
    r = s.desk.submit(c, submit_of(1, {fake_job(1), bad, fake_job(2)}, true), t(0));
    expected = "job 2: unknown job kind 'nosuch'";
    CHECK(r.error.rfind("job 2: ", 0) == 0);
  }
  SECTION("no job at all") {
    r = s.desk.submit(c, submit_of(1, {}, true), t(0));
    expected = "no job given";
  }
  CAPTURE(r.error);
  CHECK(r.ref == 1);
  CHECK_THAT(r.error, Catch::Contains(expected));
  CHECK(r.ids.empty());
  CHECK(s.core.running_jobs() == 0);
  CHECK(s.core.dispatch(t(0)).empty());
  CHECK(s.core.take_ended().empty());
  CHECK(s.desk.take_deliveries().empty());
  // Nothing took a job number.
  auto good = s.desk.submit(c, submit_of(2, {fake_job(1)}), t(0));
  CHECK(good.error.empty());
  CHECK(good.ids == std::vector<std::uint64_t>{1});
}

TEST_CASE("client_desk: a waiting client gets its job's line when the job ends", "[client_desk]") {
  desk_setup s;
  s.core.add_worker(worker("w"));
  auto c1 = s.desk.add_client();
  auto c2 = s.desk.add_client();
  auto id = s.desk.submit(c1, submit_of(1, {fake_job(3, "three")}, true), t(0)).ids.at(0);
  s.desk.submit(c2, submit_of(2, {fake_job(1)}), t(0));
  CHECK(s.desk.take_deliveries().empty());
  s.run_all(t(100));
  auto ds = s.desk.take_deliveries();
  CHECK(lines_for(ds, c2).empty());
  auto got = lines_for(ds, c1);
  REQUIRE(got.size() == 1);
  CHECK(ds.size() == 1);
  CHECK(got[0].id == id);
  CHECK(got[0].status == ok_code);
  auto line = nlohmann::json::parse(got[0].json);
  CHECK(line["id"] == id);
  CHECK(line["name"] == "three");
  CHECK(line["status"] == "ok");
  CHECK(line["result"]["completed"] == 3);
  // Kept in the history as it was delivered.
  const auto* rec = s.desk.history().find(id);
  REQUIRE(rec != nullptr);
  CHECK(rec->line == got[0].json);
  CHECK(rec->status == job_status::ok);
  CHECK(rec->summary.state == "ok");
  CHECK(rec->summary.owner == c1);
  CHECK(rec->summary.done == 3);
  CHECK(rec->summary.total == 3);
  CHECK(s.desk.take_deliveries().empty());
}

TEST_CASE("client_desk: a job that ends at once is delivered to its waiting client",
          "[client_desk]") {
  desk_setup s;
  auto c = s.desk.add_client();
  auto r = s.desk.submit(c, submit_of(1, {fake_job(0)}, true), t(0));
  REQUIRE(r.error.empty());
  REQUIRE(r.ids.size() == 1);
  CHECK(s.core.running_jobs() == 0);
  s.desk.ended(s.core.take_ended());
  auto got = lines_for(s.desk.take_deliveries(), c);
  REQUIRE(got.size() == 1);
  CHECK(got[0].id == r.ids[0]);
  CHECK(got[0].status == ok_code);
}

TEST_CASE("client_desk: wait on an ended job delivers its line from the history", "[client_desk]") {
  desk_setup s;
  s.core.add_worker(worker("w"));
  auto c1 = s.desk.add_client();
  auto c2 = s.desk.add_client();
  auto id = s.desk.submit(c1, submit_of(1, {fake_job(2)}), t(0)).ids.at(0);
  s.run_all(t(10));
  CHECK(s.desk.take_deliveries().empty());
  wait_message w;
  w.ref = 5;
  w.ids = {id};
  auto r = s.desk.wait(c2, w);
  CHECK(r.ref == 5);
  CHECK(r.error.empty());
  CHECK(r.ids.empty());
  auto ds = s.desk.take_deliveries();
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].client == c2);
  auto got = lines_for(ds, c2);
  REQUIRE(got.size() == 1);
  CHECK(got[0].id == id);
  CHECK(got[0].status == ok_code);
  REQUIRE(s.desk.history().find(id) != nullptr);
  CHECK(got[0].json == s.desk.history().find(id)->line);
  CHECK(nlohmann::json::parse(got[0].json)["status"] == "ok");
}

TEST_CASE("client_desk: after a restart on the journal, a client that comes back gets the lines of "
          "finished and resumed jobs",
          "[client_desk]") {
  master_settings journaled;
  journaled.journal = "in a test";
  desk_setup s(data_roots({}), 100, journaled);
  s.core.add_worker(worker("w"));
  s.desk.remember({{4, 2, request_to_json(fake_job(2, "old")), job_status::ok,
                    R"({"id":4,"name":"old","job":"fake","status":"ok",)"
                    R"("stats":{"tasks":2,"wall_s":0.5}})"}});
  unfinished_job held;
  held.id = 7;
  held.owner = 1;
  held.request = request_to_json(fake_job(5));
  held.resumable = true;
  held.since.push_back({0, partial{1, {}}});
  unfinished_job gone;
  gone.id = 8;
  gone.owner = 1;
  gone.request = R"({"job":"no-such-kind"})";
  s.core.number_after(8);
  const auto refused = s.desk.resume({held, gone}, t(0));
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].rfind("job 8 cannot run again: ", 0) == 0);
  // The resumed job's owner is no client of this master: the one that comes back is new.
  const auto c = s.desk.add_client();
  REQUIRE(s.core.owner_of(7));
  CHECK(*s.core.owner_of(7) != c);
  CHECK(*s.core.owner_of(7) != 0);
  wait_message w;
  w.ref = 1;
  w.ids = {4, 7};
  REQUIRE(s.desk.wait(c, w).error.empty());
  auto first = lines_for(s.desk.take_deliveries(), c);
  REQUIRE(first.size() == 1);
  CHECK(first[0].id == 4);
  CHECK(first[0].status == ok_code);
  // Records of a job whose client left go to the clients waiting for it.
  s.desk.records({{7, *s.core.owner_of(7), "log", "a line", true}});
  auto ds = s.desk.take_deliveries();
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].client == c);
  s.run_all(t(10));
  auto got = lines_for(s.desk.take_deliveries(), c);
  REQUIRE(got.size() == 1);
  CHECK(got[0].id == 7);
  auto line = nlohmann::json::parse(got[0].json);
  CHECK(line["result"]["completed"] == 5);
  CHECK(line["stats"]["resumed"] == 1);
  CHECK(line["stats"]["tasks"] == 4);
  auto listed = s.desk.list(list_message{2, true}, t(10)).lines;
  REQUIRE(listed.size() == 2);
  auto old = nlohmann::json::parse(listed[0]);
  CHECK(old["id"] == 4);
  CHECK(old["name"] == "old");
  CHECK(old["job"] == "fake");
  CHECK(old["status"] == "ok");
  CHECK(old["total"] == 2);
  CHECK(old["wall_s"] == 0.5);
}

TEST_CASE("client_desk: wait on an unknown id gives an error naming it", "[client_desk]") {
  desk_setup s;
  auto c = s.desk.add_client();
  wait_message w;
  w.ref = 3;
  w.ids = {42};
  auto r = s.desk.wait(c, w);
  CHECK(r.ref == 3);
  CHECK_THAT(r.error, Catch::Contains("unknown job 42"));
  CHECK(r.ids == std::vector<std::uint64_t>{42});
  CHECK(s.desk.take_deliveries().empty());

  SECTION("one unknown id refuses the whole request: the known ones are not waited for") {
    auto id = s.desk.submit(c, submit_of(1, {fake_job(1)}), t(0)).ids.at(0);
    w.ids = {44, id, 43, 44};
    r = s.desk.wait(c, w);
    CHECK_THAT(r.error, Catch::Contains("unknown job 43, 44 "));
    CHECK(r.ids == std::vector<std::uint64_t>{43, 44});
    s.core.add_worker(worker("w"));
    s.run_all(t(10));
    CHECK(lines_for(s.desk.take_deliveries(), c).empty());
  }

  SECTION("an id named many times is waited for once") {
    auto id = s.desk.submit(c, submit_of(1, {fake_job(1)}), t(0)).ids.at(0);
    s.core.add_worker(worker("w"));
    s.run_all(t(10));
    s.desk.take_deliveries();
    w.ids = std::vector<std::uint64_t>(1000, id);
    r = s.desk.wait(c, w);
    CHECK(r.error.empty());
    CHECK(lines_for(s.desk.take_deliveries(), c).size() == 1);
  }
}

TEST_CASE("client_desk: a job the history forgot is unknown to wait and list", "[client_desk]") {
  desk_setup s(data_roots({}), 1);
  s.core.add_worker(worker("w"));
  auto c = s.desk.add_client();
  auto ids = s.desk.submit(c, submit_of(1, {fake_job(1), fake_job(1)}), t(0)).ids;
  REQUIRE(ids.size() == 2);
  s.run_all(t(10));
  CHECK(s.desk.history().find(ids[0]) == nullptr);
  REQUIRE(s.desk.history().find(ids[1]) != nullptr);
  wait_message w;
  w.ids = {ids[0]};
  auto r = s.desk.wait(c, w);
  CHECK_THAT(r.error, Catch::Contains("unknown job " + std::to_string(ids[0])));
  CHECK(s.desk.take_deliveries().empty());
  w.ids = {ids[1]};
  CHECK(s.desk.wait(c, w).error.empty());
  CHECK(lines_for(s.desk.take_deliveries(), c).size() == 1);
  list_message all;
  all.all = true;
  auto listed = s.desk.list(all, t(10)).lines;
  REQUIRE(listed.size() == 1);
  CHECK(nlohmann::json::parse(listed[0])["id"] == ids[1]);
}

TEST_CASE("client_desk: cancel of a running job ends it cancelled for the waiting client",
          "[client_desk]") {
  desk_setup s;
  auto w = s.core.add_worker(worker("w"));
  auto c1 = s.desk.add_client();
  auto c2 = s.desk.add_client();
  auto id = s.desk.submit(c1, submit_of(1, {fake_job(5)}, true), t(0)).ids.at(0);
  auto sent = s.core.dispatch(t(0));
  REQUIRE(sent.size() == 1);
  REQUIRE(s.core.summaries(t(0)).at(0).state == "running");
  cancel_jobs_message m;
  m.ref = 9;
  m.ids = {id};
  auto r = s.desk.cancel(m, t(50));
  CHECK(r.ref == 9);
  CHECK(r.error.empty());
  CHECK(r.ids.empty());
  CHECK_FALSE(s.core.owner_of(id));
  CHECK(s.core.running_jobs() == 0);
  auto orders = s.core.take_cancels();
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].worker == w);
  CHECK(orders[0].job == id);
  s.desk.ended(s.core.take_ended());
  auto ds = s.desk.take_deliveries();
  CHECK(lines_for(ds, c2).empty());
  auto got = lines_for(ds, c1);
  REQUIRE(got.size() == 1);
  CHECK(got[0].id == id);
  CHECK(got[0].status == cancelled_code);
  auto line = nlohmann::json::parse(got[0].json);
  CHECK(line["status"] == "cancelled");
  CHECK(line["reason"] == "cancelled");
  const auto* rec = s.desk.history().find(id);
  REQUIRE(rec != nullptr);
  CHECK(rec->status == job_status::cancelled);
  CHECK(rec->summary.state == "cancelled");
  // The worker's late answers end nothing again.
  s.core.on_results(sent[0].id, sent[0].worker, answers(sent[0]), true, t(60));
  CHECK(s.core.take_ended().empty());
  // A second cancel finds it ended.
  CHECK(s.desk.cancel(m, t(70)).ids == std::vector<std::uint64_t>{id});
}

TEST_CASE("client_desk: cancel of an unknown or ended id returns it in reply.ids",
          "[client_desk]") {
  desk_setup s;
  s.core.add_worker(worker("w"));
  auto c = s.desk.add_client();
  auto ended = s.desk.submit(c, submit_of(1, {fake_job(1)}), t(0)).ids.at(0);
  s.run_all(t(10));
  auto queued = s.desk.submit(c, submit_of(2, {fake_job(1)}), t(20)).ids.at(0);
  cancel_jobs_message m;
  m.ref = 4;
  m.ids = {ended, 77, queued};
  auto r = s.desk.cancel(m, t(30));
  CHECK(r.ref == 4);
  CHECK(r.ids == std::vector<std::uint64_t>{ended, 77});
  CHECK(s.core.running_jobs() == 0);
  auto gone = s.core.take_ended();
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].job == queued);
  CHECK(gone[0].outcome.status == job_status::cancelled);
}

TEST_CASE("client_desk: list lines are valid JSON with the expected fields", "[client_desk]") {
  desk_setup s;
  s.core.add_worker(worker("w"));
  auto c1 = s.desk.add_client();
  auto c2 = s.desk.add_client();
  s.desk.submit(c1, submit_of(1, {fake_job(3, "first")}), t(0));
  s.desk.submit(c2, submit_of(2, {fake_job(2)}), t(500));
  // One slot: the first job gets a task, the second waits.
  auto sent = s.core.dispatch(t(500));
  REQUIRE(sent.size() == 1);
  list_message m;
  m.ref = 6;
  auto r = s.desk.list(m, t(1500));
  CHECK(r.ref == 6);
  CHECK(r.error.empty());
  REQUIRE(r.lines.size() == 2);
  auto first = nlohmann::ordered_json::parse(r.lines[0]);
  auto second = nlohmann::ordered_json::parse(r.lines[1]);
  CHECK(keys(first) ==
        std::vector<std::string>{"id", "name", "job", "status", "done", "total", "wall_s"});
  CHECK(first["id"] == 1);
  CHECK(first["name"] == "first");
  CHECK(first["job"] == "fake");
  CHECK(first["status"] == "running");
  CHECK(first["done"] == 0);
  CHECK(first["total"] == 3);
  CHECK(first["wall_s"].get<double>() == Approx(1.5));
  CHECK(keys(second) == std::vector<std::string>{"id", "job", "status", "done", "total", "wall_s"});
  CHECK(second["id"] == 2);
  CHECK(second["status"] == "queued");
  CHECK(second["total"] == 2);
  CHECK(second["wall_s"].get<double>() == Approx(1.0));

  s.core.on_results(sent[0].id, sent[0].worker, answers(sent[0]), true, t(2000));
  s.run_all(t(2000));
  CHECK(s.desk.list(m, t(2000)).lines.empty());
  m.all = true;
  auto all = s.desk.list(m, t(3000));
  REQUIRE(all.lines.size() == 2);
  for (std::size_t k = 0; k < 2; ++k) {
    auto line = nlohmann::ordered_json::parse(all.lines[k]);
    CHECK(line["id"] == k + 1);
    CHECK(line["status"] == "ok");
    CHECK(line["done"] == line["total"]);
  }
  // Ended jobs keep the wall time they ended with.
  CHECK(nlohmann::json::parse(all.lines[0])["wall_s"].get<double>() == Approx(2.0));
}

TEST_CASE("client_desk: ended and running jobs are listed together in id order", "[client_desk]") {
  desk_setup s;
  s.core.add_worker(worker("w"));
  auto c = s.desk.add_client();
  s.desk.submit(c, submit_of(1, {fake_job(1)}), t(0));
  s.run_all(t(0));
  s.desk.submit(c, submit_of(2, {fake_job(1)}), t(0));
  s.core.cancel(2, t(0));
  s.desk.ended(s.core.take_ended());
  s.desk.submit(c, submit_of(3, {fake_job(1)}), t(0));
  list_message m;
  m.all = true;
  auto r = s.desk.list(m, t(0));
  REQUIRE(r.lines.size() == 3);
  std::vector<std::string> states;
  for (std::size_t k = 0; k < 3; ++k) {
    auto line = nlohmann::json::parse(r.lines[k]);
    CHECK(line["id"] == k + 1);
    states.push_back(line["status"]);
  }
  CHECK(states == std::vector<std::string>{"ok", "cancelled", "queued"});
}

TEST_CASE("client_desk: status is one JSON line with workers job counts and uptime",
          "[client_desk]") {
  desk_setup s;
  auto we = worker("w1", 2);
  we.tags = {"gpu", "big"};
  we.concurrency = 8;
  auto w = s.core.add_worker(we);
  auto c = s.desk.add_client();
  s.desk.submit(c, submit_of(1, {fake_job(3), fake_job(3)}), t(0));
  // Two slots: both go to the first job's tasks.
  auto sent = s.core.dispatch(t(0));
  REQUIRE(sent.size() == 1);
  REQUIRE(sent[0].tasks.size() == 2);
  status_message m;
  m.ref = 11;
  auto r = s.desk.status(m, t(2500));
  CHECK(r.ref == 11);
  CHECK(r.error.empty());
  CHECK(r.ids.empty());
  REQUIRE(r.lines.size() == 1);
  auto st = nlohmann::ordered_json::parse(r.lines[0]);
  CHECK(keys(st) ==
        std::vector<std::string>{"workers", "running", "queued", "uptime_s", "instance"});
  REQUIRE(st["workers"].size() == 1);
  auto w1 = st["workers"][0];
  CHECK(keys(w1) == std::vector<std::string>{"id", "host", "tags", "slots", "concurrency",
                                             "in_flight", "draining"});
  CHECK(w1["id"] == "w1");
  CHECK(w1["host"] == "test");
  CHECK(w1["tags"] == nlohmann::json::array({"gpu", "big"}));
  CHECK(w1["slots"] == 2);
  CHECK(w1["concurrency"] == 8);
  CHECK(w1["in_flight"] == 2);
  CHECK(w1["draining"] == false);
  CHECK(st["running"] == 1);
  CHECK(st["queued"] == 1);
  CHECK(st["uptime_s"].get<double>() == Approx(2.5));

  s.core.drain_worker(w);
  s.core.on_results(sent[0].id, sent[0].worker, answers(sent[0]), true, t(3000));
  st = nlohmann::ordered_json::parse(s.desk.status(m, t(3000)).lines.at(0));
  CHECK(st["workers"][0]["draining"] == true);
  CHECK(st["workers"][0]["in_flight"] == 0);
  CHECK(st["running"] == 1);
  CHECK(st["queued"] == 1);
}

TEST_CASE("client_desk: status with no workers and no jobs", "[client_desk]") {
  desk_setup s;
  auto st = nlohmann::json::parse(s.desk.status({}, t(0)).lines.at(0));
  CHECK(st["workers"] == nlohmann::json::array());
  CHECK(st["running"] == 0);
  CHECK(st["queued"] == 0);
  CHECK(st["uptime_s"] == 0.0);
}

TEST_CASE("client_desk: progress lines go only to the clients that asked for them",
          "[client_desk]") {
  desk_setup s;
  s.core.add_worker(worker("w"));
  auto c1 = s.desk.add_client();
  auto c2 = s.desk.add_client();
  auto watched = s.desk.submit(c1, submit_of(1, {fake_job(2, "watched")}, false, true), t(0));
  s.desk.submit(c2, submit_of(2, {fake_job(2)}), t(0));
  auto lines = s.core.progress(t(100));
  REQUIRE(lines.size() == 2);
  s.desk.progress(lines);
  auto ds = s.desk.take_deliveries();
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].client == c1);
  const auto* note = std::get_if<note_message>(&ds[0].message);
  REQUIRE(note != nullptr);
  CHECK(note->job == watched.ids.front());
  CHECK(note->file.empty());
  CHECK_THAT(note->text, Catch::StartsWith("progress job=watched"));
  // Once the job ended, its progress goes to nobody.
  s.run_all(t(200));
  s.desk.take_deliveries();
  s.desk.progress(lines);
  CHECK(s.desk.take_deliveries().empty());
  // wait with progress asks for it too.
  auto id = s.desk.submit(c1, submit_of(3, {fake_job(2)}), t(300)).ids.at(0);
  wait_message w;
  w.ids = {id};
  w.progress = true;
  s.desk.wait(c2, w);
  s.desk.progress(s.core.progress(t(400)));
  ds = s.desk.take_deliveries();
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].client == c2);
  CHECK(watched.ids.at(0) != id);
}

TEST_CASE("client_desk: remove_client leaves its jobs running", "[client_desk]") {
  desk_setup s;
  s.core.add_worker(worker("w"));
  auto c1 = s.desk.add_client();
  auto c2 = s.desk.add_client();
  auto id = s.desk.submit(c1, submit_of(1, {fake_job(3)}, true, true), t(0)).ids.at(0);
  wait_message w;
  w.ids = {id};
  w.progress = true;
  REQUIRE(s.desk.wait(c2, w).error.empty());
  s.desk.remove_client(c1);
  CHECK(s.core.running_jobs() == 1);
  CHECK(s.core.owner_of(id) == std::optional<std::uint64_t>{c1});
  list_message m;
  CHECK(s.desk.list(m, t(10)).lines.size() == 1);
  s.desk.progress(s.core.progress(t(10)));
  auto ds = s.desk.take_deliveries();
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].client == c2);
  s.run_all(t(20));
  ds = s.desk.take_deliveries();
  CHECK(lines_for(ds, c1).empty());
  REQUIRE(lines_for(ds, c2).size() == 1);
  CHECK(ds.size() == 1);
  REQUIRE(s.desk.history().find(id) != nullptr);
  CHECK(s.desk.history().find(id)->status == job_status::ok);
  // A new client gets a new number.
  CHECK(s.desk.add_client() == 3);
}

TEST_CASE("client_desk: another client's one job is dispatched before a long queue drains",
          "[client_desk]") {
  desk_setup s;
  s.core.add_worker(worker("w"));
  auto c1 = s.desk.add_client();
  auto c2 = s.desk.add_client();
  std::vector<job_request> many;
  for (int k = 0; k < 20; ++k) {
    many.push_back(fake_job(1));
  }
  // The first client's jobs have the higher priority: it counts only among its own.
  for (auto& j : many) {
    j.priority = 10;
  }
  REQUIRE(s.desk.submit(c1, submit_of(1, many), t(0)).ids.size() == 20);
  auto one = s.desk.submit(c2, submit_of(2, {fake_job(1)}), t(0)).ids.at(0);
  CHECK(one == 21);
  // One slot: one batch, one job, per dispatch.
  auto order = s.run_all(t(10));
  REQUIRE(order.size() == 21);
  auto at = std::find(order.begin(), order.end(), one) - order.begin();
  CHECK(at < 2);
}

TEST_CASE("client_desk: a client's path is confined to the data roots", "[client_desk]") {
  temp_dir t_dir;
  auto root = t_dir.path() / "data";
  auto file = t_dir.write("data/a.txt", "hello world hello\n");
  t_dir.write("secret.txt", "secret words\n");
  auto wordcount_job = [](const std::string& path) {
    job_request j;
    j.kind = "wordcount";
    j.args.set("path", path);
    return j;
  };

  SECTION("with roots a relative path runs under the first and one outside is refused") {
    desk_setup s(data_roots({root.string()}));
    auto c = s.desk.add_client();
    auto r = s.desk.submit(c, submit_of(1, {wordcount_job("a.txt")}), t(0));
    CHECK(r.error.empty());
    REQUIRE(r.ids.size() == 1);
    CHECK(s.core.desc(r.ids[0]).args.at("path") == file.string());

    for (const auto& outside : {std::string("../secret.txt"), (root / ".." / "secret.txt").string(),
                                (t_dir.path() / "secret.txt").string()}) {
      CAPTURE(outside);
      auto refused = s.desk.submit(c, submit_of(2, {wordcount_job(outside)}), t(0));
      CHECK_THAT(refused.error, Catch::Contains("--data-dir"));
      CHECK(refused.ids.empty());
    }
    CHECK(s.core.running_jobs() == 1);
  }
  SECTION("without roots every path is refused") {
    desk_setup s;
    auto c = s.desk.add_client();
    auto r = s.desk.submit(c, submit_of(1, {wordcount_job(file.string())}), t(0));
    CHECK_THAT(r.error, Catch::Contains("--data-dir"));
    CHECK(r.ids.empty());
    CHECK(s.core.running_jobs() == 0);
  }
}

TEST_CASE("client_desk: test-aid kinds, too many unfinished jobs and a stopping master are refused",
          "[client_desk]") {
  desk_setup s;
  auto c = s.desk.add_client();
  job_request chaos;
  chaos.kind = "chaos";
  auto r = s.desk.submit(c, submit_of(1, {chaos}), t(0));
  CHECK_THAT(r.error, Catch::Contains("test aid"));
  CHECK(r.ids.empty());

  std::vector<job_request> many(client_desk::max_jobs_per_client + 1, fake_job(1));
  r = s.desk.submit(c, submit_of(2, many), t(0));
  CHECK_THAT(r.error, Catch::Contains("too many unfinished jobs"));
  CHECK(s.core.running_jobs() == 0);
  many.pop_back();
  r = s.desk.submit(c, submit_of(3, many), t(0));
  REQUIRE(r.error.empty());
  r = s.desk.submit(c, submit_of(4, {fake_job(1)}), t(0));
  CHECK_THAT(r.error, Catch::Contains("too many unfinished jobs"));
  // Another client still may.
  auto other = s.desk.add_client();
  CHECK(s.desk.submit(other, submit_of(5, {fake_job(1)}), t(0)).error.empty());
  // Once they ended, the first may again.
  s.core.add_worker(worker("w", 100));
  s.run_all(t(10));
  CHECK(s.desk.submit(c, submit_of(6, {fake_job(1)}), t(20)).error.empty());

  s.desk.close();
  CHECK_THAT(s.desk.submit(other, submit_of(7, {fake_job(1)}), t(30)).error,
             Catch::Contains("stopping"));
}
