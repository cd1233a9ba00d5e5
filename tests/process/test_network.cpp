// Process tests of cohort over loopback: remote worker processes, joins and drained leaves, remote
// spawn, non-cohort bytes on the master's port, and a worker's life beside its master.
#include "tests/process/cluster.hpp"
#include "tests/process/cohort_run.hpp"
#include "tests/process/network_helpers.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <random>
#include <set>
#include <thread>

namespace {

using namespace cohort::test;
using nlohmann::json;
using namespace std::chrono_literals;

/// Seeded text files under dir/corpus: one over two wordcount chunks, a few small, one nested;
/// words of mixed case from a small vocabulary between all kinds of separator bytes.
std::filesystem::path write_corpus(const temp_dir& dir, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  static const std::string letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  static const std::string separators = std::string(" \n\t.,;:-'0123456789\xc3\xa9") + '\0';
  std::vector<std::string> vocabulary(3000);
  for (auto& word : vocabulary) {
    word.resize(1 + rng() % 12);
    for (auto& c : word) {
      c = letters[rng() % letters.size()];
    }
  }
  const auto text = [&](std::size_t bytes) {
    std::string out;
    out.reserve(bytes + 16);
    while (out.size() < bytes) {
      // Skewed towards the first words, so counts differ and ties are rare but possible.
      out += vocabulary[std::min(rng() % vocabulary.size(), rng() % vocabulary.size())];
      out += separators[rng() % separators.size()];
    }
    return out;
  };
  dir.write("corpus/big.txt", text(std::size_t{20} << 20));
  for (int i = 0; i < 4; ++i) {
    dir.write("corpus/small-" + std::to_string(i) + ".txt", text(1000 + rng() % 100'000));
  }
  dir.write("corpus/nested/deeper/last.txt", text(50'000));
  return dir.path() / "corpus";
}

TEST_CASE("network: a master and 2 worker processes on loopback give the local results, and "
          "--exit-with-master workers exit 0 after it",
          "[network]") {
  INFO("COHORT_TEST_SEED=" << test_seed());
  const temp_dir dir;
  constexpr std::uint64_t to = 2'000'000'000;
  const auto corpus = write_corpus(dir, test_seed());
  const auto jobs = dir.write(
      "jobs.jsonl", json{{"job", "primes"}, {"params", {{"to", to}}}}.dump() + "\n" +
                        json{{"job", "wordcount"}, {"params", {{"path", corpus.string()}}}}.dump() +
                        "\n");
  const auto local =
      run_cohort({"master", "--local-workers", "2", "--jobs", jobs.string()}, job_timeout);
  INFO("local run stderr: " << local.err);
  REQUIRE(local.exit_code == 0);
  const auto local_lines = job_lines(local.out);
  REQUIRE(local_lines.size() == 2);

  auto master = start_master({"--min-workers", "2", "--jobs", jobs.string()});
  const auto port = listening_port(master, start_timeout);
  auto w1 = start_worker(port, {"--exit-with-master"});
  auto w2 = start_worker(port, {"--exit-with-master"});
  const auto lines = finished_jobs(master);
  REQUIRE(lines.size() == 2);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    INFO("job " << i << ": " << lines[i].dump());
    REQUIRE(lines[i]["status"] == "ok");
    CHECK(lines[i]["result"] == local_lines[i]["result"]);
    CHECK(lines[i]["stats"]["tasks"] == local_lines[i]["stats"]["tasks"]);
    const auto& workers = lines[i]["stats"]["workers"];
    REQUIRE(workers.size() == 2);
    std::set<pid_t> pids;
    for (const auto& w : workers) {
      const auto id = w["id"].get<std::string>();
      pids.insert(pid_of_worker_id(id));
      CHECK(id.rfind(w["host"].get<std::string>() + "/", 0) == 0);
      CHECK(w["left"] == false);
    }
    CHECK(pids == std::set<pid_t>{w1.pid(), w2.pid()});
  }
  CHECK(lines[0]["result"]["count"] == primesieve_count(0, to));
  CHECK(tasks_of(lines[0], w1.pid()) > 0);
  CHECK(tasks_of(lines[0], w2.pid()) > 0);

  for (auto* w : {&w1, &w2}) {
    const auto r = ended(*w, exit_timeout);
    INFO(w->report());
    CHECK(r.exit_code == 0);
  }
}

TEST_CASE("network: a worker joining mid-job gets tasks", "[network]") {
  const auto slowdown = slowdown_for(4);
  auto master = start_master(cat({"--progress"}, slow_primes_job));
  const auto port = listening_port(master, start_timeout);
  auto first = start_worker(port, {"--exit-with-master", "--slowdown", slowdown});
  wait_for_progress(master, 0);
  auto second = start_worker(port, {"--exit-with-master", "--slowdown", slowdown});
  const auto line = finished_ok(master);
  INFO(line.dump());
  CHECK(line["result"]["count"] == primesieve_count(0, slow_primes_to));
  CHECK(line["stats"]["workers"].size() == 2);
  CHECK(tasks_of(line, first.pid()) > 0);
  CHECK(tasks_of(line, second.pid()) > 0);
}

TEST_CASE("network: SIGTERM of a worker mid-job drains it and loses nothing", "[network]") {
  const auto slowdown = slowdown_for(6);
  constexpr auto drain = 2s;
  auto master = start_master(cat({"--progress", "--min-workers", "2"}, slow_primes_job));
  const auto port = listening_port(master, start_timeout);
  // Four slots: beside the running task it holds queued ones, which it hands back at once.
  auto leaving = start_worker(port, {"--exit-with-master", "--slowdown", slowdown, "--slots", "4",
                                     "--drain-timeout", "2s"});
  auto staying = start_worker(port, {"--exit-with-master", "--slowdown", slowdown});
  wait_for_progress(master, 0);
  leaving.signal(SIGTERM);
  const auto r = ended(leaving, 3 * drain + drain_slack);
  INFO(leaving.report());
  CHECK(r.exit_code == 0);
  CHECK(r.signal == 0);

  const auto line = finished_ok(master);
  INFO(line.dump());
  CHECK(line["result"]["count"] == primesieve_count(0, slow_primes_to));
  check_attempts_invariant(line);
  // Handed-back tasks are not charged as failed attempts.
  CHECK(line["stats"]["retries"] == 0);
  const auto gone = workers_of(line, leaving.pid());
  REQUIRE(gone.size() == 1);
  CHECK(gone.front()["left"] == true);
  CHECK(gone.front()["tasks"].get<std::uint64_t>() > 0);
  const auto kept = workers_of(line, staying.pid());
  REQUIRE(kept.size() == 1);
  CHECK(kept.front()["left"] == false);
  CHECK(kept.front()["tasks"].get<std::uint64_t>() > 0);
}

TEST_CASE("network: tasks still running at --drain-timeout are handed back and run elsewhere",
          "[network]") {
  constexpr auto drain = 1s;
  auto master = start_master(cat({"--progress", "--min-workers", "2"}, slow_primes_job));
  const auto port = listening_port(master, start_timeout);
  // Each of its tasks would take about 20 s: none ends within the drain timeout.
  auto leaving = start_worker(port, {"--exit-with-master", "--slowdown", slowdown_for(2000),
                                     "--slots", "2", "--drain-timeout", "1s"});
  auto staying = start_worker(port, {"--exit-with-master", "--slowdown", slowdown_for(4)});
  wait_for_progress(master, 0);
  const auto signalled = std::chrono::steady_clock::now();
  leaving.signal(SIGTERM);
  const auto r = ended(leaving, 3 * drain + drain_slack);
  const auto stop_time = std::chrono::steady_clock::now() - signalled;
  INFO(leaving.report());
  CHECK(r.exit_code == 0);
  CHECK(stop_time >= drain);
  CHECK(stop_time < 3 * drain + drain_slack);

  const auto line = finished_ok(master);
  INFO(line.dump());
  CHECK(line["result"]["count"] == primesieve_count(0, slow_primes_to));
  check_attempts_invariant(line);
  CHECK(line["stats"]["retries"] == 0);
  CHECK(line["stats"]["reassigned"].get<std::uint64_t>() > 0);
  const auto gone = workers_of(line, leaving.pid());
  REQUIRE(gone.size() == 1);
  CHECK(gone.front()["left"] == true);
  CHECK(gone.front()["tasks"] == 0);
  CHECK(gone.front()["attempts"].get<std::uint64_t>() > 0);
  CHECK(tasks_of(line, staying.pid()) == line["stats"]["tasks"].get<std::uint64_t>());
}

TEST_CASE("network: a draining worker of 2 worker actors hands back its waiting tasks at once and "
          "exits within --drain-timeout",
          "[network]") {
  constexpr auto drain = 4s;
  constexpr std::uint64_t tasks = 100;
  // Speculation would copy the leaving worker's long tasks as soon as nothing else is pending.
  auto master = start_master(
      cat({"--log-level", "debug", "--progress", "--speculate", "off"}, slow_primes_job));
  const auto port = listening_port(master, start_timeout);
  // Each of its tasks would take about 20 s. Both worker actors hold two: one running, one waiting
  // behind it.
  background_process leaving(cohort_argv(
      {"worker", "--master", loopback(port), "--workers", "2", "--slots", "2", "--slowdown",
       slowdown_for(2000), "--drain-timeout", "4s", "--exit-with-master", "--log-level", "info"}));
  for (const auto* actor : {"0", "1"}) {
    master.wait_for_err(
        std::regex("sent batch [0-9]+ \\(2 tasks of job [0-9]+\\) to worker [^ ]*/" +
                   std::to_string(leaving.pid()) + "/" + actor),
        job_timeout);
  }
  auto staying = start_worker(port, {"--exit-with-master"});
  // Everything but the four tasks the leaving worker holds.
  wait_for_progress(master, tasks - 5);
  REQUIRE(progress_done(master.err()) == tasks - 4);
  const auto signalled = std::chrono::steady_clock::now();
  leaving.signal(SIGTERM);
  // The two waiting tasks come back at once and run on the staying worker, while the two running
  // ones still run until the drain timeout.
  while (progress_done(master.err()) < tasks - 2) {
    INFO(master.report());
    INFO(leaving.report());
    REQUIRE(leaving.running());
    std::this_thread::sleep_for(20ms);
  }
  const auto handed_back_after = std::chrono::steady_clock::now() - signalled;
  CHECK(handed_back_after < drain);
  const auto r = ended(leaving, drain + drain_slack);
  const auto stop_time = std::chrono::steady_clock::now() - signalled;
  INFO(leaving.report());
  CHECK(r.exit_code == 0);
  CHECK(stop_time >= drain);
  CHECK(stop_time < drain + drain_slack);

  const auto line = finished_ok(master);
  INFO(line.dump());
  CHECK(line["result"]["count"] == primesieve_count(0, slow_primes_to));
  check_attempts_invariant(line);
  CHECK(line["stats"]["retries"] == 0);
  CHECK(line["stats"]["reassigned"] == 4);
  const auto gone = workers_of(line, leaving.pid());
  REQUIRE(gone.size() == 2);
  for (const auto& w : gone) {
    CHECK(w["left"] == true);
    CHECK(w["tasks"] == 0);
    CHECK(w["attempts"] == 2);
  }
  CHECK(tasks_of(line, staying.pid()) == tasks);
}

TEST_CASE("network: a worker started before its master joins it when the master comes",
          "[network]") {
  constexpr std::uint64_t to = 300'000'000;
  const auto port = free_port();
  auto worker = start_worker(port, {"--connect-timeout", "30s", "--exit-with-master"});
  std::this_thread::sleep_for(3s);
  REQUIRE(worker.running());
  auto master = start_master(primes_job(to), port);
  const auto line = finished_ok(master);
  INFO(line.dump());
  CHECK(line["result"]["count"] == primesieve_count(0, to));
  CHECK(tasks_of(line, worker.pid()) == line["stats"]["tasks"].get<std::uint64_t>());
  const auto r = ended(worker, exit_timeout);
  INFO(worker.report());
  CHECK(r.exit_code == 0);
}

TEST_CASE("network: a worker that reaches no master within --connect-timeout exits 1 naming "
          "the address",
          "[network]") {
  const auto address = loopback(free_port());
  auto worker = background_process(
      cohort_argv({"worker", "--master", address, "--workers", "1", "--connect-timeout", "1s"}));
  const auto r = ended(worker, 3 * 1s + exit_timeout);
  INFO(worker.report());
  CHECK(r.exit_code == 1);
  // One line when the first attempt failed, one when it gave up.
  CHECK(r.err.find("cannot reach " + address + ": connection refused; retrying") !=
        std::string::npos);
  CHECK(r.err.find("cohort: cannot reach master " + address +
                   " within 1.0s: connection refused\n") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 2);
  CHECK(r.err.back() == '\n');
}

TEST_CASE("network: a master spawns its workers on a spawn node (cohort worker --listen)",
          "[network]") {
  constexpr std::uint64_t to = 2'000'000'000;
  auto node =
      background_process(cohort_argv({"worker", "--listen", "127.0.0.1:0", "--workers", "2"}));
  const auto port = listening_port(node, start_timeout);
  const std::vector<std::string> args =
      cat({"master", "--local-workers", "0", "--spawn-on", loopback(port)}, primes_job(to));
  const auto r = run_cohort(args, job_timeout);
  INFO("cohort " << describe(args) << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  const auto lines = job_lines(r.out);
  REQUIRE(lines.size() == 1);
  const auto& line = lines.front();
  INFO(line.dump());
  REQUIRE(line["status"] == "ok");
  CHECK(line["result"]["count"] == primesieve_count(0, to));
  const auto& workers = line["stats"]["workers"];
  REQUIRE(workers.size() == 2);
  std::set<std::string> ids;
  for (const auto& w : workers) {
    ids.insert(w["id"].get<std::string>());
    CHECK(pid_of_worker_id(w["id"].get<std::string>()) == node.pid());
    CHECK(w["tasks"].get<std::uint64_t>() > 0);
  }
  CHECK(ids.size() == 2);

  REQUIRE(node.running());
  node.signal(SIGTERM);
  const auto stopped = ended(node, exit_timeout);
  INFO(node.report());
  CHECK(stopped.exit_code == 0);
}

TEST_CASE("network: a peer that does not speak cohort is dropped and the master serves on",
          "[network]") {
  // Peers that are not cohort at all; a cohort worker of another protocol version has its own test.
  constexpr std::uint64_t to = 100'000'000;
  auto master = start_master(primes_job(to));
  const auto port = listening_port(master, start_timeout);
  CHECK(peer_drops(port, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", 5s));
  CHECK(peer_drops(port, std::string(64, '\xff'), 5s));
  REQUIRE(master.running());
  auto worker = start_worker(port, {"--exit-with-master"});
  const auto line = finished_ok(master);
  INFO(line.dump());
  CHECK(line["result"]["count"] == primesieve_count(0, to));
  CHECK(tasks_of(line, worker.pid()) == line["stats"]["tasks"].get<std::uint64_t>());
}

TEST_CASE("network: random bytes on the master's port during a job change nothing", "[network]") {
  // CAF 0.17 allocates whatever payload length a BASP header claims, so a flood of random headers
  // can stall the master's multiplexer past the heartbeat timeout and drop every worker connection
  // (docs/network.md). Workers that reconnect (no --exit-with-master) rejoin, and the job must
  // still finish exact, each task merged once.
  INFO("COHORT_TEST_SEED=" << test_seed());
  const auto slowdown = slowdown_for(4);
  auto master = start_master(cat({"--progress", "--min-workers", "2"}, slow_primes_job));
  const auto port = listening_port(master, start_timeout);
  auto w1 = start_worker(port, {"--slowdown", slowdown});
  auto w2 = start_worker(port, {"--slowdown", slowdown});
  wait_for_progress(master, 0);
  const auto dropped = send_random_bytes(port, 8, std::size_t{64} << 10, test_seed());
  INFO("connections the master dropped before all their bytes went out: " << dropped);
  const auto line = finished_ok(master);
  INFO(line.dump());
  CHECK(line["result"]["count"] == primesieve_count(0, slow_primes_to));
  check_attempts_invariant(line);
  CHECK(line["stats"]["workers"].size() >= 2);
  CHECK(line["stats"]["retries"] == 0);
}

TEST_CASE("network: a worker with --exit-with-master exits 1 when its master is killed, one "
          "without it joins the next master on that port",
          "[network]") {
  const auto slowdown = slowdown_for(60);
  auto master = start_master(cat({"--progress", "--min-workers", "3"}, slow_primes_job));
  const auto port = listening_port(master, start_timeout);
  auto w1 = start_worker(port, {"--exit-with-master", "--slowdown", slowdown});
  auto w2 = start_worker(port, {"--exit-with-master", "--slowdown", slowdown});
  auto stays = start_worker(port, {"--slowdown", slowdown});
  wait_for_progress(master, 0);
  master.signal(SIGKILL);
  REQUIRE(ended(master, exit_timeout).signal == SIGKILL);
  for (auto* w : {&w1, &w2}) {
    const auto r = ended(*w, exit_timeout);
    INFO(w->report());
    CHECK(r.exit_code == 1);
  }
  std::this_thread::sleep_for(2s);
  INFO(stays.report());
  REQUIRE(stays.running());

  // One task: the worker's slowdown stretches every task it runs.
  constexpr std::uint64_t to = 1'000'000;
  auto next = start_master(primes_job(to), port);
  const auto line = finished_ok(next);
  INFO(line.dump());
  CHECK(line["result"]["count"] == primesieve_count(0, to));
  CHECK(tasks_of(line, stays.pid()) == line["stats"]["tasks"].get<std::uint64_t>());
  stays.signal(SIGTERM);
  const auto r = ended(stays, exit_timeout);
  INFO(stays.report());
  CHECK(r.exit_code == 0);
}

} // namespace

TEST_CASE("network: a worker speaking another protocol version is refused, both sides say why, "
          "and the master serves on",
          "[network]") {
  constexpr std::uint64_t to = 100'000'000;
  auto master = start_master(primes_job(to));
  const auto port = listening_port(master, start_timeout);
  // A peer of this build that claims version 999, as a worker of another build would.
  const auto stranger = run_process(
      {COHORT_ROGUE_BINARY, "claim", "999", "127.0.0.1", std::to_string(port)}, exit_timeout);
  INFO(stranger.out << stranger.err);
  REQUIRE(stranger.exit_code == 0);
  std::smatch ours;
  REQUIRE(std::regex_search(stranger.out, ours, std::regex("this build speaks ([0-9]+)")));
  CHECK(ours[1] != "999");
  CHECK(stranger.out.find("join refused: protocol version 999 refused: the master speaks version " +
                          ours[1].str() + "\n") != std::string::npos);
  master.wait_for_err(
      std::regex("a join of worker .* refused: protocol version 999 refused: the master speaks "
                 "version " +
                 ours[1].str()),
      start_timeout);
  auto worker = start_worker(port, {"--exit-with-master"});
  const auto line = finished_ok(master);
  INFO(line.dump());
  CHECK(line["result"]["count"] == primesieve_count(0, to));
  CHECK(tasks_of(line, worker.pid()) == line["stats"]["tasks"].get<std::uint64_t>());
}
