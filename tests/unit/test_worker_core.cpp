// Unit tests of worker_core without actors: answers sent ahead (at once, then paced), final
// answers, the --batch bound per message, cancels and drain, on a clock the test moves.
#include "core/worker_core.hpp"

#include "tests/unit/test_kinds.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

using namespace cohort;
using namespace std::chrono_literals;

namespace {

// lo = ms to sleep (0: no suspension). "test" is latency-bound, "cpu" the same body CPU-bound.
class sleeping_kind final : public test::test_kind_base {
public:
  sleeping_kind(std::string name, task_bound b) : name_(std::move(name)), bound_(b) {}
  std::string_view name() const override { return name_; }
  task_bound bound(const params&) const override { return bound_; }
  void validate(const params&) const override {}
  std::unique_ptr<job_plan> split(const params&) const override { return nullptr; }
  task<partial> run(task_spec spec, task_context& ctx) const override {
    co_await ctx.sleep(std::chrono::milliseconds(spec.lo));
    co_return partial{1, {}};
  }

private:
  std::string name_;
  task_bound bound_;
};

worker_core::clock::time_point test_now{};

// Wake-ups in the order the tasks asked for them, delivered when the test says.
struct recorded_waker : task_runner::waker {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> wakes;
  void wake(std::uint64_t slot, std::uint64_t generation, std::chrono::nanoseconds) override {
    wakes.emplace_back(slot, generation);
  }
  std::function<void()> wake_from_anywhere(std::uint64_t slot, std::uint64_t generation) override {
    return [this, slot, generation] {
      wakes.emplace_back(slot, generation);
    };
  }
  // Delivers the n-th wake-up recorded so far.
  void deliver(worker_core& core, std::size_t n) {
    core.resume(wakes.at(n).first, wakes.at(n).second);
  }
};

struct fixture {
  recorded_waker waker;
  worker_core core;
  explicit fixture(std::uint32_t batch = 1000) : core(kinds(), waker, settings(batch)) {
    test_now = worker_core::clock::time_point{} + 1h;
  }
  static std::shared_ptr<registry> kinds() {
    auto r = std::make_shared<registry>();
    r->add(std::make_shared<sleeping_kind>("test", task_bound::latency));
    r->add(std::make_shared<sleeping_kind>("cpu", task_bound::cpu));
    return r;
  }
  static worker_core::settings settings(std::uint32_t batch) {
    worker_core::settings s;
    s.batch = batch;
    s.now = [] {
      return test_now;
    };
    return s;
  }
};

task_spec spec(std::uint64_t index, std::uint64_t ms) {
  task_spec t;
  t.index = index;
  t.attempt = 1;
  t.lo = ms;
  return t;
}

std::vector<std::uint64_t> indices(const std::vector<task_result>& answers) {
  std::vector<std::uint64_t> out;
  for (const auto& a : answers) {
    out.push_back(a.index);
  }
  return out;
}

const job_desc test_job{7, "test", {}};
const job_desc cpu_job{9, "cpu", {}};

} // namespace

TEST_CASE("a batch whose tasks never suspend is answered at once, under its own id",
          "[worker_core]") {
  fixture f;
  auto id = f.core.start_batch(test_job, 42, {spec(0, 0), spec(1, 0)});
  auto out = f.core.take_output();
  REQUIRE(out.ahead.empty());
  REQUIRE(out.answers.size() == 1);
  CHECK(out.answers[0].batch == id);
  CHECK(indices(out.answers[0].answers) == std::vector<std::uint64_t>{0, 1});
  CHECK_FALSE(out.part_timer);
  CHECK_FALSE(out.drained);
  CHECK(f.core.in_flight() == 0);
}

