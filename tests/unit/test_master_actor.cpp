// Actor tests of the real master actor: a worker killed mid-job, 10,000 joins and leaves.
#include "actors/master_actor.hpp"
#include "actors/messages.hpp"
#include "actors/worker_actor.hpp"
#include "cohort/context.hpp"
#include "cohort/count_reducer.hpp"
#include "cohort/job_outcome.hpp"

#include "tests/unit/test_kinds.hpp"
#include "tests/unit/test_system.hpp"
#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <unistd.h>

using namespace cohort;
using namespace std::chrono_literals;

namespace {

using test::count_plan;

// Each task sleeps 20 ms; `started`, when given, counts the tasks begun by the workers holding
// this instance in their registry.
class napping_kind final : public test::test_kind_base {
public:
  explicit napping_kind(std::atomic<int>* started = nullptr) : started_(started) {}
  std::string_view name() const override { return "napping"; }
  task_bound bound(const params&) const override { return task_bound::latency; }
  std::unique_ptr<job_plan> split(const params& p) const override {
    return std::make_unique<count_plan>(p.get_u64("tasks", 1));
  }
  task<partial> run(task_spec, task_context& ctx) const override {
    if (started_ != nullptr) {
      ++*started_;
    }
    co_await ctx.sleep(20ms);
    co_return partial{1, {}};
  }

private:
  std::atomic<int>* started_;
};

std::shared_ptr<const registry> kinds_of(std::shared_ptr<const job_kind> kind) {
  auto r = std::make_shared<registry>();
  r->add(std::move(kind));
  return r;
}

worker_options options(std::shared_ptr<const registry> kinds, std::string id) {
  worker_options o;
  o.kinds = std::move(kinds);
  o.hello.id = std::move(id);
  o.hello.host = "test";
  o.hello.concurrency = 4;
  return o;
}

worker_entry entry_of(const worker_hello& h) {
  worker_entry e;
  e.id = h.id;
  e.host = h.host;
  e.concurrency = h.concurrency;
  return e;
}

job_request naps(std::uint64_t tasks) {
  job_request r;
  r.kind = "napping";
  r.args.set("tasks", std::to_string(tasks));
  return r;
}

// Runs `job` on `master` and returns its line, checking it ended ok.
nlohmann::json run_ok(caf::scoped_actor& self, const caf::actor& master, const checked_job& job) {
  nlohmann::json out;
  self->request(master, 60s, submit_atom::value, job)
      .receive(
          [&](std::int32_t status, std::string& json) {
            out = nlohmann::json::parse(json);
            REQUIRE(status == static_cast<std::int32_t>(job_status::ok));
          },
          [&](caf::error& err) { FAIL(caf::to_string(err)); });
  return out;
}

void require_balanced(const nlohmann::json& st) {
  REQUIRE(st["attempts"].get<int>() == st["tasks"].get<int>() + st["retries"].get<int>() +
                                           st["reassigned"].get<int>() +
                                           st["speculative"].get<int>());
}

// Stops the actors a test spawned when it ends, failed or not: the actor system waits for every
// actor when it goes, and exit messages do not reach them (actors/guarded_actor.hpp).
struct stop_at_end {
  std::vector<caf::actor> actors;
  ~stop_at_end() {
    for (const auto& a : actors) {
      caf::anon_send(a, stop_atom::value, local());
    }
  }
};

// AddressSanitizer keeps freed memory out of use for a while (its quarantine), so resident memory
// tells nothing about leaks there (scripts/test runs the unit tests under it too).
#if defined(__SANITIZE_ADDRESS__)
constexpr bool resident_memory_counts = false;
#else
constexpr bool resident_memory_counts = true;
#endif

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0;
  std::size_t resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

} // namespace

TEST_CASE("a worker actor killed while it holds tasks: the job ends ok, its tasks ran elsewhere",
          "[actor]") {
  test::system_fixture f;
  std::atomic<int> started_on_a{0};
  auto on_a = options(kinds_of(std::make_shared<napping_kind>(&started_on_a)), "a");
  auto on_b = options(kinds_of(std::make_shared<napping_kind>()), "b");
  master_options mo;
  mo.local_workers.emplace_back(spawn_worker(*f.sys, on_a), entry_of(on_a.hello));
  mo.local_workers.emplace_back(spawn_worker(*f.sys, on_b), entry_of(on_b.hello));
  auto a = mo.local_workers[0].first;
  auto b = mo.local_workers[1].first;
  auto master = spawn_master(*f.sys, std::move(mo));
  stop_at_end stop{{master, b}};
  caf::scoped_actor self{*f.sys};
  napping_kind kind;
  auto pending = self->request(master, 60s, submit_atom::value, test::checked(kind, naps(100)));
  auto give_up = std::chrono::steady_clock::now() + 10s;
  while (started_on_a == 0 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(1ms);
  }
  REQUIRE(started_on_a > 0);
  // Its node's stop order ends it at once, its tasks unanswered, as a crash would.
  self->send(a, stop_atom::value, local());
  nlohmann::json out;
  pending.receive(
      [&](std::int32_t status, std::string& json) {
        out = nlohmann::json::parse(json);
        REQUIRE(status == static_cast<std::int32_t>(job_status::ok));
      },
      [&](caf::error& err) { FAIL(caf::to_string(err)); });
  INFO(out.dump());
  REQUIRE(out["status"] == "ok");
  REQUIRE(out["result"]["completed"] == 100);
  auto st = out["stats"];
  REQUIRE(st["tasks"] == 100);
  REQUIRE(st["reassigned"].get<int>() >= 1);
  require_balanced(st);
  std::map<std::string, nlohmann::json> shown;
  for (const auto& w : st["workers"]) {
    shown[w["id"].get<std::string>()] = w;
  }
  REQUIRE(shown.at("a")["left"] == true);
  REQUIRE(shown.at("b")["left"] == false);
}

