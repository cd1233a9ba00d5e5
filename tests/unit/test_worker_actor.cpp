// Actor tests: a real actor system with worker actors; requests from task bodies, thousands of
// sleeping tasks, cancellation, the bound on answers per message.
#include "actors/messages.hpp"
#include "actors/worker_actor.hpp"
#include "cohort/request.hpp"

#include "tests/unit/test_kinds.hpp"
#include "tests/unit/test_system.hpp"
#include <caf/all.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <fstream>
#include <stdexcept>
#include <string>

using namespace cohort;
using namespace std::chrono_literals;

namespace {

// lo: the number to send, hi: the timeout in ms. The answer plus one is the partial.
class asking_kind final : public test::test_kind_base {
public:
  explicit asking_kind(caf::actor target) : target_(std::move(target)) {}
  std::string_view name() const override { return "asking"; }
  task_bound bound(const params&) const override { return task_bound::latency; }
  void validate(const params&) const override {}
  std::unique_ptr<job_plan> split(const params&) const override { return nullptr; }
  task<partial> run(task_spec spec, task_context& ctx) const override {
    auto answer = co_await ctx.request<int>(target_, static_cast<int>(spec.lo),
                                            std::chrono::milliseconds(spec.hi));
    if (!answer) {
      throw std::runtime_error("request failed: " + caf::to_string(answer.error()));
    }
    co_return partial{static_cast<std::uint64_t>(*answer) + 1, {}};
  }

private:
  caf::actor target_;
};

std::atomic<int> frames_alive{0};

// Each task holds a counted local across a long sleep, so a frame that is not freed shows.
class lingering_kind final : public test::test_kind_base {
public:
  std::string_view name() const override { return "lingering"; }
  task_bound bound(const params&) const override { return task_bound::latency; }
  void validate(const params&) const override {}
  std::unique_ptr<job_plan> split(const params&) const override { return nullptr; }
  task<partial> run(task_spec, task_context& ctx) const override {
    struct counted {
      counted() { ++frames_alive; }
      ~counted() { --frames_alive; }
    } held;
    co_await ctx.sleep(std::chrono::seconds(60));
    co_return partial{1, {}};
  }
};

// Actors here are spawned with an argument: CAF 0.17's spawn of an argument-less function binds a
// reference to a null pointer (UBSan reports it inside CAF's init_fun_factory).
caf::behavior multiplier(caf::event_based_actor*, int factor) {
  return {[factor](int x) {
    return x * factor;
  }};
}

struct silent_state {
  std::vector<caf::response_promise> unanswered;
};

// Takes every request and never answers; counts them in `seen`.
caf::behavior silent(caf::stateful_actor<silent_state>* self, std::atomic<int>* seen) {
  return {[self, seen](int) {
    ++*seen;
    auto rp = self->make_response_promise();
    self->state.unanswered.push_back(rp);
    return rp;
  }};
}

int thread_count() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) {
      return std::stoi(line.substr(8));
    }
  }
  return -1;
}

task_spec spec(std::uint64_t index, std::uint64_t lo, std::uint64_t hi) {
  task_spec t;
  t.index = index;
  t.attempt = 1;
  t.lo = lo;
  t.hi = hi;
  return t;
}

// Sends a batch as a master in this process does.
void send_batch(caf::scoped_actor& self, const caf::actor& worker, const std::string& kind,
                std::uint64_t job, std::vector<task_spec> tasks) {
  self->send(worker, run_atom::value, local(), job_desc{job, kind, {}}, job, std::move(tasks));
}

// The answers of one batch: those sent ahead and the final ones, each message's size in `sizes`.
std::vector<task_result> answers_of(caf::scoped_actor& self,
                                    std::vector<std::size_t>* sizes = nullptr) {
  std::vector<task_result> out;
  for (bool final = false; !final;) {
    self->receive(
        [&](part_atom, local_proof, std::uint64_t, std::vector<task_result>& r, bool last) {
          if (sizes != nullptr) {
            sizes->push_back(r.size());
          }
          out.insert(out.end(), r.begin(), r.end());
          final = last;
        },
        caf::after(std::chrono::seconds(5)) >> [&] { FAIL("the batch was not answered"); });
  }
  return out;
}