TEST_CASE("answers of a running batch go ahead at once, then at most every 5 ms", "[worker_core]") {
  fixture f;
  auto id = f.core.start_batch(test_job, 42, {spec(0, 0), spec(1, 5), spec(2, 5), spec(3, 50)});
  auto first = f.core.take_output();
  REQUIRE(first.ahead.size() == 1);
  CHECK(first.ahead[0].batch == id);
  CHECK(first.ahead[0].master_batch == 42);
  CHECK(indices(first.ahead[0].answers) == std::vector<std::uint64_t>{0});
  CHECK(first.answers.empty());
  CHECK_FALSE(first.part_timer);

  // 1 ms later the next answer waits for the rest of the interval.
  test_now += 1ms;
  f.waker.deliver(f.core, 0);
  auto paced = f.core.take_output();
  CHECK(paced.ahead.empty());
  REQUIRE(paced.part_timer);
  CHECK(*paced.part_timer == 4ms);

  // Armed once: the next answer joins the wait.
  test_now += 1ms;
  f.waker.deliver(f.core, 1);
  auto joined = f.core.take_output();
  CHECK(joined.ahead.empty());
  CHECK_FALSE(joined.part_timer);

  test_now += 3ms;
  f.core.part_timer_fired();
  auto due = f.core.take_output();
  REQUIRE(due.ahead.size() == 1);
  CHECK(due.ahead[0].master_batch == 42);
  CHECK(indices(due.ahead[0].answers) == std::vector<std::uint64_t>{1, 2});
  CHECK_FALSE(due.part_timer);

  // The last answer ends the batch: it comes with the final answer, not ahead.
  f.waker.deliver(f.core, 2);
  auto last = f.core.take_output();
  CHECK(last.ahead.empty());
  REQUIRE(last.answers.size() == 1);
  CHECK(last.answers[0].batch == id);
  CHECK(indices(last.answers[0].answers) == std::vector<std::uint64_t>{3});
}

TEST_CASE("a timer that finds nothing to send does not delay the next answer", "[worker_core]") {
  fixture f;
  f.core.start_batch(test_job, 1, {spec(0, 0), spec(1, 5), spec(2, 50)});
  REQUIRE(f.core.take_output().ahead.size() == 1);
  test_now += 10ms;
  f.core.part_timer_fired();
  CHECK(f.core.take_output().ahead.empty());
  f.waker.deliver(f.core, 0);
  auto out = f.core.take_output();
  REQUIRE(out.ahead.size() == 1);
  CHECK(indices(out.ahead[0].answers) == std::vector<std::uint64_t>{1});
}

TEST_CASE("no message carries more than --batch answers, ahead or final", "[worker_core]") {
  fixture f(2);
  auto id = f.core.start_batch(
      test_job, 5,
      {spec(0, 0), spec(1, 0), spec(2, 0), spec(3, 0), spec(4, 0), spec(5, 0), spec(6, 0)});
  auto out = f.core.take_output();
  // The final answer's overflow goes ahead first, in order, then the last two with the batch.
  REQUIRE(out.ahead.size() == 3);
  for (const auto& a : out.ahead) {
    CHECK(a.batch == id);
    CHECK(a.master_batch == 5);
  }
  CHECK(indices(out.ahead[0].answers) == std::vector<std::uint64_t>{0, 1});
  CHECK(indices(out.ahead[1].answers) == std::vector<std::uint64_t>{2, 3});
  CHECK(indices(out.ahead[2].answers) == std::vector<std::uint64_t>{4, 5});
  REQUIRE(out.answers.size() == 1);
  CHECK(indices(out.answers[0].answers) == std::vector<std::uint64_t>{6});

  auto running = f.core.start_batch(test_job, 6, {spec(0, 0), spec(1, 0), spec(2, 0), spec(3, 9)});
  auto ahead = f.core.take_output();
  REQUIRE(ahead.ahead.size() == 2);
  CHECK(ahead.ahead[0].batch == running);
  CHECK(indices(ahead.ahead[0].answers) == std::vector<std::uint64_t>{0, 1});
  CHECK(indices(ahead.ahead[1].answers) == std::vector<std::uint64_t>{2});
  CHECK(ahead.answers.empty());
}

TEST_CASE("cancels answer the tasks they end as cancelled", "[worker_core]") {
  fixture f;
  auto id = f.core.start_batch(test_job, 3, {spec(0, 50), spec(1, 50), spec(2, 50)});
  CHECK(f.core.take_output().answers.empty());
  CHECK_FALSE(f.core.cancel_task(test_job.job, 0, 2));
  CHECK(f.core.cancel_task(test_job.job, 0, 1));
  auto one = f.core.take_output();
  REQUIRE(one.ahead.size() == 1);
  REQUIRE(one.ahead[0].answers.size() == 1);
  CHECK(one.ahead[0].answers[0].outcome == task_outcome::cancelled);
  auto rest = f.core.cancel_job(test_job.job);
  std::sort(rest.begin(), rest.end());
  CHECK(rest == std::vector<std::uint64_t>{1, 2});
  auto out = f.core.take_output();
  REQUIRE(out.answers.size() == 1);
  CHECK(out.answers[0].batch == id);
  REQUIRE(out.answers[0].answers.size() == 2);
  for (const auto& a : out.answers[0].answers) {
    CHECK(a.outcome == task_outcome::cancelled);
  }
  CHECK(f.core.in_flight() == 0);
}

