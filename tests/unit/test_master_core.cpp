// Unit tests of the master's logic (master_core + dispatcher + ledger) in simulated time, no
// actors.
#include "cohort/count_reducer.hpp"
#include "core/master_core.hpp"
#include "jobs/sql_kind.hpp"

#include "tests/unit/master_helpers.hpp"
#include "tests/unit/test_kinds.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <queue>
#include <set>

using namespace cohort;
using clock_type = master_core::clock;

namespace {

using test::answers;
using test::count_plan;
using test::ended_json;
using test::fake_kind;

job_request job_of(std::uint64_t tasks) {
  job_request r;
  r.kind = "fake";
  r.args.set("tasks", std::to_string(tasks));
  return r;
}

worker_entry worker(std::string id, std::uint32_t slots = 1, std::uint32_t concurrency = 100) {
  worker_entry w;
  w.node = id;
  w.id = std::move(id);
  w.host = "test";
  w.slots = slots;
  w.concurrency = concurrency;
  return w;
}

void require_balanced(const nlohmann::json& out) {
  auto st = out["stats"];
  REQUIRE(st["attempts"].get<int>() == st["tasks"].get<int>() + st["retries"].get<int>() +
                                           st["reassigned"].get<int>() +
                                           st["speculative"].get<int>());
}

// Simulated time: `ms` milliseconds after the epoch.
clock_type::time_point t(int ms) {
  return clock_type::time_point{} + std::chrono::milliseconds(ms);
}

// Runs the master against workers that need `cost[slot]` time units per task, one task at a time in
// order of arrival, and returns the tasks each worker (by slot) finished. Checks credit at every
// send.
std::map<std::uint32_t, std::uint64_t> simulate(master_core& m, const std::vector<int>& cost,
                                                std::uint32_t slots) {
  using event = std::pair<long, std::uint64_t>;
  std::priority_queue<event, std::vector<event>, std::greater<>> finishing;
  std::map<std::uint64_t, outgoing_batch> batches;
  std::map<std::uint32_t, long> busy_until;
  std::map<std::uint32_t, std::uint32_t> held;
  std::map<std::uint32_t, std::uint64_t> done;
  long now = 0;
  auto t = [&](long units) {
    return clock_type::time_point(std::chrono::milliseconds(units));
  };
  auto send_all = [&] {
    for (auto& b : m.dispatch(t(now))) {
      held[b.worker.slot] += static_cast<std::uint32_t>(b.tasks.size());
      REQUIRE(held[b.worker.slot] <= slots);
      long start = std::max(now, busy_until[b.worker.slot]);
      busy_until[b.worker.slot] = start + cost[b.worker.slot] * static_cast<long>(b.tasks.size());
      finishing.push({busy_until[b.worker.slot], b.id});
      batches.emplace(b.id, std::move(b));
    }
  };
  send_all();
  while (!finishing.empty()) {
    auto [at, id] = finishing.top();
    finishing.pop();
    now = at;
    auto& b = batches.at(id);
    held[b.worker.slot] -= static_cast<std::uint32_t>(b.tasks.size());
    done[b.worker.slot] += b.tasks.size();
    m.on_results(id, b.worker, answers(b), true, t(now));
    batches.erase(id);
    send_all();
  }
  return done;
}

} // namespace

TEST_CASE("a worker slowed 4x gets about a fifth of the tasks", "[dispatcher]") {
  master_core m({});
  m.add_worker(worker("fast"));
  m.add_worker(worker("slow"));
  fake_kind kind(task_bound::cpu);
  m.submit(test::checked(kind, job_of(1000)), clock_type::time_point{});
  auto done = simulate(m, {1, 4}, 1);
  REQUIRE(done[0] + done[1] == 1000);
  double slow_share = static_cast<double>(done[1]) / 1000.0;
  REQUIRE(slow_share == Approx(0.2).margin(0.02));
  auto out = ended_json(m);
  REQUIRE(out["status"] == "ok");
  REQUIRE(out["result"]["completed"] == 1000);
}

TEST_CASE("credit is never exceeded with several slots and batches", "[dispatcher]") {
  master_settings s;
  s.batch = 3;
  master_core m(s);
  m.add_worker(worker("a", 4));
  m.add_worker(worker("b", 4));
  m.add_worker(worker("c", 4));
  fake_kind kind(task_bound::cpu);
  m.submit(test::checked(kind, job_of(500)), clock_type::time_point{});
  auto done = simulate(m, {1, 2, 3}, 4);
  REQUIRE(done[0] > done[1]);
  REQUIRE(done[1] > done[2]);
  // Every attempt is answered here, copies of the slow workers' last tasks too (nothing is
  // cancelled); each task is merged once.
  auto out = ended_json(m);
  REQUIRE(out["stats"]["tasks"] == 500);
  REQUIRE(done[0] + done[1] + done[2] == out["stats"]["attempts"].get<std::uint64_t>());
  require_balanced(out);
}

TEST_CASE("round-robin and designated policies finish exactly", "[dispatcher]") {
  for (auto policy : {dispatch_policy::round_robin, dispatch_policy::designated}) {
    master_settings s;
    s.dispatch = policy;
    master_core m(s);
    m.add_worker(worker("a"));
    m.add_worker(worker("b"));
    fake_kind kind(task_bound::cpu);
    // Without copies of the slow worker's last tasks, so each worker's share shows.
    auto r = job_of(101);
    r.speculate = false;
    m.submit(test::checked(kind, std::move(r)), clock_type::time_point{});
    auto done = simulate(m, {1, 4}, 1);
    REQUIRE(done[0] + done[1] == 101);
    if (policy == dispatch_policy::designated) {
      REQUIRE(done[0] == 51);
      REQUIRE(done[1] == 50);
    }
    auto out = ended_json(m);
    REQUIRE(out["stats"]["tasks"] == 101);
  }
}