TEST_CASE("no exit, down or error message ends the master, and its own messages need the local "
          "proof",
          "[actor][trust]") {
  test::system_fixture f;
  auto kinds = kinds_of(std::make_shared<napping_kind>());
  master_options mo;
  auto o = options(kinds, "only");
  auto worker = spawn_worker(*f.sys, o);
  mo.local_workers.emplace_back(worker, entry_of(o.hello));
  auto master = spawn_master(*f.sys, std::move(mo));
  stop_at_end stop{{master, worker}};
  caf::scoped_actor self{*f.sys};
  napping_kind kind;
  auto pending = self->request(master, 60s, submit_atom::value, test::checked(kind, naps(50)));
  self->send_exit(master, caf::exit_reason::kill);
  self->send(master, caf::down_msg{worker.address(), caf::exit_reason::kill});
  self->send(master, caf::make_error(caf::sec::runtime_error, "go away"));
  // What a peer in another process could at most say of these: no proof, so nothing happens.
  self->send(master, cancel_atom::value);
  for (int i = 0; i < 1000; ++i) {
    self->send(master, tick_atom::value);
  }
  self->send(master, bye_atom::value);
  self->send(master, part_atom::value, std::uint64_t{1}, std::vector<task_result>{}, true);
  nlohmann::json out;
  pending.receive(
      [&](std::int32_t status, std::string& json) {
        out = nlohmann::json::parse(json);
        CHECK(status == static_cast<std::int32_t>(job_status::ok));
      },
      [&](caf::error& err) { FAIL(caf::to_string(err)); });
  CHECK(out["result"]["completed"] == 50);
  CHECK(out["stats"]["duplicates"] == 0);
}

TEST_CASE("10,000 worker actors joining and leaving one master leave its memory as it was",
          "[actor]") {
  test::system_fixture f;
  auto kinds = kinds_of(std::make_shared<napping_kind>());
  master_options mo;
  for (const auto* id : {"stays-0", "stays-1"}) {
    auto o = options(kinds, id);
    mo.local_workers.emplace_back(spawn_worker(*f.sys, o), entry_of(o.hello));
  }
  stop_at_end stop{{mo.local_workers[0].first, mo.local_workers[1].first}};
  auto master = spawn_master(*f.sys, std::move(mo));
  stop.actors.push_back(master);
  caf::scoped_actor self{*f.sys};
  // Joins and leaves are logged at info, 20,000 lines here.
  auto level = spdlog::get_level();
  spdlog::set_level(spdlog::level::warn);
  struct restore_level {
    spdlog::level::level_enum level;
    ~restore_level() { spdlog::set_level(level); }
  } restore{level};
  // Waves of joins, then kills, so at most a wave is present at once. The test watches each
  // worker before it joins: CAF runs an actor's exit attachments newest first, so the master's down
  // message for a worker is queued before the test's, and a job sent after the test saw every down
  // reaches the master behind all of them.
  auto churn = [&](int count) {
    constexpr int wave = 100;
    std::vector<caf::actor> passing;
    for (int i = 0; i < count; i += wave) {
      for (int k = 0; k < wave; ++k) {
        auto o = options(kinds, "passing-" + std::to_string(i + k));
        auto w = spawn_worker(*f.sys, o);
        self->monitor(w);
        // No timeout on the join: CAF 0.17 keeps a request's timeout in its clock until it fires,
        // answered or not, and 10,000 of them would show in this process's memory. The worker
        // joins with the handshake a worker in another process makes.
        self->request(w, caf::infinite, join_atom::value, local(), master)
            .receive([](join_atom) {}, [](caf::error& err) { FAIL(caf::to_string(err)); });
        passing.push_back(std::move(w));
      }
      for (const auto& w : passing) {
        self->send(w, stop_atom::value, local());
      }
      for (std::size_t gone = 0; gone < passing.size();) {
        self->receive([&](caf::down_msg&) { ++gone; },
                      caf::after(10s) >> [&] { FAIL("a killed worker sent no down message"); });
      }
      passing.clear();
    }
  };
  napping_kind kind;
  churn(1000);
  run_ok(self, master, test::checked(kind, naps(10)));
  auto before = resident_bytes();
  auto start = std::chrono::steady_clock::now();
  churn(10'000);
  auto churn_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto out = run_ok(self, master, test::checked(kind, naps(10)));
  auto after = resident_bytes();
  INFO("master process RSS before " << before << " B, after " << after << " B; 10,000 joins and "
                                    << "leaves took " << churn_s << " s");
  if (resident_memory_counts) {
    REQUIRE(after <= before + 2 * 1024 * 1024);
  }
  REQUIRE(out["result"]["completed"] == 10);
  for (const auto& w : out["stats"]["workers"]) {
    auto id = w["id"].get<std::string>();
    REQUIRE((id == "stays-0" || id == "stays-1"));
    REQUIRE(w["left"] == false);
  }
}