TEST_CASE("a drain is done at once on an idle worker, and reported once", "[worker_core]") {
  fixture f;
  f.core.drain();
  CHECK(f.core.take_output().drained);
  CHECK_FALSE(f.core.take_output().drained);
}

TEST_CASE("a drain is done when the last running task ends, its answer first", "[worker_core]") {
  fixture f;
  auto id = f.core.start_batch(test_job, 3, {spec(0, 5)});
  f.core.take_output();
  f.core.drain();
  CHECK_FALSE(f.core.take_output().drained);
  f.waker.deliver(f.core, 0);
  auto out = f.core.take_output();
  REQUIRE(out.answers.size() == 1);
  CHECK(out.answers[0].batch == id);
  CHECK(out.answers[0].answers.at(0).outcome == task_outcome::ok);
  CHECK(out.drained);
}

TEST_CASE("when the drain time is up, every task held is handed back", "[worker_core]") {
  fixture f;
  auto id = f.core.start_batch(test_job, 3, {spec(0, 50), spec(1, 50)});
  f.core.take_output();
  f.core.drain();
  CHECK_FALSE(f.core.take_output().drained);
  CHECK(f.core.cancel_all().size() == 2);
  auto out = f.core.take_output();
  REQUIRE(out.answers.size() == 1);
  CHECK(out.answers[0].batch == id);
  for (const auto& a : out.answers[0].answers) {
    CHECK(a.outcome == task_outcome::cancelled);
  }
  CHECK(out.drained);
  CHECK(f.core.in_flight() == 0);
}

TEST_CASE("a drain hands back the tasks waiting behind the running one at once", "[worker_core]") {
  fixture f;
  auto id = f.core.start_batch(cpu_job, 8, {spec(0, 5), spec(1, 5), spec(2, 5)});
  CHECK(f.core.take_output().ahead.empty());
  REQUIRE(f.core.in_flight() == 3);
  // A part went out just now: the hand-back does not wait for the pace of parts.
  f.waker.deliver(f.core, 0);
  REQUIRE(f.core.take_output().ahead.size() == 1);
  REQUIRE(f.core.in_flight() == 2);
  auto handed_back = f.core.drain();
  CHECK(handed_back == std::vector<std::uint64_t>{2});
  auto out = f.core.take_output();
  REQUIRE(out.ahead.size() == 1);
  CHECK(out.ahead[0].batch == id);
  CHECK(out.ahead[0].master_batch == 8);
  REQUIRE(out.ahead[0].answers.size() == 1);
  CHECK(out.ahead[0].answers[0].index == 2);
  CHECK(out.ahead[0].answers[0].outcome == task_outcome::cancelled);
  CHECK_FALSE(out.drained);
  // The running one finishes and ends the drain; nothing else was started.
  REQUIRE(f.waker.wakes.size() == 2);
  f.waker.deliver(f.core, 1);
  auto last = f.core.take_output();
  REQUIRE(last.answers.size() == 1);
  CHECK(indices(last.answers[0].answers) == std::vector<std::uint64_t>{1});
  CHECK(last.answers[0].answers[0].outcome == task_outcome::ok);
  CHECK(last.drained);
  CHECK(f.waker.wakes.size() == 2);
}

TEST_CASE("a batch arriving during a drain is handed back unstarted", "[worker_core]") {
  fixture f;
  f.core.drain();
  CHECK(f.core.take_output().drained);
  auto id = f.core.start_batch(test_job, 4, {spec(0, 5), spec(1, 0)});
  auto out = f.core.take_output();
  REQUIRE(out.answers.size() == 1);
  CHECK(out.answers[0].batch == id);
  CHECK(indices(out.answers[0].answers) == std::vector<std::uint64_t>{0, 1});
  for (const auto& a : out.answers[0].answers) {
    CHECK(a.outcome == task_outcome::cancelled);
  }
  CHECK(f.waker.wakes.empty());
  CHECK(f.core.in_flight() == 0);
}