std::vector<task_result> run_batch(caf::scoped_actor& self, const caf::actor& worker,
                                   const std::string& kind, std::vector<task_spec> tasks) {
  send_batch(self, worker, kind, 1, std::move(tasks));
  return answers_of(self);
}

// A round trip through the worker's mailbox: everything sent before has been handled. (A join with
// no master is refused at once.)
void round_trip(caf::scoped_actor& self, const caf::actor& worker) {
  self->request(worker, caf::infinite, join_atom::value, local(), caf::actor{})
      .receive([](join_atom) {}, [](caf::error&) {});
}

void stop(caf::scoped_actor& self, const caf::actor& a) {
  self->send(a, stop_atom::value, local());
}

worker_options options_of(std::shared_ptr<const registry> kinds) {
  worker_options o;
  o.kinds = std::move(kinds);
  return o;
}

} // namespace

TEST_CASE("a task's request is answered on its worker actor", "[actor]") {
  test::system_fixture f;
  auto echo = f.sys->spawn(multiplier, 2);
  auto kinds = std::make_shared<registry>();
  kinds->add(std::make_shared<asking_kind>(echo));
  auto worker = spawn_worker(*f.sys, options_of(kinds));
  caf::scoped_actor self{*f.sys};
  auto results = run_batch(self, worker, "asking", {spec(0, 20, 1000), spec(1, 1, 1000)});
  REQUIRE(results.size() == 2);
  for (const auto& r : results) {
    REQUIRE(r.outcome == task_outcome::ok);
    REQUIRE(r.value.count == (r.index == 0 ? 41u : 3u));
  }
  stop(self, worker);
  self->send_exit(echo, caf::exit_reason::user_shutdown);
}

TEST_CASE("a request that times out raises a timeout error in the task", "[actor]") {
  test::system_fixture f;
  std::atomic<int> seen{0};
  auto mute = f.sys->spawn(silent, &seen);
  auto kinds = std::make_shared<registry>();
  kinds->add(std::make_shared<asking_kind>(mute));
  auto worker = spawn_worker(*f.sys, options_of(kinds));
  caf::scoped_actor self{*f.sys};
  auto results = run_batch(self, worker, "asking", {spec(0, 5, 100)});
  REQUIRE(results.size() == 1);
  REQUIRE(results[0].outcome == task_outcome::failed);
  REQUIRE_THAT(results[0].error, Catch::Contains("request_timeout"));
  REQUIRE(seen == 1);
  stop(self, worker);
  self->send_exit(mute, caf::exit_reason::user_shutdown);
}

TEST_CASE("cancelling a job mid-way frees every frame and answers every task", "[actor]") {
  test::system_fixture f;
  auto kinds = std::make_shared<registry>();
  kinds->add(std::make_shared<lingering_kind>());
  auto worker = spawn_worker(*f.sys, options_of(kinds));
  caf::scoped_actor self{*f.sys};
  std::vector<task_spec> tasks;
  for (std::uint64_t i = 0; i < 1000; ++i) {
    tasks.push_back(spec(i, 0, 0));
  }
  send_batch(self, worker, "lingering", 1, std::move(tasks));
  // The round trip comes after the batch in the worker's mailbox: every task has started.
  round_trip(self, worker);
  REQUIRE(frames_alive == 1000);
  self->send(worker, cancel_atom::value, local(), std::uint64_t{1});
  std::size_t cancelled = 0;
  for (const auto& x : answers_of(self)) {
    cancelled += x.outcome == task_outcome::cancelled ? 1 : 0;
  }
  CHECK(cancelled == 1000);
  CHECK(frames_alive == 0);

  // Stopping the actor mid-way frees them too.
  send_batch(self, worker, "lingering", 2, {spec(0, 0, 0), spec(1, 0, 0)});
  round_trip(self, worker);
  REQUIRE(frames_alive == 2);
  stop(self, worker);
  self->wait_for(worker);
  CHECK(frames_alive == 0);
}

