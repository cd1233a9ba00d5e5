// Unit tests of the master core with --journal, in simulated time: the records it hands the
// journal, and a second master core that resumes from a real journal file what the first merged,
// running only the other tasks, with an exact result.
#include "core/journal.hpp"
#include "core/master_core.hpp"

#include "tests/unit/scratch_dir.hpp"
#include "tests/unit/test_kinds.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <set>

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
  w.slots = 10;
  w.concurrency = 10;
  return w;
}

master_settings journaled() {
  master_settings s;
  s.journal = "in a test";
  s.batch = 10;
  return s;
}

job_request job_of(std::uint64_t tasks) {
  job_request r;
  r.args.set("tasks", std::to_string(tasks));
  return r;
}

// Each task's partial is its index plus one, so the sum tells whether every task counted once.
std::vector<task_result> answers(const outgoing_batch& b, std::set<std::uint64_t>& seen) {
  std::vector<task_result> out;
  for (const auto& task : b.tasks) {
    CHECK(seen.insert(task.index).second);
    out.push_back({task.index, task.attempt, task_outcome::ok, partial{task.index + 1, {}}, {}});
  }
  return out;
}

// A reducer with no snapshot: the kind restarts its jobs after a master restart.
class plain_sum final : public reducer {
public:
  void merge(partial&& p) override { sum_ += p.count; }
  nlohmann::ordered_json render() const override { return {{"completed", sum_}}; }

private:
  std::uint64_t sum_ = 0;
};

class plain_plan final : public job_plan {
public:
  explicit plain_plan(std::uint64_t n) : n_(n) {}
  std::uint64_t task_count() const override { return n_; }
  task_spec make_task(std::uint64_t) const override { return {}; }
  std::unique_ptr<reducer> make_reducer() const override { return std::make_unique<plain_sum>(); }

private:
  std::uint64_t n_;
};

class plain_kind final : public test::test_kind_base {
public:
  std::string_view name() const override { return "plain"; }
  task_bound bound(const params&) const override { return task_bound::latency; }
  std::unique_ptr<job_plan> split(const params& p) const override {
    return std::make_unique<plain_plan>(p.get_u64("tasks", 1));
  }
  task<partial> run(task_spec, task_context&) const override { co_return partial{}; }
};

// A kind whose tasks must never run twice, as exec with retry=false.
class once_kind final : public test::test_kind_base {
public:
  std::string_view name() const override { return "once"; }
  task_bound bound(const params&) const override { return task_bound::latency; }
  bool idempotent(const params&) const override { return false; }
  std::unique_ptr<job_plan> split(const params& p) const override {
    return std::make_unique<test::count_plan>(p.get_u64("tasks", 1));
  }
  task<partial> run(task_spec, task_context&) const override { co_return partial{}; }
};

// The tickets of the tasks_started records among `records`, and their tasks, in order.
std::vector<tasks_started> starts_in(const std::vector<journal_record>& records) {
  std::vector<tasks_started> out;
  for (const auto& r : records) {
    if (const auto* s = std::get_if<tasks_started>(&r)) {
      out.push_back(*s);
    }
  }
  return out;
}

// dispatch(), with the journal writing at once what the batches wait for.
std::vector<outgoing_batch> dispatch_written(master_core& m, int at) {
  auto out = m.dispatch(t(at));
  for (const auto& s : starts_in(m.take_journal(t(at)))) {
    m.journal_written(s.ticket);
  }
  for (auto& b : m.dispatch(t(at))) {
    out.push_back(std::move(b));
  }
  return out;
}