TEST_CASE("jobs with pending tasks take turns", "[dispatcher]") {
  master_settings s;
  s.batch = 1;
  master_core m(s);
  m.add_worker(worker("a", 1, 4));
  fake_kind kind(task_bound::latency);
  auto now = clock_type::time_point{};
  auto j1 = m.submit(test::checked(kind, job_of(10)), now);
  auto j2 = m.submit(test::checked(kind, job_of(10)), now);
  auto sent = m.dispatch(now);
  REQUIRE(sent.size() == 4);
  REQUIRE(sent[0].job != sent[1].job);
  REQUIRE(sent[1].job != sent[2].job);
  std::set<std::uint64_t> jobs{sent[0].job, sent[1].job};
  REQUIRE(jobs == std::set<std::uint64_t>{j1, j2});
}

TEST_CASE("a lost worker's tasks go back to pending and finish elsewhere", "[master]") {
  master_core m({});
  auto a = m.add_worker(worker("a", 1, 10));
  m.add_worker(worker("b", 1, 10));
  fake_kind kind(task_bound::latency);
  auto now = clock_type::time_point{};
  m.submit(test::checked(kind, job_of(30)), now);
  auto sent = m.dispatch(now);
  m.remove_worker(a, now);
  for (auto& b : sent) {
    m.on_results(b.id, b.worker, answers(b), true, now);
  }
  for (int round = 0; round < 10 && m.running_jobs() > 0; ++round) {
    for (auto& b : m.dispatch(now)) {
      REQUIRE(b.worker != a);
      m.on_results(b.id, b.worker, answers(b), true, now);
    }
  }
  auto out = ended_json(m);
  REQUIRE(out["status"] == "ok");
  REQUIRE(out["result"]["completed"] == 30);
  auto st = out["stats"];
  REQUIRE(st["reassigned"].get<int>() >= 1);
  REQUIRE(st["attempts"] == st["tasks"].get<int>() + st["retries"].get<int>() +
                                st["reassigned"].get<int>() + st["speculative"].get<int>());
  bool saw_left = false;
  for (auto& w : st["workers"]) {
    saw_left = saw_left || w["left"] == true;
  }
  REQUIRE(saw_left);
}

TEST_CASE("a task failing max-attempts times fails its job naming the task", "[master]") {
  master_core m({});
  m.add_worker(worker("a"));
  m.add_worker(worker("b"));
  fake_kind kind(task_bound::cpu);
  auto now = clock_type::time_point{};
  job_request r = job_of(4);
  r.max_attempts = 2;
  m.submit(test::checked(kind, r), now);
  for (int round = 0; round < 20 && m.running_jobs() > 0; ++round) {
    for (auto& b : m.dispatch(now)) {
      auto res = answers(b);
      for (auto& x : res) {
        if (x.index == 2) {
          x.outcome = task_outcome::failed;
          x.error = "kaboom";
        }
      }
      m.on_results(b.id, b.worker, std::move(res), true, now);
    }
  }
  auto out = ended_json(m);
  REQUIRE(out["status"] == "failed");
  REQUIRE(out["reason"] == "task");
  auto error = out["error"].get<std::string>();
  REQUIRE(error.find("task 2") != std::string::npos);
  REQUIRE(error.find("kaboom") != std::string::npos);
  REQUIRE(out["result"].is_null());
}

TEST_CASE("a job without eligible workers fails with no-workers after the wait", "[master]") {
  master_settings s;
  s.wait_for_workers = std::chrono::seconds(2);
  master_core m(s);
  m.add_worker(worker("a"));
  fake_kind kind(task_bound::cpu);
  auto now = clock_type::time_point{};
  job_request r = job_of(3);
  r.require = {"gpu"};
  m.submit(test::checked(kind, r), now);
  REQUIRE(m.dispatch(now).empty());
  m.tick(now);
  m.tick(now + std::chrono::seconds(1));
  REQUIRE(m.take_ended().empty());
  m.tick(now + std::chrono::seconds(2));
  auto out = ended_json(m);
  REQUIRE(out["reason"] == "no-workers");
  REQUIRE(out["error"].get<std::string>().find("gpu") != std::string::npos);
}

TEST_CASE("a deadline fails the job and cancels its tasks in flight", "[master]") {
  master_core m({});
  m.add_worker(worker("a"));
  fake_kind kind(task_bound::cpu);
  auto now = clock_type::time_point{};
  job_request r = job_of(3);
  r.deadline = std::chrono::seconds(5);
  m.submit(test::checked(kind, r), now);
  REQUIRE(m.dispatch(now).size() == 1);
  m.tick(now + std::chrono::seconds(5));
  auto cancels = m.take_cancels();
  REQUIRE(cancels.size() == 1);
  auto out = ended_json(m);
  REQUIRE(out["reason"] == "deadline");
}

TEST_CASE("no dispatch before min-workers have joined", "[master]") {
  master_settings s;
  s.min_workers = 2;
  master_core m(s);
  m.add_worker(worker("a"));
  fake_kind kind(task_bound::cpu);
  auto now = clock_type::time_point{};
  m.submit(test::checked(kind, job_of(3)), now);
  REQUIRE(m.dispatch(now).empty());
  m.add_worker(worker("b"));
  REQUIRE(m.dispatch(now).size() == 2);
}

TEST_CASE("a job of zero tasks ends ok at once", "[master]") {
  master_core m({});
  fake_kind kind(task_bound::cpu);
  m.submit(test::checked(kind, job_of(0)), clock_type::time_point{});
  auto out = ended_json(m);
  REQUIRE(out["status"] == "ok");
  REQUIRE(out["result"]["completed"] == 0);
}

