// Unit tests of the worker's task_runner without actors: wake-ups, batches, failures, cancellation.
#include "cohort/context.hpp"
#include "cohort/count_reducer.hpp"
#include "core/task_runner.hpp"

#include "tests/unit/test_kinds.hpp"

#include <catch2/catch.hpp>

#include <time.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace cohort;

namespace {

int frames_alive = 0;

struct frame_counter {
  frame_counter() { ++frames_alive; }
  ~frame_counter() { --frames_alive; }
};

// lo = ms to sleep (0: no suspension), hi = 1: throw after the sleep. "test" is latency-bound,
// "cpu" the same body counted as CPU-bound.
class test_kind final : public test::test_kind_base {
public:
  test_kind(std::string name, task_bound b) : name_(std::move(name)), bound_(b) {}
  std::string_view name() const override { return name_; }
  task_bound bound(const params&) const override { return bound_; }
  void validate(const params&) const override {}
  std::unique_ptr<job_plan> split(const params&) const override { return nullptr; }
  task<partial> run(task_spec spec, task_context& ctx) const override {
    frame_counter c;
    co_await ctx.sleep(std::chrono::milliseconds(spec.lo));
    if (spec.hi == 1) {
      throw std::runtime_error("task " + std::to_string(spec.index) + " failed");
    }
    co_return partial{spec.index, {}};
  }

private:
  std::string name_;
  task_bound bound_;
};

struct recorded_waker : task_runner::waker {
  struct wake_up {
    std::uint64_t slot;
    std::uint64_t generation;
    std::chrono::nanoseconds delay;
  };
  std::vector<wake_up> wakes;
  void wake(std::uint64_t slot, std::uint64_t generation, std::chrono::nanoseconds delay) override {
    wakes.push_back({slot, generation, delay});
  }
  std::function<void()> wake_from_anywhere(std::uint64_t slot, std::uint64_t generation) override {
    return [this, slot, generation] {
      wakes.push_back({slot, generation, {}});
    };
  }
  void deliver_all(task_runner& r) {
    auto now = std::exchange(wakes, {});
    for (auto& w : now) {
      r.resume(w.slot, w.generation);
    }
  }
};

std::shared_ptr<registry> test_registry() {
  auto r = std::make_shared<registry>();
  r->add(std::make_shared<test_kind>("test", task_bound::latency));
  r->add(std::make_shared<test_kind>("cpu", task_bound::cpu));
  return r;
}

task_spec spec(std::uint64_t index, std::uint64_t ms, std::uint64_t fail = 0) {
  task_spec t;
  t.index = index;
  t.attempt = 1;
  t.lo = ms;
  t.hi = fail;
  return t;
}

const job_desc test_job{7, "test", {}};
const job_desc cpu_job{9, "cpu", {}};

} // namespace

TEST_CASE("tasks that never suspend answer their batch at once", "[task_runner]") {
  recorded_waker w;
  task_runner r(test_registry(), w, 1.0);
  auto id = r.start_batch(test_job, {spec(0, 0), spec(1, 0)});
  auto done = r.take_finished();
  REQUIRE(done.size() == 1);
  REQUIRE(done[0].batch == id);
  REQUIRE(done[0].results.size() == 2);
  REQUIRE(done[0].results[1].value.count == 1);
  REQUIRE(w.wakes.empty());
  REQUIRE(r.in_flight() == 0);
}

TEST_CASE("a batch is answered once its last suspended task resumes", "[task_runner]") {
  recorded_waker w;
  task_runner r(test_registry(), w, 1.0);
  r.start_batch(test_job, {spec(0, 5), spec(1, 0), spec(2, 10)});
  REQUIRE(r.take_finished().empty());
  REQUIRE(r.in_flight() == 2);
  REQUIRE(w.wakes.size() == 2);
  REQUIRE(w.wakes[0].delay == std::chrono::milliseconds(5));
  w.deliver_all(r);
  auto done = r.take_finished();
  REQUIRE(done.size() == 1);
  REQUIRE(done[0].results.size() == 3);
  REQUIRE(r.in_flight() == 0);
  REQUIRE(frames_alive == 0);
}