// A kind whose tasks are made from an input the test changes: its digest is `*input`.
class input_kind final : public test::test_kind_base {
public:
  explicit input_kind(bool once) : once_(once) {}
  std::shared_ptr<std::string> input = std::make_shared<std::string>("first");
  std::string_view name() const override { return "input"; }
  task_bound bound(const params&) const override { return task_bound::latency; }
  bool idempotent(const params&) const override { return !once_; }
  std::unique_ptr<job_plan> split(const params& p) const override {
    class plan final : public job_plan {
    public:
      plan(std::uint64_t n, std::string digest) : n_(n), digest_(std::move(digest)) {}
      std::uint64_t task_count() const override { return n_; }
      task_spec make_task(std::uint64_t) const override { return {}; }
      std::string input_digest() const override { return digest_; }
      std::unique_ptr<reducer> make_reducer() const override {
        return std::make_unique<count_reducer>("completed");
      }

    private:
      std::uint64_t n_;
      std::string digest_;
    };
    return std::make_unique<plan>(p.get_u64("tasks", 1), *input);
  }
  task<partial> run(task_spec, task_context&) const override { co_return partial{}; }

private:
  bool once_;
};

nlohmann::json run_to_end(master_core& m, std::set<std::uint64_t>& seen, int at) {
  for (int round = 0; round < 1000 && m.running_jobs() > 0; ++round) {
    for (auto& b : dispatch_written(m, at)) {
      m.on_results(b.id, b.worker, answers(b, seen), true, t(at));
    }
  }
  auto ended = m.take_ended();
  REQUIRE(ended.size() == 1);
  return nlohmann::json::parse(ended[0].outcome.json);
}

} // namespace

TEST_CASE("master journal: a job resumed from the journal runs only what was not merged, exactly",
          "[master][journal]") {
  const test::scratch_dir dir;
  const auto file = (dir.path() / "j.db").string();
  test::fake_kind kind(task_bound::latency);
  std::set<std::uint64_t> first_run;
  {
    journal store(file);
    master_core m(journaled());
    m.add_worker(worker("a"));
    const auto id = m.submit(test::checked(kind, job_of(100)), t(0));
    CHECK(id == 1);
    auto records = m.take_journal(t(0));
    REQUIRE(records.size() == 1);
    CHECK(std::get<job_accepted>(records[0]).resumable);
    store.write(records);
    // Three batches merged, then a snapshot is due, then two more batches.
    for (int i = 0; i < 5; ++i) {
      const int at = i < 3 ? 1000 : 6000;
      for (auto& b : m.dispatch(t(at))) {
        m.on_results(b.id, b.worker, answers(b, first_run), true, t(at));
        break;
      }
      auto more = m.take_journal(t(at));
      if (i == 3) {
        REQUIRE(more.size() == 2);
        CHECK(std::holds_alternative<tasks_merged>(more[0]));
        CHECK(std::get<job_snapshot>(more[1]).merged.size() == 40);
      }
      store.write(more);
    }
    // The master dies here: the batches still out are lost with it.
  }
  REQUIRE(first_run.size() == 50);
  journal store(file);
  const auto held = store.unfinished();
  REQUIRE(held.size() == 1);
  CHECK(held[0].merged.size() == 40);
  CHECK(held[0].since.size() == 10);

  master_core m(journaled());
  m.add_worker(worker("b"));
  m.number_after(store.last_id());
  CHECK(m.resume(test::checked(kind, job_of(100)), held[0], t(0)) == 1);
  std::set<std::uint64_t> second_run;
  const auto out = run_to_end(m, second_run, 0);
  CHECK(out["status"] == "ok");
  CHECK(out["result"]["completed"] == 5050);
  CHECK(out["stats"]["resumed"] == 50);
  CHECK(out["stats"]["tasks"] == 50);
  for (auto x : second_run) {
    CHECK(first_run.count(x) == 0);
  }
  const auto records = m.take_journal(t(0));
  REQUIRE_FALSE(records.empty());
  CHECK(std::get<job_finished>(records.back()).status == job_status::ok);
  CHECK(m.submit(test::checked(kind, job_of(1)), t(0)) == 2);
}