TEST_CASE("a job's concurrency caps its tasks per worker", "[dispatcher]") {
  master_core m({});
  m.add_worker(worker("a", 1, 1000));
  fake_kind kind(task_bound::latency);
  job_request r = job_of(100);
  r.concurrency = 7;
  auto now = clock_type::time_point{};
  m.submit(test::checked(kind, r), now);
  auto sent = m.dispatch(now);
  std::size_t n = 0;
  for (auto& b : sent) {
    n += b.tasks.size();
  }
  REQUIRE(n == 7);
}

namespace {

class failing_plan final : public job_plan {
public:
  std::uint64_t task_count() const override { return 3; }
  task_spec make_task(std::uint64_t index) const override {
    if (index == 1) {
      throw std::runtime_error("input vanished");
    }
    return {};
  }
  std::unique_ptr<reducer> make_reducer() const override {
    return std::make_unique<count_reducer>("completed");
  }
};

class failing_kind final : public test::test_kind_base {
public:
  std::string_view name() const override { return "failing"; }
  task_bound bound(const params&) const override { return task_bound::cpu; }
  void validate(const params&) const override {}
  std::unique_ptr<job_plan> split(const params&) const override {
    return std::make_unique<failing_plan>();
  }
  task<partial> run(task_spec, task_context&) const override { co_return partial{}; }
};

} // namespace

TEST_CASE("a task that cannot be made fails its job and frees the worker's credit", "[master]") {
  master_core m({});
  auto w = m.add_worker(worker("a", 4));
  failing_kind bad;
  fake_kind good(task_bound::cpu);
  auto now = clock_type::time_point{};
  m.submit(test::checked(bad, job_of(0)), now);
  m.submit(test::checked(good, job_of(2)), now);
  auto sent = m.dispatch(now);
  auto ended = m.take_ended();
  REQUIRE(ended.size() == 1);
  auto out = nlohmann::json::parse(ended[0].outcome.json);
  REQUIRE(out["status"] == "failed");
  REQUIRE(out["error"].get<std::string>().find("input vanished") != std::string::npos);
  std::size_t good_tasks = 0;
  for (auto& b : sent) {
    good_tasks += b.tasks.size();
  }
  REQUIRE(good_tasks == 2);
  REQUIRE(m.workers().free_credit(w, task_bound::cpu) == 2);
}

namespace {

// Answers every batch the master sends until its jobs end; `fate` may change the answers.
template <class Fate>
void run_all(master_core& m, clock_type::time_point now, Fate fate, int rounds = 100) {
  for (int round = 0; round < rounds && m.running_jobs() > 0; ++round) {
    for (auto& b : m.dispatch(now)) {
      auto res = answers(b);
      fate(b, res);
      m.on_results(b.id, b.worker, std::move(res), true, now);
    }
  }
}

} // namespace

TEST_CASE("answers for tasks a batch does not hold are dropped, not merged", "[master]") {
  master_core m({});
  m.add_worker(worker("a", 1, 10));
  fake_kind kind(task_bound::latency);
  auto now = clock_type::time_point{};
  m.submit(test::checked(kind, job_of(10)), now);
  run_all(m, now, [](const outgoing_batch&, std::vector<task_result>& res) {
    auto forged = res;
    for (auto& f : forged) {
      f.index += 100;
      f.value.count = 1000;
    }
    auto wrong_attempt = res.front();
    wrong_attempt.attempt += 1;
    res.insert(res.end(), forged.begin(), forged.end());
    res.push_back(wrong_attempt);
    // The same answer twice: the second is forged too.
    res.push_back(res.front());
  });
  auto out = ended_json(m);
  REQUIRE(out["status"] == "ok");
  REQUIRE(out["result"]["completed"] == 10);
  REQUIRE(out["stats"]["tasks"] == 10);
  require_balanced(out);
}

TEST_CASE("answers sent ahead free credit and merge once", "[master]") {
  master_settings s;
  master_core m(s);
  auto a = m.add_worker(worker("a", 1, 4));
  fake_kind kind(task_bound::latency);
  auto now = clock_type::time_point{};
  m.submit(test::checked(kind, job_of(6)), now);
  auto first = m.dispatch(now);
  REQUIRE(first.size() == 1);
  REQUIRE(first[0].tasks.size() == 4);
  auto res = answers(first[0]);
  std::vector<task_result> ahead(res.begin(), res.begin() + 2);
  // A part from another worker is not accepted for this batch.
  auto b = m.add_worker(worker("b", 1, 4));
  m.on_results(first[0].id, b, std::vector<task_result>(ahead), false, now);
  REQUIRE(m.workers().at(a).latency_used == 4);
  m.on_results(first[0].id, a, std::move(ahead), false, now);
  REQUIRE(m.workers().at(a).latency_used == 2);
  // The rest, plus an answer already given (forged now), in the final answer.
  std::vector<task_result> rest(res.begin() + 1, res.end());
  m.on_results(first[0].id, a, std::move(rest), true, now);
  REQUIRE(m.workers().at(a).latency_used == 0);
  run_all(m, now, [](const outgoing_batch&, std::vector<task_result>&) {});
  auto out = ended_json(m);
  REQUIRE(out["result"]["completed"] == 6);
  require_balanced(out);
}