TEST_CASE("stale wake-ups are ignored", "[task_runner]") {
  recorded_waker w;
  task_runner r(test_registry(), w, 1.0);
  r.start_batch(test_job, {spec(0, 5)});
  auto first = w.wakes.at(0);
  r.resume(first.slot, first.generation + 1);
  REQUIRE(r.in_flight() == 1);
  r.resume(first.slot, first.generation);
  REQUIRE(r.in_flight() == 0);
  r.resume(first.slot, first.generation);
  REQUIRE(r.take_finished().size() == 1);
}

TEST_CASE("an exception becomes a failed answer naming it", "[task_runner]") {
  recorded_waker w;
  task_runner r(test_registry(), w, 1.0);
  r.start_batch(test_job, {spec(3, 1, 1)});
  w.deliver_all(r);
  auto done = r.take_finished();
  REQUIRE(done.at(0).results.at(0).outcome == task_outcome::failed);
  REQUIRE(done[0].results[0].error == "task 3 failed");
}

TEST_CASE("an unknown kind fails every task of the batch", "[task_runner]") {
  recorded_waker w;
  task_runner r(test_registry(), w, 1.0);
  r.start_batch(job_desc{1, "nope", {}}, {spec(0, 0)});
  auto done = r.take_finished();
  REQUIRE(done.at(0).results.at(0).outcome == task_outcome::failed);
  REQUIRE(done[0].results[0].error.find("nope") != std::string::npos);
}

TEST_CASE("cancelling a job destroys its suspended frames and answers them cancelled",
          "[task_runner]") {
  recorded_waker w;
  task_runner r(test_registry(), w, 1.0);
  r.start_batch(test_job, {spec(0, 1000), spec(1, 1000)});
  r.start_batch(job_desc{8, "test", {}}, {spec(0, 1000)});
  REQUIRE(frames_alive == 3);
  r.cancel_job(7);
  REQUIRE(frames_alive == 1);
  auto done = r.take_finished();
  REQUIRE(done.size() == 1);
  REQUIRE(done[0].results.size() == 2);
  REQUIRE(done[0].results[0].outcome == task_outcome::cancelled);
  w.deliver_all(r);
  REQUIRE(frames_alive == 0);
  REQUIRE(r.take_finished().size() == 1);
}

TEST_CASE("destroying the runner frees every suspended frame", "[task_runner]") {
  recorded_waker w;
  {
    task_runner r(test_registry(), w, 1.0);
    r.start_batch(test_job, {spec(0, 1000), spec(1, 1000)});
    REQUIRE(frames_alive == 2);
  }
  REQUIRE(frames_alive == 0);
}

TEST_CASE("slowdown holds a finished task back for (F-1) times its run time", "[task_runner]") {
  recorded_waker w;
  task_runner r(test_registry(), w, 4.0);
  r.start_batch(test_job, {spec(0, 0)});
  REQUIRE(r.take_finished().empty());
  REQUIRE(w.wakes.size() == 1);
  REQUIRE(w.wakes[0].delay >= std::chrono::nanoseconds::zero());
  w.deliver_all(r);
  REQUIRE(r.take_finished().size() == 1);
}

TEST_CASE("answers of a running batch are taken ahead, the rest come with the batch",
          "[task_runner]") {
  recorded_waker w;
  task_runner r(test_registry(), w, 1.0);
  auto id = r.start_batch(test_job, {spec(0, 0), spec(1, 5), spec(2, 50)});
  REQUIRE(r.take_finished().empty());
  REQUIRE(r.has_progress());
  auto ahead = r.take_progress();
  REQUIRE(ahead.size() == 1);
  REQUIRE(ahead[0].batch == id);
  REQUIRE(ahead[0].results.size() == 1);
  REQUIRE(ahead[0].results[0].index == 0);
  REQUIRE_FALSE(r.has_progress());
  REQUIRE(r.take_progress().empty());
  w.deliver_all(r);
  auto done = r.take_finished();
  REQUIRE(done.size() == 1);
  REQUIRE(done[0].results.size() == 2);
}

