// Process tests of faults: worker processes killed, frozen or lying, poison tasks, a lost master,
// and cancellation of busy remote workers. Each fault is injected once the master's log says it
// sent a batch to the victim (--log-level debug), never after a lucky sleep.
#include "tests/process/cluster.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <random>
#include <thread>

namespace {

using namespace cohort::test;
using nlohmann::json;

/// The master's stderr line saying worker actor(s) of process pid left, waiting up to timeout.
void wait_for_leave(background_process& master, pid_t pid, std::chrono::milliseconds timeout) {
  master.wait_for_err(std::regex("worker left: [^ ]*/" + std::to_string(pid) + "/"), timeout);
}

/// A master with --log-level debug (so it names each batch's worker) and args.
background_process start_watched_master(std::vector<std::string> args) {
  return start_master(cat({"--log-level", "debug", "--progress"}, args));
}

/// The master's job lines when it exits 1: a failed job beside ok ones.
std::vector<json> failed_run(background_process& master) {
  return finished_jobs(master, 1);
}

std::string error_of(const json& line) {
  return line["error"].is_string() ? line["error"].get<std::string>() : std::string();
}

} // namespace

TEST_CASE("faults: kill -9 of one of two worker processes mid-job loses nothing", "[faults]") {
  const auto slowdown = slowdown_for(4);
  auto master = start_watched_master(cat({"--min-workers", "2"}, slow_primes_job));
  const auto port = listening_port(master, start_timeout);
  auto stays = start_worker(port, {"--slowdown", slowdown});
  auto victim = start_worker(port, {"--slowdown", slowdown});
  master.wait_for_err(batch_sent_to(victim.pid()), job_timeout);
  victim.signal(SIGKILL);
  const auto line = finished_ok(master);
  INFO(line.dump());
  CHECK(line["result"]["count"] == primesieve_count(0, slow_primes_to));
  CHECK(line["stats"]["reassigned"].get<std::uint64_t>() >= 1);
  check_attempts_invariant(line);
  const auto gone = workers_of(line, victim.pid());
  REQUIRE(gone.size() == 1);
  CHECK(gone.front()["left"] == true);
  CHECK(tasks_of(line, stays.pid()) > 0);
}

TEST_CASE("faults: 20 runs on 3 worker processes, a random one killed and a new one started "
          "mid-job, are all exact",
          "[faults]") {
  INFO("COHORT_TEST_SEED=" << test_seed());
  std::mt19937_64 rng(test_seed());
  const auto slowdown = slowdown_for(3);
  const auto expected = primesieve_count(0, slow_primes_to);
  for (int run = 0; run < 20; ++run) {
    INFO("run " << run);
    auto master = start_watched_master(cat({"--min-workers", "3"}, slow_primes_job));
    const auto port = listening_port(master, start_timeout);
    std::vector<std::unique_ptr<background_process>> workers;
    for (int i = 0; i < 3; ++i) {
      workers.push_back(std::make_unique<background_process>(
          cohort_argv({"worker", "--master", loopback(port), "--workers", "1", "--slowdown",
                       slowdown, "--exit-with-master"})));
    }
    auto& victim = *workers[rng() % workers.size()];
    master.wait_for_err(batch_sent_to(victim.pid()), job_timeout);
    victim.signal(SIGKILL);
    auto fresh = start_worker(port, {"--slowdown", slowdown, "--exit-with-master"});
    const auto line = finished_ok(master);
    INFO(line.dump());
    REQUIRE(line["result"]["count"] == expected);
    REQUIRE(line["stats"]["reassigned"].get<std::uint64_t>() >= 1);
    check_attempts_invariant(line);
  }
}