TEST_CASE("a loss beside other tasks is not charged - a lone loss is", "[master]") {
  master_core m({});
  // Two worker actors in one process, one in another.
  auto a1 = worker("a1", 1, 10);
  auto a2 = worker("a2", 1, 10);
  a1.node = a2.node = "process-a";
  auto wa1 = m.add_worker(a1);
  auto wa2 = m.add_worker(a2);
  auto wb = m.add_worker(worker("b", 1, 10));
  fake_kind kind(task_bound::latency);
  auto now = clock_type::time_point{};
  job_request r = job_of(30);
  r.max_attempts = 1;
  m.submit(test::checked(kind, r), now);
  auto sent = m.dispatch(now);
  REQUIRE(sent.size() == 3);
  m.remove_worker(wa1, now);
  m.remove_worker(wa2, now);
  for (auto& b : sent) {
    if (b.worker == wb) {
      m.on_results(b.id, b.worker, answers(b), true, now);
    }
  }
  // With max-attempts 1 a charged loss would fail the job; these losses are re-run in isolation.
  run_all(m, now,
          [&](const outgoing_batch& b, std::vector<task_result>&) { REQUIRE(b.worker == wb); });
  auto out = ended_json(m);
  REQUIRE(out["status"] == "ok");
  REQUIRE(out["result"]["completed"] == 30);
  REQUIRE(out["stats"]["reassigned"] == 20);
  require_balanced(out);

  // One task alone on its process: its loss is charged.
  master_core lone({});
  lone.add_worker(worker("x", 1, 10));
  lone.add_worker(worker("y", 1, 10));
  job_request one = job_of(1);
  one.max_attempts = 1;
  lone.submit(test::checked(kind, one), now);
  auto only = lone.dispatch(now);
  REQUIRE(only.size() == 1);
  lone.remove_worker(only[0].worker, now);
  auto failed = ended_json(lone);
  REQUIRE(failed["status"] == "failed");
  REQUIRE(failed["error"].get<std::string>().find("task 0") != std::string::npos);
  REQUIRE(failed["error"].get<std::string>().find(" lost") != std::string::npos);
}

TEST_CASE("an isolation group waits until its process runs nothing else", "[master]") {
  master_core m({});
  auto a = m.add_worker(worker("a", 1, 10));
  auto b = m.add_worker(worker("b", 1, 10));
  fake_kind kind(task_bound::latency);
  auto now = clock_type::time_point{};
  m.submit(test::checked(kind, job_of(40)), now);
  auto sent = m.dispatch(now);
  REQUIRE(sent.size() == 2);
  auto on_b = sent[0].worker == b ? sent[0] : sent[1];
  m.remove_worker(a, now);
  // b still runs its batch: the lost tasks wait, and b gets nothing new meanwhile.
  REQUIRE(m.dispatch(now).empty());
  m.on_results(on_b.id, b, answers(on_b), true, now);
  auto isolated = m.dispatch(now);
  REQUIRE(isolated.size() == 1);
  REQUIRE(isolated[0].worker == b);
  std::set<std::uint64_t> lost;
  for (const auto& t : (sent[0].worker == a ? sent[0] : sent[1]).tasks) {
    lost.insert(t.index);
  }
  for (const auto& t : isolated[0].tasks) {
    REQUIRE(lost.contains(t.index));
  }
  REQUIRE(isolated[0].tasks.size() < lost.size());
  m.on_results(isolated[0].id, b, answers(isolated[0]), true, now);
  run_all(m, now,
          [&](const outgoing_batch& x, std::vector<task_result>&) { REQUIRE(x.worker == b); });
  auto out = ended_json(m);
  REQUIRE(out["result"]["completed"] == 40);
  require_balanced(out);
}

namespace {

// A CPU-bound job of 6 tasks on workers a and b, submitted at 0 ms.
struct two_workers_six_tasks {
  master_core m{master_settings{}};
  worker_ref a = m.add_worker(worker("a"));
  worker_ref b = m.add_worker(worker("b"));
  fake_kind kind{task_bound::cpu};
  two_workers_six_tasks() { m.submit(test::checked(kind, job_of(6)), t(0)); }
};

// The job ended ok with one speculative copy, and the `loser` holding the other attempt of task
// `index` was told to cancel it.
void require_copy_won(master_core& m, worker_ref loser, std::uint64_t index) {
  auto out = ended_json(m);
  REQUIRE(out["status"] == "ok");
  REQUIRE(out["result"]["completed"] == 6);
  REQUIRE(out["stats"]["speculative"] == 1);
  require_balanced(out);
  auto cancels = m.take_cancels();
  REQUIRE(std::any_of(cancels.begin(), cancels.end(), [&](const cancel_order& c) {
    return c.worker == loser && c.task && c.task->index == index;
  }));
}

} // namespace

TEST_CASE_METHOD(two_workers_six_tasks,
                 "a slow attempt is speculated once pending is empty - the loser is cancelled",
                 "[master]") {
  std::optional<outgoing_batch> stuck;
  int clock_ms = 0;
  while (m.running_jobs() > 0 && clock_ms < 1000) {
    for (auto& x : m.dispatch(t(clock_ms))) {
      if (x.worker == a && !stuck && clock_ms > 0) {
        stuck = x;
        continue;
      }
      clock_ms += 10;
      m.on_results(x.id, x.worker, answers(x), true, t(clock_ms));
    }
    m.tick(t(clock_ms));
    clock_ms += 1;
  }
  REQUIRE(stuck);
  require_copy_won(m, a, stuck->tasks[0].index);
}