TEST_CASE("ten thousand one-second sleeps on 2 worker actors end together and add no thread",
          "[actor]") {
  test::system_fixture f;
  auto kinds = builtin_registry();
  std::vector<caf::actor> workers{spawn_worker(*f.sys, options_of(kinds)),
                                  spawn_worker(*f.sys, options_of(kinds))};
  caf::scoped_actor self{*f.sys};
  auto threads_before = thread_count();
  auto start = std::chrono::steady_clock::now();
  std::vector<task_spec> tasks;
  for (std::uint64_t i = 0; i < 5000; ++i) {
    tasks.push_back(spec(i, 1'000'000'000, 0)); // a sleep task waits lo ns
  }
  for (const auto& w : workers) {
    send_batch(self, w, "sleep", 1, tasks);
  }
  int threads_during = thread_count();
  std::size_t answered = 0;
  while (answered < 10000) {
    self->receive([&](part_atom, local_proof, std::uint64_t, std::vector<task_result>& r,
                      bool) { answered += r.size(); },
                  caf::others >> [&](caf::message_view& x) -> caf::result<caf::message> {
                    FAIL("unexpected " << caf::to_string(x.copy_content_to_message()));
                    return caf::message{};
                  },
                  caf::after(std::chrono::seconds(5)) >>
                      [&] { FAIL("answers are missing: " << answered); });
  }
  auto wall = std::chrono::steady_clock::now() - start;
  REQUIRE(answered == 10000);
  REQUIRE(wall >= 1s);
  // A liveness bound (about 1.1 s under ASan here): the sleeps overlap instead of queueing.
  REQUIRE(wall < 3s);
  REQUIRE(threads_during == threads_before);
  REQUIRE(thread_count() == threads_before);
  for (const auto& w : workers) {
    stop(self, w);
  }
}

TEST_CASE("a worker actor sends back at most its --batch answers in one message", "[actor]") {
  test::system_fixture f;
  auto opts = options_of(builtin_registry());
  opts.batch = 2;
  auto worker = spawn_worker(*f.sys, std::move(opts));
  caf::scoped_actor self{*f.sys};
  std::vector<task_spec> tasks;
  for (std::uint64_t i = 0; i < 5; ++i) {
    tasks.push_back(spec(i, 0, 0));
  }
  send_batch(self, worker, "sleep", 1, tasks);
  std::vector<std::size_t> sizes;
  std::size_t answered = 0;
  answers_of(self, &sizes);
  for (auto n : sizes) {
    answered += n;
    CHECK(n <= 2);
  }
  CHECK(answered == 5);
  stop(self, worker);
}

TEST_CASE("no exit, down or error message ends a worker actor, and batches need the local proof",
          "[actor][trust]") {
  test::system_fixture f;
  auto worker = spawn_worker(*f.sys, options_of(builtin_registry()));
  caf::scoped_actor self{*f.sys};
  self->send_exit(worker, caf::exit_reason::kill);
  self->send(worker, caf::down_msg{self->address(), caf::exit_reason::kill});
  self->send(worker, caf::make_error(caf::sec::runtime_error, "go away"));
  // A batch without the proof (what a peer in another process could at most say) runs nothing.
  self->send(worker, run_atom::value, job_desc{1, "sleep", {}}, std::uint64_t{1},
             std::vector<task_spec>{spec(0, 0, 0)});
  self->receive([](part_atom, local_proof, std::uint64_t, std::vector<task_result>&,
                   bool) { FAIL("a batch without the local proof was run"); },
                caf::after(std::chrono::milliseconds(200)) >> [] {});
  // Still serving.
  auto results = run_batch(self, worker, "sleep", {spec(0, 0, 0), spec(1, 0, 0)});
  CHECK(results.size() == 2);
  stop(self, worker);
  self->wait_for(worker);
}