TEST_CASE("faults: a worker stopped for 1.2 s past --task-timeout 1s has its task run elsewhere, "
          "and its late answer is a duplicate",
          "[faults]") {
  const auto slowdown = slowdown_for(4);
  auto master = start_watched_master(
      cat({"--min-workers", "2", "--task-timeout", "1s", "--speculate", "off"}, slow_primes_job));
  const auto port = listening_port(master, start_timeout);
  auto stays = start_worker(port, {"--slowdown", slowdown});
  auto frozen = start_worker(port, {"--slowdown", slowdown});
  master.wait_for_err(batch_sent_to(frozen.pid()), job_timeout);
  frozen.signal(SIGSTOP);
  std::this_thread::sleep_for(1200ms);
  frozen.signal(SIGCONT);
  const auto line = finished_ok(master);
  INFO(line.dump());
  CHECK(line["result"]["count"] == primesieve_count(0, slow_primes_to));
  CHECK(line["stats"]["duplicates"].get<std::uint64_t>() >= 1);
  CHECK(line["stats"]["retries"].get<std::uint64_t>() >= 1);
  check_attempts_invariant(line);
  // Not taken for dead: the heartbeat timeout is 2 s.
  CHECK(workers_of(line, frozen.pid()).front()["left"] == false);
}

TEST_CASE("faults: a worker stopped for 5 s is found by the heartbeat within 3 s and its tasks "
          "run elsewhere",
          "[faults]") {
  const auto slowdown = slowdown_for(8);
  auto master = start_watched_master(cat({"--min-workers", "2"}, slow_primes_job));
  const auto port = listening_port(master, start_timeout);
  auto stays = start_worker(port, {"--slowdown", slowdown});
  auto frozen = start_worker(port, {"--slowdown", slowdown});
  master.wait_for_err(batch_sent_to(frozen.pid()), job_timeout);
  frozen.signal(SIGSTOP);
  const auto stopped = std::chrono::steady_clock::now();
  wait_for_leave(master, frozen.pid(), 9s);
  const auto detected = std::chrono::steady_clock::now() - stopped;
  INFO("detected after " << std::chrono::duration<double>(detected).count() << " s");
  std::this_thread::sleep_for(5s - std::min<std::chrono::nanoseconds>(detected, 5s));
  frozen.signal(SIGCONT);
  const auto line = finished_ok(master);
  INFO(line.dump());
  CHECK(line["result"]["count"] == primesieve_count(0, slow_primes_to));
  CHECK(line["stats"]["reassigned"].get<std::uint64_t>() >= 1);
  check_attempts_invariant(line);
  CHECK(detected < 9s);
}

TEST_CASE("faults: a task that aborts its worker process fails its job after max-attempts, "
          "naming it - the other job finishes",
          "[faults]") {
  const temp_dir dir;
  const auto jobs = dir.write(
      "jobs.jsonl",
      json{
          {"job", "chaos"},
          {"params", {{"tasks", 8}, {"ms", 300}, {"abort", "3"}}},
          {"require", {"victim"}},
          {"max_attempts",
           3}}.dump() +
          "\n" + json{{"job", "sleep"}, {"params", {{"tasks", 200}, {"ms", 50}}}}.dump() + "\n");
  auto master = start_watched_master({"--min-workers", "5", "--jobs", jobs.string()});
  const auto port = listening_port(master, start_timeout);
  // max-attempts + 1 victims: the first loss is beside others (not charged), then three alone.
  std::vector<std::unique_ptr<background_process>> victims;
  for (int i = 0; i < 4; ++i) {
    victims.push_back(std::make_unique<background_process>(
        cohort_argv({"worker", "--master", loopback(port), "--workers", "1", "--tags", "victim",
                     "--exit-with-master"})));
  }
  auto steady = start_worker(port, {"--exit-with-master"});
  const auto lines = failed_run(master);
  REQUIRE(lines.size() == 2);
  INFO(lines[0].dump());
  CHECK(lines[0]["status"] == "failed");
  CHECK(lines[0]["reason"] == "task");
  CHECK(error_of(lines[0]).find("task 3 (") != std::string::npos);
  CHECK(error_of(lines[0]).find("failed 3 times") != std::string::npos);
  CHECK(error_of(lines[0]).find(" lost") != std::string::npos);
  INFO(lines[1].dump());
  CHECK(lines[1]["status"] == "ok");
  CHECK(lines[1]["result"]["completed"] == 200);
  check_attempts_invariant(lines[1]);
  int aborted = 0;
  for (auto& v : victims) {
    const auto r = ended(*v, exit_timeout);
    aborted += r.signal == SIGABRT ? 1 : 0;
  }
  CHECK(aborted == 4);
  const auto steady_end = ended(steady, exit_timeout);
  INFO("steady worker: signal " << steady_end.signal << ", " << steady.report());
  CHECK(steady_end.exit_code == 0);
}