TEST_CASE("master journal: a kind without snapshots starts again from its first task and says so",
          "[master][journal]") {
  plain_kind kind;
  master_core m(journaled());
  m.add_worker(worker("a"));
  unfinished_job held;
  held.id = 7;
  held.owner = 3;
  std::set<std::uint64_t> seen;
  CHECK(m.resume(test::checked(kind, job_of(20)), held, t(0)) == 7);
  CHECK(m.owner_of(7) == 3u);
  const auto out = run_to_end(m, seen, 0);
  CHECK(out["result"]["completed"] == 210);
  CHECK(out["stats"]["tasks"] == 20);
  CHECK(out["stats"]["resumed"] == 0);
  CHECK(out["stats"]["restarted"] == true);
}

TEST_CASE("master journal: a stopping master leaves its jobs to the journal, not as cancelled",
          "[master][journal]") {
  test::fake_kind kind(task_bound::latency);
  master_core m(journaled());
  m.add_worker(worker("a"));
  m.submit(test::checked(kind, job_of(100)), t(0));
  std::set<std::uint64_t> seen;
  for (auto& b : m.dispatch(t(0))) {
    m.on_results(b.id, b.worker, answers(b, seen), true, t(0));
    break;
  }
  m.take_journal(t(0));
  m.suspend_all(t(1));
  m.cancel_all(t(1));
  const auto records = m.take_journal(t(1));
  REQUIRE(records.size() == 1);
  CHECK(std::get<job_snapshot>(records[0]).merged.size() == 10);
  const auto ended = m.take_ended();
  REQUIRE(ended.size() == 1);
  CHECK(ended[0].outcome.status == job_status::cancelled);
}

TEST_CASE("master journal: a journal whose state does not fit the job fails it, naming why",
          "[master][journal]") {
  test::fake_kind kind(task_bound::latency);
  master_core m(journaled());
  m.add_worker(worker("a"));
  unfinished_job held;
  held.id = 1;
  held.resumable = true;
  held.since.push_back({500, partial{1, {}}});
  m.resume(test::checked(kind, job_of(10)), held, t(0));
  auto ended = m.take_ended();
  REQUIRE(ended.size() == 1);
  CHECK(ended[0].outcome.json.find("the journal holds task 500 of a job of 10 tasks") !=
        std::string::npos);
  unfinished_job garbled;
  garbled.id = 2;
  garbled.resumable = true;
  garbled.state = "not a number";
  m.resume(test::checked(kind, job_of(10)), garbled, t(0));
  ended = m.take_ended();
  REQUIRE(ended.size() == 1);
  CHECK(ended[0].outcome.json.find("cannot be restored") != std::string::npos);
}

TEST_CASE("master journal: a batch of a job whose tasks must not run twice goes out once the "
          "journal wrote that its tasks start",
          "[master][journal]") {
  once_kind kind;
  master_core m(journaled());
  m.add_worker(worker("a"));
  m.submit(test::checked(kind, job_of(30)), t(0));
  CHECK(m.dispatch(t(0)).empty());
  auto starts = starts_in(m.take_journal(t(0)));
  REQUIRE(starts.size() == 1);
  CHECK(starts[0].job == 1);
  CHECK(starts[0].tasks.size() == 10);
  CHECK(starts[0].tasks.contains(0));
  CHECK(starts[0].tasks.contains(9));
  // The worker's credit is taken by the batch that waits: nothing more is made meanwhile.
  CHECK(m.dispatch(t(1)).empty());
  CHECK(starts_in(m.take_journal(t(1))).empty());
  m.journal_written(starts[0].ticket - 1);
  CHECK(m.dispatch(t(2)).empty());
  m.journal_written(starts[0].ticket);
  auto out = m.dispatch(t(3));
  REQUIRE(out.size() == 1);
  CHECK(out[0].tasks.size() == 10);
  CHECK(out[0].tasks.front().index == 0);
  std::set<std::uint64_t> seen;
  m.on_results(out[0].id, out[0].worker, answers(out[0], seen), true, t(4));
  const auto line = run_to_end(m, seen, 5);
  CHECK(line["status"] == "ok");
  CHECK(line["result"]["completed"] == 465);
  CHECK(line["stats"]["attempts"] == 30);
}

