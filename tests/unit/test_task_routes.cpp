// Unit tests of per-task routing: routes of a plan's tags, the ledger's stripe per route, and the
// master core giving each task only to workers that carry its tags.
#include "core/ledger.hpp"
#include "core/master_core.hpp"
#include "core/task_routes.hpp"

#include "tests/unit/master_helpers.hpp"
#include "tests/unit/test_kinds.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <set>

using namespace cohort;
using clock_type = master_core::clock;

namespace {

using test::answers;
using test::ended_json;

/// Task i requires tags[i % tags.size()] (an empty string: no tag).
class tagged_plan final : public job_plan {
public:
  tagged_plan(std::uint64_t n, std::vector<std::string> tags) : n_(n), tags_(std::move(tags)) {}
  std::uint64_t task_count() const override { return n_; }
  task_spec make_task(std::uint64_t) const override { return {}; }
  bool tags_tasks() const override { return true; }
  std::vector<std::string> tags(std::uint64_t index) const override {
    const auto& t = tags_[index % tags_.size()];
    if (t.empty()) {
      return {};
    }
    return {t};
  }
  std::unique_ptr<reducer> make_reducer() const override {
    return std::make_unique<count_reducer>("completed");
  }

private:
  std::uint64_t n_;
  std::vector<std::string> tags_;
};

class tagged_kind final : public test::test_kind_base {
public:
  explicit tagged_kind(std::vector<std::string> tags) : tags_(std::move(tags)) {}
  std::string_view name() const override { return "tagged"; }
  task_bound bound(const params&) const override { return task_bound::cpu; }
  void validate(const params&) const override {}
  std::unique_ptr<job_plan> split(const params& p) const override {
    return std::make_unique<tagged_plan>(p.get_u64("tasks", 1), tags_);
  }
  task<partial> run(task_spec, task_context&) const override { co_return partial{}; }

private:
  std::vector<std::string> tags_;
};

worker_entry worker(std::string id, std::vector<std::string> tags) {
  worker_entry w;
  w.node = id;
  w.id = std::move(id);
  w.host = "test";
  w.slots = 2;
  w.concurrency = 100;
  w.tags = std::move(tags);
  return w;
}

job_request job_of(std::uint64_t tasks) {
  job_request r;
  r.args.set("tasks", std::to_string(tasks));
  return r;
}

} // namespace

TEST_CASE("task routes: one per distinct tag set, in order of first use", "[routes]") {
  tagged_plan plan(6, {"b", "", "a", "b"});
  auto r = task_routes::of(plan);
  REQUIRE(r);
  REQUIRE(r->count() == 3);
  CHECK(r->label(0) == "b");
  CHECK(r->label(1) == "untagged");
  CHECK(r->label(2) == "a");
  CHECK(r->routes() == std::vector<std::uint32_t>{0, 1, 2, 0, 0, 1});
  CHECK(r->tasks(0) == 3);
  CHECK(r->tasks(1) == 2);
  CHECK(r->tasks(2) == 1);
  CHECK_FALSE(task_routes::of(test::count_plan(5)));
}

TEST_CASE("a ledger with a stripe per task takes each stripe's tasks and puts a lost one back "
          "in its own stripe",
          "[routes][ledger]") {
  ledger led(std::vector<std::uint32_t>{1, 0, 1, 1, 0}, 2, 3);
  auto now = ledger::clock::time_point{};
  worker_ref w{0, 1};
  auto zero = led.take(0, 10, w, false, now);
  REQUIRE(zero.size() == 2);
  CHECK(zero[0].index == 1);
  CHECK(zero[1].index == 4);
  CHECK_FALSE(led.stripe_has_pending(0));
  REQUIRE(led.stripe_has_pending(1));
  auto one = led.take(1, 2, w, false, now);
  REQUIRE(one.size() == 2);
  CHECK(one[0].index == 0);
  CHECK(one[1].index == 2);
  led.untake({zero[1]}, w);
  REQUIRE(led.stripe_has_pending(0));
  auto again = led.take(0, 10, w, false, now);
  REQUIRE(again.size() == 1);
  CHECK(again[0].index == 4);
  auto last = led.take(1, 10, w, false, now);
  REQUIRE(last.size() == 1);
  CHECK(last[0].index == 3);
  CHECK(led.pending() == 0);
}