TEST_CASE_METHOD(two_workers_six_tasks,
                 "a CPU-bound job's slow attempt is copied at dispatch once due, without a tick",
                 "[master]") {
  std::map<worker_ref, outgoing_batch> held;
  auto send = [&](int at) {
    held.clear();
    for (auto& x : m.dispatch(t(at))) {
      held.emplace(x.worker, std::move(x));
    }
  };
  // Two rounds of 10 ms on both workers, then b's last task hangs while a finishes its own.
  send(0);
  for (int round = 1; round <= 2; ++round) {
    REQUIRE(held.size() == 2);
    for (auto& [w, x] : held) {
      m.on_results(x.id, w, answers(x), true, t(10 * round));
    }
    send(10 * round);
  }
  REQUIRE(held.size() == 2);
  auto stuck = held.at(b);
  m.on_results(held.at(a).id, a, answers(held.at(a)), true, t(30));
  // Median 10 ms: b's attempt (from 20 ms) is overdue past 40 ms.
  REQUIRE(m.dispatch(t(30)).empty());
  REQUIRE(m.speculation_due(t(30)) == t(40));
  REQUIRE(m.dispatch(t(39)).empty());
  auto copies = m.dispatch(t(41));
  REQUIRE(copies.size() == 1);
  REQUIRE(copies[0].worker == a);
  REQUIRE(copies[0].tasks.at(0).index == stuck.tasks.at(0).index);
  REQUIRE_FALSE(m.speculation_due(t(41)));
  m.on_results(copies[0].id, a, answers(copies[0]), true, t(45));
  require_copy_won(m, b, stuck.tasks[0].index);
}

TEST_CASE("a timed-out attempt runs again elsewhere and the late answer is a duplicate",
          "[master]") {
  master_core m({});
  auto a = m.add_worker(worker("a"));
  m.add_worker(worker("b"));
  m.add_worker(worker("c"));
  fake_kind kind(task_bound::cpu);
  job_request r = job_of(4);
  r.task_timeout = std::chrono::seconds(1);
  r.speculate = false;
  m.submit(test::checked(kind, r), t(0));
  auto sent = m.dispatch(t(0));
  REQUIRE(sent.size() == 3);
  auto slow = *std::find_if(sent.begin(), sent.end(), [&](const auto& x) { return x.worker == a; });
  // The others finish at 500 ms; the fourth task starts then, so it is not timed out at 1200 ms
  // and the job still runs when the slow attempt's answer comes.
  for (const auto& x : sent) {
    if (x.worker != a) {
      m.on_results(x.id, x.worker, answers(x), true, t(500));
    }
  }
  auto fourth = m.dispatch(t(500));
  REQUIRE(fourth.size() == 1);
  m.tick(t(1200));
  auto again = m.dispatch(t(1200));
  REQUIRE(again.size() == 1);
  REQUIRE(again[0].worker != a);
  REQUIRE(again[0].tasks[0].index == slow.tasks[0].index);
  m.on_results(again[0].id, again[0].worker, answers(again[0]), true, t(1300));
  auto cancels = m.take_cancels();
  REQUIRE(std::any_of(cancels.begin(), cancels.end(), [&](const cancel_order& c) {
    return c.worker == a && c.task && c.task->index == slow.tasks[0].index;
  }));
  // The slow attempt's answer arrives late, an ok one: dropped, counted, and a's credit freed.
  m.on_results(slow.id, a, answers(slow), true, t(1400));
  REQUIRE(m.workers().at(a).cpu_used == 0);
  REQUIRE(m.running_jobs() == 1);
  m.on_results(fourth[0].id, fourth[0].worker, answers(fourth[0]), true, t(1500));
  auto out = ended_json(m);
  REQUIRE(out["status"] == "ok");
  REQUIRE(out["result"]["completed"] == 4);
  REQUIRE(out["stats"]["retries"] == 1);
  REQUIRE(out["stats"]["duplicates"] == 1);
  require_balanced(out);
}

namespace {

class capable_kind final : public test::test_kind_base {
public:
  std::string_view name() const override { return "capable"; }
  std::string_view capability() const override { return "exec"; }
  bool idempotent(const params&) const override { return false; }
  task_bound bound(const params&) const override { return task_bound::latency; }
  void validate(const params&) const override {}
  std::unique_ptr<job_plan> split(const params& p) const override {
    return std::make_unique<count_plan>(p.get_u64("tasks", 1));
  }
  task<partial> run(task_spec, task_context&) const override { co_return partial{}; }
};

} // namespace

TEST_CASE("a kind needing a capability goes only to workers granting it, else fails no-workers",
          "[master]") {
  master_settings s;
  s.wait_for_workers = std::chrono::seconds(1);
  capable_kind kind;
  auto now = clock_type::time_point{};
  {
    master_core m(s);
    m.add_worker(worker("plain", 1, 10));
    m.submit(test::checked(kind, job_of(3)), now);
    REQUIRE(m.dispatch(now).empty());
    m.tick(now);
    m.tick(now + std::chrono::seconds(2));
    auto out = ended_json(m);
    REQUIRE(out["reason"] == "no-workers");
    REQUIRE(out["error"].get<std::string>().find("no worker allows exec") != std::string::npos);
  }
  {
    master_core m(s);
    m.add_worker(worker("plain", 1, 10));
    auto granting = worker("granting", 1, 10);
    granting.capabilities = {"exec"};
    auto g = m.add_worker(granting);
    m.submit(test::checked(kind, job_of(3)), now);
    auto sent = m.dispatch(now);
    REQUIRE(sent.size() == 1);
    REQUIRE(sent[0].worker == g);
    // Not idempotent: a loss fails the job instead of running the tasks again.
    m.remove_worker(g, now);
    auto out = ended_json(m);
    REQUIRE(out["status"] == "failed");
    REQUIRE(out["error"].get<std::string>().find("not run again") != std::string::npos);
  }
}

TEST_CASE("designated owners are fixed once --min-workers have joined", "[dispatcher]") {
  master_settings s;
  s.dispatch = dispatch_policy::designated;
  s.min_workers = 2;
  master_core m(s);
  fake_kind kind(task_bound::cpu);
  m.submit(test::checked(kind, job_of(100)), clock_type::time_point{});
  m.add_worker(worker("a"));
  m.add_worker(worker("b"));
  auto done = simulate(m, {1, 1}, 1);
  REQUIRE(done[0] == 50);
  REQUIRE(done[1] == 50);
  REQUIRE(ended_json(m)["stats"]["tasks"] == 100);
}