TEST_CASE("master journal: a worker lost while its batch waits for the journal costs nothing",
          "[master][journal]") {
  once_kind kind;
  master_core m(journaled());
  auto a = m.add_worker(worker("a"));
  m.submit(test::checked(kind, job_of(10)), t(0));
  CHECK(m.dispatch(t(0)).empty());
  const auto first = starts_in(m.take_journal(t(0)));
  REQUIRE(first.size() == 1);
  // Its batch never left: the job does not fail, and the tasks go to the next worker.
  m.remove_worker(a, t(1));
  CHECK(m.take_ended().empty());
  m.journal_written(first[0].ticket);
  CHECK(m.dispatch(t(1)).empty());
  m.add_worker(worker("b"));
  std::set<std::uint64_t> seen;
  const auto line = run_to_end(m, seen, 2);
  CHECK(line["status"] == "ok");
  CHECK(line["result"]["completed"] == 55);
  CHECK(line["stats"]["attempts"] == 10);
  CHECK(line["stats"]["reassigned"] == 0);
}

TEST_CASE("master journal: tasks that started and were not merged before the master stopped fail "
          "a job that must not run them twice",
          "[master][journal]") {
  const test::scratch_dir dir;
  const auto file = (dir.path() / "j.db").string();
  once_kind kind;
  std::uint64_t in_flight = 0;
  {
    journal store(file);
    master_core m(journaled());
    m.add_worker(worker("a"));
    m.add_worker(worker("b"));
    m.submit(test::checked(kind, job_of(40)), t(0));
    m.submit(test::checked(kind, job_of(40)), t(0));
    // Each worker takes a batch of one job; job 1's is answered, job 2's is not. The next batch
    // waits for the journal when the master dies, before the journal wrote it.
    CHECK(m.dispatch(t(0)).empty());
    auto records = m.take_journal(t(0));
    store.write(records);
    for (const auto& started : starts_in(records)) {
      m.journal_written(started.ticket);
    }
    auto out = m.dispatch(t(0));
    REQUIRE(out.size() == 2);
    std::set<std::uint64_t> seen;
    for (const auto& b : out) {
      if (b.job == 1) {
        m.on_results(b.id, b.worker, answers(b, seen), true, t(1));
      } else {
        in_flight += b.tasks.size();
      }
    }
    store.write(m.take_journal(t(1)));
    CHECK(m.dispatch(t(1)).empty());
    CHECK(starts_in(m.take_journal(t(1))).size() == 1);
  }
  journal store(file);
  auto held = store.unfinished();
  REQUIRE(held.size() == 2);
  master_core m(journaled());
  m.add_worker(worker("c"));
  m.number_after(store.last_id());
  REQUIRE(in_flight == 10);
  CHECK(held[1].started.size() == 10);
  m.resume(test::checked(kind, job_of(40)), held[1], t(0));
  auto ended = m.take_ended();
  REQUIRE(ended.size() == 1);
  CHECK(ended[0].outcome.status == job_status::failed);
  const auto failed = nlohmann::json::parse(ended[0].outcome.json);
  CHECK(failed["reason"] == "task");
  CHECK(failed["error"].get<std::string>().rfind("task 0 (", 0) == 0);
  CHECK(failed["error"].get<std::string>().find(") and 9 more were running when the master "
                                                "stopped") != std::string::npos);
  // Job 1: its started tasks were all merged, so it goes on without them.
  CHECK(held[0].started.size() == 10);
  m.resume(test::checked(kind, job_of(40)), held[0], t(0));
  std::set<std::uint64_t> seen;
  const auto line = run_to_end(m, seen, 1);
  CHECK(line["status"] == "ok");
  CHECK(line["result"]["completed"] == 820);
  CHECK(line["stats"]["resumed"] == 10);
  CHECK(line["stats"]["tasks"] == 30);
}