TEST_CASE("faults: a task that always throws on remote workers fails its job naming the worker "
          "and the exception - the other job finishes",
          "[faults]") {
  const temp_dir dir;
  const auto jobs = dir.write(
      "jobs.jsonl",
      json{{"job", "chaos"}, {"params", {{"tasks", 20}, {"ms", 20}, {"throw", "5"}}}}.dump() +
          "\n" + json{{"job", "sleep"}, {"params", {{"tasks", 200}, {"ms", 20}}}}.dump() + "\n");
  auto master = start_watched_master({"--min-workers", "2", "--jobs", jobs.string()});
  const auto port = listening_port(master, start_timeout);
  auto w1 = start_worker(port, {"--exit-with-master"});
  auto w2 = start_worker(port, {"--exit-with-master"});
  const auto lines = failed_run(master);
  REQUIRE(lines.size() == 2);
  INFO(lines[0].dump());
  CHECK(lines[0]["status"] == "failed");
  CHECK(error_of(lines[0]).find("task 5 (") != std::string::npos);
  CHECK(error_of(lines[0]).find("throws") != std::string::npos);
  CHECK(error_of(lines[0]).find("worker ") != std::string::npos);
  CHECK(lines[1]["status"] == "ok");
  CHECK(lines[1]["result"]["completed"] == 200);
}

TEST_CASE("faults: when the master is killed, its workers stop their tasks at once and reconnect "
          "or exit",
          "[faults]") {
  auto master = start_watched_master({"--min-workers", "2", "--batch", "1", "--job", "chaos",
                                      "--param", "tasks=4", "--param", "spin=0,1,2,3"});
  const auto port = listening_port(master, start_timeout);
  auto exits = start_worker(port, {"--exit-with-master"});
  // At debug, the worker actor says what it cancelled.
  auto stays = start_worker(port, {"--log-level", "debug"});
  master.wait_for_err(batch_sent_to(exits.pid()), job_timeout);
  master.wait_for_err(batch_sent_to(stays.pid()), job_timeout);
  master.signal(SIGKILL);
  const auto killed = std::chrono::steady_clock::now();
  const auto r = ended(exits, 3s);
  INFO(exits.report());
  CHECK(r.exit_code == 1);
  stays.wait_for_err(
      std::regex("lost master 127\\.0\\.0\\.1:[0-9]+ \\(connection closed\\); reconnecting"), 3s);
  // The worker actor logs its cancel once its exit message reaches it, after the node's line.
  stays.wait_for_err(std::regex("cancelled [0-9]+ tasks"), 3s);
  CHECK(std::chrono::steady_clock::now() - killed < 3s);
  INFO(stays.report());
  CHECK(stays.err().find("cancelled") != std::string::npos);
  CHECK(cpu_idle(stays.pid()));
  CHECK(stays.running());
}

TEST_CASE("faults: forged answers from a peer that joined as a worker are dropped, not merged",
          "[faults]") {
  auto master = start_watched_master({"--min-workers", "2", "--batch", "100", "--job", "sleep",
                                      "--param", "tasks=2000", "--param", "ms=200"});
  const auto port = listening_port(master, start_timeout);
  auto honest = start_worker(port, {"--exit-with-master"});
  auto rogue = background_process({COHORT_ROGUE_BINARY, "127.0.0.1", std::to_string(port)});
  const auto line = finished_ok(master);
  INFO(line.dump());
  INFO(master.report());
  CHECK(line["result"]["completed"] == 2000);
  CHECK(line["stats"]["tasks"] == 2000);
  check_attempts_invariant(line);
  CHECK(rogue.out().find("batches ") != std::string::npos);
  CHECK(master.err().find("forged answers") != std::string::npos);
  CHECK(master.err().find("the batch was sent to") != std::string::npos);
}