namespace {

class sized_plan final : public job_plan {
public:
  sized_plan(std::uint64_t n, std::size_t bytes) : n_(n), bytes_(bytes) {}
  std::uint64_t task_count() const override { return n_; }
  task_spec make_task(std::uint64_t) const override {
    task_spec t;
    t.data.assign(bytes_, 'x');
    return t;
  }
  std::unique_ptr<reducer> make_reducer() const override {
    return std::make_unique<count_reducer>("completed");
  }

private:
  std::uint64_t n_;
  std::size_t bytes_;
};

class sized_kind final : public test::test_kind_base {
public:
  std::string_view name() const override { return "sized"; }
  std::vector<param_spec> parameters() const override {
    return {{"tasks", param_type::count, "1", "how many tasks"},
            {"bytes", param_type::count, "0", "bytes of data per task"}};
  }
  task_bound bound(const params&) const override { return task_bound::latency; }
  void validate(const params&) const override {}
  std::unique_ptr<job_plan> split(const params& p) const override {
    return std::make_unique<sized_plan>(p.get_u64("tasks", 1), p.get_u64("bytes", 0));
  }
  task<partial> run(task_spec, task_context&) const override { co_return partial{}; }
};

job_request sized_job(std::uint64_t tasks, std::uint64_t bytes) {
  job_request r;
  r.kind = "sized";
  r.args.set("tasks", std::to_string(tasks));
  r.args.set("bytes", std::to_string(bytes));
  return r;
}

} // namespace