TEST_CASE("cancelling one attempt leaves the batch's other tasks running", "[task_runner]") {
  recorded_waker w;
  task_runner r(test_registry(), w, 1.0);
  r.start_batch(test_job, {spec(0, 5), spec(1, 5)});
  REQUIRE(frames_alive == 2);
  REQUIRE_FALSE(r.cancel_task(test_job.job, 0, 2));
  REQUIRE_FALSE(r.cancel_task(test_job.job + 1, 0, 1));
  REQUIRE(r.cancel_task(test_job.job, 0, 1));
  REQUIRE(frames_alive == 1);
  REQUIRE(r.in_flight() == 1);
  w.deliver_all(r);
  auto done = r.take_finished();
  REQUIRE(done.size() == 1);
  REQUIRE(done[0].results.size() == 2);
  for (const auto& x : done[0].results) {
    REQUIRE(x.outcome == (x.index == 0 ? task_outcome::cancelled : task_outcome::ok));
  }
  REQUIRE(frames_alive == 0);
}

namespace {

class guarded_kind final : public test::test_kind_base {
public:
  std::string_view name() const override { return "guarded"; }
  std::string_view capability() const override { return "exec"; }
  task_bound bound(const params&) const override { return task_bound::latency; }
  void validate(const params&) const override {}
  std::unique_ptr<job_plan> split(const params&) const override { return nullptr; }
  task<partial> run(task_spec, task_context&) const override { co_return partial{1, {}}; }
};

} // namespace

TEST_CASE("a kind that needs a capability runs only where it is granted", "[task_runner]") {
  auto kinds = std::make_shared<registry>();
  kinds->add(std::make_shared<guarded_kind>());
  const job_desc job{3, "guarded", {}};
  recorded_waker w;
  task_runner refusing(kinds, w, 1.0);
  refusing.start_batch(job, {spec(0, 0)});
  auto refused = refusing.take_finished();
  REQUIRE(refused.size() == 1);
  REQUIRE(refused[0].results[0].outcome == task_outcome::failed);
  REQUIRE(refused[0].results[0].error.find("does not allow exec") != std::string::npos);

  task_runner granting(kinds, w, 1.0);
  granting.grant({"exec"});
  granting.start_batch(job, {spec(0, 0)});
  auto ran = granting.take_finished();
  REQUIRE(ran.size() == 1);
  REQUIRE(ran[0].results[0].outcome == task_outcome::ok);
}

TEST_CASE("with a CPU limit, CPU-bound tasks wait and run one after another in order",
          "[task_runner]") {
  recorded_waker w;
  task_runner r(test_registry(), w, 1.0);
  r.limit_cpu(1);
  auto id = r.start_batch(cpu_job, {spec(0, 5), spec(1, 5), spec(2, 0)});
  REQUIRE(frames_alive == 1);
  REQUIRE(w.wakes.size() == 1);
  REQUIRE(r.in_flight() == 3);
  w.deliver_all(r);
  REQUIRE(frames_alive == 1);
  REQUIRE(w.wakes.size() == 1);
  REQUIRE(r.in_flight() == 2);
  w.deliver_all(r);
  REQUIRE(frames_alive == 0);
  REQUIRE(r.in_flight() == 0);
  std::vector<std::uint64_t> order;
  for (auto& b : r.take_progress()) {
    for (auto& x : b.results) {
      order.push_back(x.index);
    }
  }
  auto done = r.take_finished();
  REQUIRE(done.size() == 1);
  REQUIRE(done[0].batch == id);
  for (auto& x : done[0].results) {
    order.push_back(x.index);
  }
  REQUIRE(order == std::vector<std::uint64_t>{0, 1, 2});
}

TEST_CASE("a CPU limit leaves latency-bound tasks alone", "[task_runner]") {
  recorded_waker w;
  task_runner r(test_registry(), w, 1.0);
  r.limit_cpu(1);
  r.start_batch(test_job, {spec(0, 5), spec(1, 5), spec(2, 5)});
  REQUIRE(frames_alive == 3);
  REQUIRE(w.wakes.size() == 3);
  r.start_batch(cpu_job, {spec(0, 5), spec(1, 5)});
  REQUIRE(frames_alive == 4);
  w.deliver_all(r);
  REQUIRE(r.take_finished().size() == 1);
  REQUIRE(frames_alive == 1);
  w.deliver_all(r);
  REQUIRE(frames_alive == 0);
  REQUIRE(r.take_finished().size() == 1);
}