TEST_CASE("cancel: SIGINT to a master whose 2 remote workers spin cancels every task within 1 s "
          "and exits 130",
          "[faults]") {
  auto master = start_watched_master({"--min-workers", "2", "--batch", "1", "--job", "chaos",
                                      "--param", "tasks=4", "--param", "spin=0,1,2,3"});
  const auto port = listening_port(master, start_timeout);
  // Without --exit-with-master: they outlive the master, so their CPU use can be watched. At
  // debug, each says what it cancelled.
  auto w1 = start_worker(port, {"--log-level", "debug"});
  auto w2 = start_worker(port, {"--log-level", "debug"});
  master.wait_for_err(batch_sent_to(w1.pid()), job_timeout);
  master.wait_for_err(batch_sent_to(w2.pid()), job_timeout);
  const auto sent = std::chrono::steady_clock::now();
  master.signal(SIGINT);
  for (auto* w : {&w1, &w2}) {
    w->wait_for_err(std::regex("cancelled job 1 task [0-3]"), 1s);
  }
  const auto r = ended(master, 1s);
  const auto took = std::chrono::steady_clock::now() - sent;
  INFO("SIGINT to exit: " << std::chrono::duration<double>(took).count() << " s");
  CHECK(r.exit_code == 130);
  const auto lines = job_lines(r.out);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["status"] == "cancelled");
  for (auto* w : {&w1, &w2}) {
    CHECK(cpu_idle(w->pid()));
  }
}

TEST_CASE("faults: a slow attempt is speculated on an idle worker, the copy wins and the slow one "
          "is cancelled",
          "[faults]") {
  // Task 7 takes ten times as long on its first attempt only, so a copy finishes first.
  auto master = start_watched_master({"--min-workers", "2", "--batch", "1", "--job", "chaos",
                                      "--param", "tasks=20", "--param", "ms=300", "--param",
                                      "slow=7", "--param", "mode=first"});
  const auto port = listening_port(master, start_timeout);
  auto w1 = start_worker(port, {"--exit-with-master", "--log-level", "debug"});
  auto w2 = start_worker(port, {"--exit-with-master", "--log-level", "debug"});
  const auto line = finished_ok(master);
  INFO(line.dump());
  CHECK(line["result"]["completed"] == 20);
  CHECK(line["stats"]["speculative"].get<std::uint64_t>() >= 1);
  check_attempts_invariant(line);
  for (auto* w : {&w1, &w2}) {
    ended(*w, exit_timeout);
  }
  // The slow first attempt lost: it was cancelled on its worker.
  CHECK((w1.err() + w2.err()).find("cancelled job 1 task 7") != std::string::npos);
}

TEST_CASE("faults: a task that hangs on its first attempt runs again after --task-timeout and its "
          "hung attempt is cancelled",
          "[faults]") {
  auto master =
      start_watched_master({"--min-workers", "2", "--batch", "1", "--task-timeout", "1s",
                            "--speculate", "off", "--job", "chaos", "--param", "tasks=10",
                            "--param", "ms=50", "--param", "hang=4", "--param", "mode=first"});
  const auto port = listening_port(master, start_timeout);
  auto w1 = start_worker(port, {"--exit-with-master", "--log-level", "debug"});
  auto w2 = start_worker(port, {"--exit-with-master", "--log-level", "debug"});
  const auto line = finished_ok(master);
  INFO(line.dump());
  CHECK(line["result"]["completed"] == 10);
  CHECK(line["stats"]["retries"] == 1);
  check_attempts_invariant(line);
  for (auto* w : {&w1, &w2}) {
    ended(*w, exit_timeout);
  }
  CHECK((w1.err() + w2.err()).find("cancelled job 1 task 4") != std::string::npos);
}