TEST_CASE("batches stay under --max-message-size - a task over it fails its job with limit",
          "[master]") {
  master_settings s;
  s.limits.max_message_size = 10'000;
  sized_kind kind;
  auto now = clock_type::time_point{};
  {
    master_core m(s);
    m.add_worker(worker("a", 1, 100));
    m.submit(test::checked(kind, sized_job(20, 3000)), now);
    std::size_t batches = 0;
    run_all(m, now, [&](const outgoing_batch& b, std::vector<task_result>&) {
      ++batches;
      REQUIRE(b.tasks.size() <= 3);
    });
    REQUIRE(batches >= 7);
    auto out = ended_json(m);
    REQUIRE(out["status"] == "ok");
    REQUIRE(out["result"]["completed"] == 20);
    require_balanced(out);
  }
  {
    master_core m(s);
    m.add_worker(worker("a", 1, 100));
    m.submit(test::checked(kind, sized_job(2, 20'000)), now);
    REQUIRE(m.dispatch(now).empty());
    auto out = ended_json(m);
    REQUIRE(out["reason"] == "limit");
    REQUIRE(out["error"].get<std::string>().find("--max-message-size") != std::string::npos);
  }
}

TEST_CASE("answers over --max-message-size and results over --max-result-size fail the job with "
          "limit",
          "[master]") {
  master_settings s;
  s.limits.max_message_size = 1000;
  s.limits.max_result_size = 20;
  fake_kind kind(task_bound::latency);
  auto now = clock_type::time_point{};
  {
    master_core m(s);
    m.add_worker(worker("a", 1, 100));
    m.submit(test::checked(kind, job_of(3)), now);
    run_all(m, now, [](const outgoing_batch&, std::vector<task_result>& res) {
      res.front().value.data.assign(2000, 'y');
    });
    auto out = ended_json(m);
    REQUIRE(out["reason"] == "limit");
    REQUIRE(out["error"].get<std::string>().find("answered with 2000 bytes") != std::string::npos);
  }
  {
    s.limits.max_result_size = 5;
    master_core m(s);
    m.add_worker(worker("a", 1, 100));
    m.submit(test::checked(kind, job_of(3)), now);
    run_all(m, now, [](const outgoing_batch&, std::vector<task_result>&) {});
    auto out = ended_json(m);
    REQUIRE(out["status"] == "failed");
    REQUIRE(out["reason"] == "limit");
    REQUIRE(out["error"].get<std::string>().find("--max-result-size") != std::string::npos);
  }
}

TEST_CASE("a worker's slot is reused after it left and a reference to it goes stale",
          "[dispatcher]") {
  dispatcher d;
  auto a1 = worker("a1");
  auto a2 = worker("a2");
  a1.node = a2.node = "process-a";
  auto ra1 = d.add(a1);
  auto ra2 = d.add(a2);
  auto rb = d.add(worker("b"));
  REQUIRE(d.process_count() == 2);
  d.remove(ra1);
  REQUIRE_FALSE(d.current(ra1));
  auto gone = d.remove(ra2);
  REQUIRE(gone.process_gone);
  auto rc = d.add(worker("c"));
  REQUIRE(rc.slot == ra2.slot);
  REQUIRE(rc != ra2);
  REQUIRE_FALSE(d.current(ra2));
  REQUIRE(d.current(rc));
  REQUIRE(d.at(rc).id == "c");
  // c's process took the entry process-a left.
  REQUIRE(d.at(rc).process == *gone.process_gone);
  REQUIRE(d.process(d.at(rc).process).node == "c");
  REQUIRE(d.process_count() == 2);
  std::vector<std::string> present;
  for (auto w : d.workers()) {
    present.push_back(d.at(w).id);
  }
  REQUIRE(present == std::vector<std::string>{"c", "b"});
  REQUIRE(d.alive_count() == 2);
  REQUIRE(d.current(rb));
}

TEST_CASE("a stale reference is refused and a left worker keeps its line in the job's report",
          "[master]") {
  master_core m({});
  auto a = m.add_worker(worker("a", 1, 10));
  auto b = m.add_worker(worker("b", 1, 10));
  fake_kind kind(task_bound::latency);
  auto now = clock_type::time_point{};
  m.submit(test::checked(kind, job_of(30)), now);
  auto sent = m.dispatch(now);
  REQUIRE(sent.size() == 2);
  m.remove_worker(a, now);
  auto c = m.add_worker(worker("c", 1, 10));
  REQUIRE(c.slot == a.slot);
  // Nothing done through the old reference reaches c.
  m.remove_worker(a, now);
  m.drain_worker(a);
  REQUIRE(m.workers().current(c));
  REQUIRE_FALSE(m.workers().at(c).draining);
  for (auto& x : sent) {
    if (x.worker == b) {
      m.on_results(x.id, b, answers(x), true, now);
    }
  }
  for (int round = 0; round < 10 && m.running_jobs() > 0; ++round) {
    for (auto& x : m.dispatch(now)) {
      REQUIRE(x.worker != a);
      if (x.worker == c) {
        // Answers from the old reference are forged: c's credit stays taken.
        m.on_results(x.id, a, answers(x), true, now);
        REQUIRE(m.workers().at(c).latency_used == x.tasks.size());
      }
      m.on_results(x.id, x.worker, answers(x), true, now);
    }
  }
  auto out = ended_json(m);
  REQUIRE(out["result"]["completed"] == 30);
  require_balanced(out);
  std::map<std::string, nlohmann::json> shown;
  for (const auto& w : out["stats"]["workers"]) {
    shown[w["id"].get<std::string>()] = w;
  }
  REQUIRE(shown.at("a")["left"] == true);
  REQUIRE(shown.at("a")["attempts"] == 10);
  REQUIRE(shown.at("a")["tasks"] == 0);
  REQUIRE(shown.at("a")["host"] == "test");
  REQUIRE(shown.at("b")["left"] == false);
  std::uint64_t tasks = 0;
  for (const auto& [id, w] : shown) {
    REQUIRE(w["attempts"].get<int>() >= 1);
    tasks += w["tasks"].get<std::uint64_t>();
  }
  REQUIRE(tasks == 30);
}

TEST_CASE("a worker draining when its job ends shows as left in the job's report", "[master]") {
  master_core m({});
  auto a = m.add_worker(worker("a", 1, 10));
  m.add_worker(worker("b", 1, 10));
  fake_kind kind(task_bound::latency);
  auto now = clock_type::time_point{};
  m.submit(test::checked(kind, job_of(20)), now);
  auto sent = m.dispatch(now);
  REQUIRE(sent.size() == 2);
  m.drain_worker(a);
  for (auto& x : sent) {
    m.on_results(x.id, x.worker, answers(x), true, now);
  }
  auto out = ended_json(m);
  REQUIRE(out["result"]["completed"] == 20);
  std::map<std::string, nlohmann::json> shown;
  for (const auto& w : out["stats"]["workers"]) {
    shown[w["id"].get<std::string>()] = w;
  }
  CHECK(shown.at("a")["left"] == true);
  CHECK(shown.at("b")["left"] == false);
  CHECK(m.workers().current(a));
}

TEST_CASE("10,000 joins and leaves leave the tables as large as the most workers present at once",
          "[master]") {
  master_core m({});
  m.add_worker(worker("stays"));
  for (int i = 0; i < 10'000; ++i) {
    m.remove_worker(m.add_worker(worker("passing-" + std::to_string(i))), clock_type::time_point{});
  }
  REQUIRE(m.workers().slot_count() == 2);
  REQUIRE(m.workers().process_count() == 2);
  REQUIRE(m.workers().alive_count() == 1);
  fake_kind kind(task_bound::cpu);
  m.submit(test::checked(kind, job_of(20)), clock_type::time_point{});
  m.add_worker(worker("joins-later"));
  run_all(m, clock_type::time_point{}, [](const outgoing_batch&, std::vector<task_result>&) {});
  auto out = ended_json(m);
  REQUIRE(out["result"]["completed"] == 20);
  for (const auto& w : out["stats"]["workers"]) {
    auto id = w["id"].get<std::string>();
    REQUIRE((id == "stays" || id == "joins-later"));
  }
}

TEST_CASE("round-robin and designated policies skip the slot of a worker that left",
          "[dispatcher]") {
  for (auto policy : {dispatch_policy::round_robin, dispatch_policy::designated}) {
    master_settings s;
    s.dispatch = policy;
    master_core m(s);
    m.add_worker(worker("a"));
    auto b = m.add_worker(worker("b"));
    m.add_worker(worker("c"));
    m.remove_worker(b, clock_type::time_point{});
    fake_kind kind(task_bound::cpu);
    auto r = job_of(100);
    r.speculate = false;
    m.submit(test::checked(kind, std::move(r)), clock_type::time_point{});
    auto done = simulate(m, {1, 1, 1}, 1);
    REQUIRE(done[0] == 50);
    REQUIRE(done[1] == 0);
    REQUIRE(done[2] == 50);
    REQUIRE(ended_json(m)["stats"]["tasks"] == 100);
  }
}

TEST_CASE("past its task timeout a worker keeps the credit of its tasks until it answers them or "
          "is gone",
          "[master]") {
  master_core m({});
  auto a = m.add_worker(worker("a"));
  auto b = m.add_worker(worker("b"));
  fake_kind kind(task_bound::cpu);
  job_request r = job_of(2);
  r.task_timeout = std::chrono::seconds(10);
  r.speculate = false;
  m.submit(test::checked(kind, r), t(0));
  auto sent = m.dispatch(t(0));
  REQUIRE(sent.size() == 2);
  auto on_a = sent[0].worker == a ? sent[0] : sent[1];
  auto on_b = sent[0].worker == a ? sent[1] : sent[0];
  m.on_results(on_b.id, b, answers(on_b), true, t(0));
  // Timed out at the tick: queued again for b; a still runs it, so its credit stays taken.
  m.tick(t(12'000));
  auto again = m.dispatch(t(12'000));
  REQUIRE(again.size() == 1);
  REQUIRE(again[0].worker == b);
  REQUIRE(m.workers().at(a).cpu_used == 1);
  // Past the bound a batch request once had (2x the task timeout + 1 s), nothing changes.
  m.tick(t(21'500));
  REQUIRE(m.dispatch(t(21'500)).empty());
  REQUIRE(m.workers().at(a).cpu_used == 1);
  SECTION("the worker answers") {
    m.on_results(again[0].id, b, answers(again[0]), true, t(21'600));
    REQUIRE(ended_json(m)["status"] == "ok");
    REQUIRE(m.workers().at(a).cpu_used == 1);
    auto cancelled = answers(on_a);
    cancelled[0].outcome = task_outcome::cancelled;
    m.on_results(on_a.id, a, std::move(cancelled), true, t(21'700));
    REQUIRE(m.workers().at(a).cpu_used == 0);
  }
  SECTION("the worker is gone") {
    m.remove_worker(a, t(21'600));
    REQUIRE_FALSE(m.workers().current(a));
    m.on_results(again[0].id, b, answers(again[0]), true, t(21'700));
    auto out = ended_json(m);
    REQUIRE(out["status"] == "ok");
    require_balanced(out);
  }
}

TEST_CASE("a non-idempotent job's task is never queued again on a timeout - its worker ends it",
          "[master]") {
  master_core m({});
  auto x = worker("x", 1, 1);
  auto y = worker("y", 1, 1);
  x.capabilities = y.capabilities = {"exec"};
  m.add_worker(x);
  m.add_worker(y);
  capable_kind kind;
  job_request r = job_of(1);
  r.task_timeout = std::chrono::seconds(1);
  m.submit(test::checked(kind, r), t(0));
  auto sent = m.dispatch(t(0));
  REQUIRE(sent.size() == 1);
  auto holder = sent[0].worker;
  for (int ms : {1200, 3500, 60'000}) {
    m.tick(t(ms));
    REQUIRE(m.dispatch(t(ms)).empty());
    REQUIRE(m.workers().at(holder).latency_used == 1);
  }
  // The worker ends the task at its timeout and reports how it ended.
  m.on_results(sent[0].id, holder, answers(sent[0]), true, t(60'000));
  auto out = ended_json(m);
  REQUIRE(out["status"] == "ok");
  REQUIRE(out["stats"]["attempts"] == 1);
  REQUIRE(out["stats"]["retries"] == 0);
  REQUIRE(m.workers().at(holder).latency_used == 0);
}

TEST_CASE("answers to a batch of a worker that left count as duplicates of its job", "[master]") {
  master_core m({});
  auto a = m.add_worker(worker("a", 1, 10));
  auto b = m.add_worker(worker("b", 1, 10));
  fake_kind kind(task_bound::latency);
  auto now = clock_type::time_point{};
  m.submit(test::checked(kind, job_of(20)), now);
  auto sent = m.dispatch(now);
  REQUIRE(sent.size() == 2);
  auto on_a = sent[0].worker == a ? sent[0] : sent[1];
  auto on_b = sent[0].worker == a ? sent[1] : sent[0];
  m.remove_worker(a, now);
  // Answers a sent before it was dropped, still on their way: three ahead, the rest with the
  // batch's own answer. A forged one among them, and one from another worker, are not counted.
  auto res = answers(on_a);
  std::vector<task_result> ahead(res.begin(), res.begin() + 3);
  auto forged = ahead.front();
  forged.index += 100;
  ahead.push_back(forged);
  m.on_results(on_a.id, b, std::vector<task_result>(ahead), false, now);
  m.on_results(on_a.id, a, std::move(ahead), false, now);
  m.on_results(on_a.id, a, {res.begin() + 3, res.end()}, true, now);
  m.on_results(on_b.id, b, answers(on_b), true, now);
  run_all(m, now,
          [&](const outgoing_batch& x, std::vector<task_result>&) { REQUIRE(x.worker == b); });
  auto out = ended_json(m);
  REQUIRE(out["status"] == "ok");
  REQUIRE(out["result"]["completed"] == 20);
  REQUIRE(out["stats"]["duplicates"] == 10);
  require_balanced(out);
}

TEST_CASE("an answer the kind's reducer cannot read fails the job naming the task and the worker, "
          "never the master",
          "[master]") {
  master_core m({});
  auto w = worker("liar");
  w.capabilities = {"sql"};
  m.add_worker(w);
  const auto sql = make_sql_kind();
  job_request r;
  r.kind = "sql";
  r.args.set("dsn", "host=127.0.0.1 dbname=x");
  r.args.set("query", "select count(*) as n from t where id >= $1 and id < $2");
  r.args.set("to", "4");
  r.args.set("tasks", "4");
  r.args.set("reduce", "sum:n");
  m.submit(test::checked(*sql, r), t(0));
  auto batches = m.dispatch(t(1));
  REQUIRE(batches.size() == 1);
  auto& b = batches.front();
  std::vector<task_result> lies;
  for (const auto& task : b.tasks) {
    lies.push_back({task.index, task.attempt, task_outcome::ok, partial{1, "not totals"}, {}});
  }
  m.on_results(b.id, b.worker, std::move(lies), true, t(2));
  const auto out = ended_json(m);
  CHECK(out["status"] == "failed");
  CHECK(out["reason"] == "task");
  CHECK_THAT(out["error"].get<std::string>(),
             Catch::StartsWith("task 0 (index=0 keys [0, 1) shard 0): the answer of worker liar "
                               "cannot be merged: "));
}