TEST_CASE("tasks tagged a, b and nothing go only to workers that carry their tags, and stats "
          "count them per tag",
          "[routes][master]") {
  master_core m({});
  auto a = m.add_worker(worker("wa", {"a"}), {});
  auto b = m.add_worker(worker("wb", {"b"}), {});
  auto none = m.add_worker(worker("wn", {}), {});
  std::map<std::uint32_t, std::string> tag_of{{a.slot, "a"}, {b.slot, "b"}, {none.slot, ""}};
  tagged_kind kind({"a", "b", ""});
  auto now = clock_type::time_point{};
  m.submit(test::checked(kind, job_of(30)), now);
  std::map<std::string, std::set<std::uint64_t>> ran_on;
  for (int round = 0; round < 100 && m.running_jobs() > 0; ++round) {
    for (auto& batch : m.dispatch(now)) {
      for (const auto& task : batch.tasks) {
        const std::vector<std::string> want{"a", "b", ""};
        const auto& need = want[task.index % 3];
        INFO("task " << task.index << " on slot " << batch.worker.slot);
        if (!need.empty()) {
          REQUIRE(tag_of.at(batch.worker.slot) == need);
        }
        ran_on[tag_of.at(batch.worker.slot)].insert(task.index);
      }
      m.on_results(batch.id, batch.worker, answers(batch), true, now);
    }
  }
  auto out = ended_json(m);
  REQUIRE(out["status"] == "ok");
  REQUIRE(out["result"]["completed"] == 30);
  CHECK(ran_on["a"].size() >= 10);
  CHECK(ran_on["b"].size() >= 10);
  auto tags = out["stats"]["tags"];
  CHECK(tags["a"]["tasks"] == 10);
  CHECK(tags["a"]["merged"] == 10);
  CHECK(tags["b"]["merged"] == 10);
  CHECK(tags["untagged"]["tasks"] == 10);
}

TEST_CASE("tasks whose tag no worker carries wait for --wait-for-workers while the others run, "
          "then fail the job with no-workers naming the tag",
          "[routes][master]") {
  master_settings s;
  s.wait_for_workers = std::chrono::seconds(2);
  master_core m(s);
  m.add_worker(worker("wa", {"a"}), {});
  tagged_kind kind({"a", "gpu"});
  auto now = clock_type::time_point{};
  m.submit(test::checked(kind, job_of(4)), now);
  std::uint64_t sent = 0;
  for (auto& batch : m.dispatch(now)) {
    for (const auto& task : batch.tasks) {
      REQUIRE(task.index % 2 == 0);
    }
    sent += batch.tasks.size();
    m.on_results(batch.id, batch.worker, answers(batch), true, now);
  }
  REQUIRE(sent == 2);
  m.tick(now);
  m.tick(now + std::chrono::seconds(1));
  REQUIRE(m.take_ended().empty());
  m.tick(now + std::chrono::seconds(2));
  auto out = ended_json(m);
  REQUIRE(out["status"] == "failed");
  REQUIRE(out["reason"] == "no-workers");
  auto error = out["error"].get<std::string>();
  INFO(error);
  CHECK(error.find("no worker with tags gpu joined (2 tasks require gpu)") != std::string::npos);
  CHECK(out["stats"]["tags"]["a"]["merged"] == 2);
  CHECK(out["stats"]["tags"]["gpu"]["merged"] == 0);
}

TEST_CASE("a task tagged a lost with its worker runs again only on another worker tagged a",
          "[routes][master]") {
  master_core m({});
  auto a1 = m.add_worker(worker("a1", {"a"}), {});
  auto other = m.add_worker(worker("n", {}), {});
  tagged_kind kind({"a"});
  auto now = clock_type::time_point{};
  m.submit(test::checked(kind, job_of(2)), now);
  auto first = m.dispatch(now);
  for (const auto& batch : first) {
    REQUIRE(batch.worker == a1);
  }
  m.remove_worker(a1, now);
  REQUIRE(m.dispatch(now).empty());
  auto a2 = m.add_worker(worker("a2", {"a"}), {});
  for (int round = 0; round < 20 && m.running_jobs() > 0; ++round) {
    for (auto& batch : m.dispatch(now)) {
      REQUIRE(batch.worker == a2);
      REQUIRE_FALSE(batch.worker == other);
      m.on_results(batch.id, batch.worker, answers(batch), true, now);
    }
  }
  auto out = ended_json(m);
  REQUIRE(out["status"] == "ok");
  REQUIRE(out["result"]["completed"] == 2);
}