TEST_CASE("master journal: a journal that failed ends the jobs that must not run twice, and only "
          "those",
          "[master][journal]") {
  once_kind once;
  test::fake_kind fake(task_bound::latency);
  master_core m(journaled());
  m.add_worker(worker("a"));
  m.submit(test::checked(once, job_of(10)), t(0));
  m.submit(test::checked(fake, job_of(10)), t(0));
  m.dispatch(t(0));
  m.journal_failed(t(1));
  auto ended = m.take_ended();
  REQUIRE(ended.size() == 1);
  CHECK(ended[0].job == 1);
  CHECK(ended[0].outcome.json.find("the journal failed") != std::string::npos);
  CHECK(m.running_jobs() == 1);
  // A new job of that kind then runs without waiting on the journal.
  m.submit(test::checked(once, job_of(5)), t(2));
  for (int round = 0; round < 100 && m.running_jobs() > 0; ++round) {
    for (auto& b : m.dispatch(t(3))) {
      std::set<std::uint64_t> seen;
      m.on_results(b.id, b.worker, answers(b, seen), true, t(3));
    }
  }
  CHECK(m.running_jobs() == 0);
}

TEST_CASE("master journal: a job whose tasks changed since the journal recorded it starts again "
          "from its first task, or fails if it must not run a started task twice",
          "[master][journal]") {
  const test::scratch_dir dir;
  const auto file = (dir.path() / "j.db").string();
  input_kind again(false);
  input_kind once(true);
  {
    journal store(file);
    master_core m(journaled());
    m.add_worker(worker("a"));
    m.add_worker(worker("b"));
    m.submit(test::checked(again, job_of(20)), t(0));
    m.submit(test::checked(once, job_of(20)), t(0));
    auto records = m.take_journal(t(0));
    REQUIRE(records.size() == 2);
    CHECK(std::get<job_accepted>(records[0]).plan == "20:first");
    store.write(records);
    auto out = dispatch_written(m, 0);
    REQUIRE(out.size() == 2);
    // dispatch_written took the journal's records: write the starts as the writer would have.
    for (const auto& b : out) {
      index_set started;
      for (const auto& task : b.tasks) {
        started.insert(task.index);
      }
      store.write({tasks_started{b.job, 1, started}});
    }
    std::set<std::uint64_t> seen;
    for (const auto& b : out) {
      if (b.job == 1) {
        m.on_results(b.id, b.worker, answers(b, seen), true, t(1));
      }
    }
    store.write(m.take_journal(t(1)));
  }
  *again.input = "second";
  *once.input = "second";
  journal store(file);
  const auto held = store.unfinished();
  REQUIRE(held.size() == 2);
  master_core m(journaled());
  m.add_worker(worker("b"));
  m.number_after(store.last_id());
  m.resume(test::checked(once, job_of(20)), held[1], t(0));
  auto ended = m.take_ended();
  REQUIRE(ended.size() == 1);
  CHECK(ended[0].outcome.json.find("its tasks changed since the journal recorded it (tasks and "
                                   "inputs 20:first, now 20:second)") != std::string::npos);
  m.take_journal(t(0));
  m.resume(test::checked(again, job_of(20)), held[0], t(0));
  // The journal forgets the answers it held of the job.
  const auto records = m.take_journal(t(0));
  REQUIRE(records.size() == 1);
  CHECK(std::get<job_accepted>(records[0]).plan == "20:second");
  std::set<std::uint64_t> seen;
  const auto line = run_to_end(m, seen, 1);
  CHECK(line["status"] == "ok");
  CHECK(line["result"]["completed"] == 210);
  CHECK(line["stats"]["tasks"] == 20);
  CHECK(line["stats"]["resumed"] == 0);
  CHECK(line["stats"]["restarted"] == true);
}