TEST_CASE("waiting tasks are cancelled without ever starting", "[task_runner]") {
  recorded_waker w;
  task_runner r(test_registry(), w, 1.0);
  r.limit_cpu(1);
  r.start_batch(cpu_job, {spec(0, 5), spec(1, 5), spec(2, 5)});
  REQUIRE(r.cancel_task(cpu_job.job, 1, 1));
  REQUIRE(frames_alive == 1);
  REQUIRE(r.in_flight() == 2);
  auto ahead = r.take_progress();
  REQUIRE(ahead.size() == 1);
  REQUIRE(ahead[0].results.at(0).index == 1);
  REQUIRE(ahead[0].results[0].outcome == task_outcome::cancelled);

  auto cancelled = r.cancel_job(cpu_job.job);
  std::sort(cancelled.begin(), cancelled.end());
  REQUIRE(cancelled == std::vector<std::uint64_t>{0, 2});
  REQUIRE(frames_alive == 0);
  REQUIRE(r.in_flight() == 0);
  auto done = r.take_finished();
  REQUIRE(done.size() == 1);
  REQUIRE(done[0].results.size() == 2);
  for (const auto& x : done[0].results) {
    REQUIRE(x.outcome == task_outcome::cancelled);
  }
  w.deliver_all(r);
  REQUIRE(frames_alive == 0);
}

namespace {

std::chrono::nanoseconds thread_cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

// Blocks its thread for 40 ms (time without CPU, as when the core is taken by others), then
// burns 5 ms of CPU.
class blocking_kind final : public test::test_kind_base {
public:
  std::string_view name() const override { return "blocking"; }
  task_bound bound(const params&) const override { return task_bound::cpu; }
  void validate(const params&) const override {}
  std::unique_ptr<job_plan> split(const params&) const override { return nullptr; }
  task<partial> run(task_spec, task_context&) const override {
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
    auto until = thread_cpu_now() + std::chrono::milliseconds(5);
    while (thread_cpu_now() < until) {
    }
    co_return partial{1, {}};
  }
};

} // namespace

TEST_CASE("slowdown stretches a task's own run time, not time its thread did not run",
          "[task_runner]") {
  auto kinds = std::make_shared<registry>();
  kinds->add(std::make_shared<blocking_kind>());
  recorded_waker w;
  task_runner r(kinds, w, 3.0);
  r.start_batch(job_desc{4, "blocking", {}}, {spec(0, 0)});
  REQUIRE(w.wakes.size() == 1);
  // (3 - 1) x about 5 ms; counting the 40 ms blocked would hold it back 90 ms.
  CHECK(w.wakes[0].delay >= std::chrono::milliseconds(10));
  CHECK(w.wakes[0].delay < std::chrono::milliseconds(40));
  w.deliver_all(r);
  REQUIRE(r.take_finished().size() == 1);
}

namespace {

// Answers with the job's task timeout in ms as seen by the task (0: none).
class timeout_probe_kind final : public test::test_kind_base {
public:
  std::string_view name() const override { return "probe"; }
  task_bound bound(const params&) const override { return task_bound::latency; }
  void validate(const params&) const override {}
  std::unique_ptr<job_plan> split(const params&) const override { return nullptr; }
  task<partial> run(task_spec, task_context& ctx) const override {
    const auto t = ctx.task_timeout();
    co_return partial{t ? static_cast<std::uint64_t>(
                              std::chrono::duration_cast<std::chrono::milliseconds>(*t).count())
                        : 0,
                      {}};
  }
};

} // namespace

TEST_CASE("a task sees its job's task timeout", "[task_runner]") {
  auto kinds = std::make_shared<registry>();
  kinds->add(std::make_shared<timeout_probe_kind>());
  recorded_waker w;
  task_runner r(kinds, w, 1.0);
  r.start_batch(job_desc{1, "probe", {}, std::chrono::milliseconds(1500)}, {spec(0, 0)});
  r.start_batch(job_desc{2, "probe", {}}, {spec(0, 0)});
  auto done = r.take_finished();
  REQUIRE(done.size() == 2);
  CHECK(done[0].results.at(0).value.count == 1500);
  CHECK(done[1].results.at(0).value.count == 0);
}
