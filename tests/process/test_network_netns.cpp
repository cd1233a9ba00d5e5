// Process tests across network namespaces: a master in one namespace, worker processes in two
// others joined by veth pairs, as if on three hosts.
#include "tests/process/cluster.hpp"

#include <catch2/catch.hpp>

#include <set>

namespace {

using namespace cohort::test;
using nlohmann::json;
using namespace std::chrono_literals;

TEST_CASE("network: master and workers in three network namespaces give the exact result",
          "[network][netns]") {
  std::string why;
  if (!netns_lab::permitted(why)) {
    skip_test("network namespaces are not permitted here: " + why);
  }
  constexpr std::uint64_t to = 2'000'000'000;
  const netns_lab lab(2);
  background_process master(netns_lab::in(
      lab.master_ns(), cohort_argv({"master", "--listen", "0.0.0.0:0", "--insecure",
                                    "--local-workers", "0", "--min-workers", "2", "--job", "primes",
                                    "--param", "to=" + std::to_string(to)})));
  const auto port = listening_port(master, 10s);
  background_process w1(netns_lab::in(
      lab.worker_ns(0),
      cohort_argv({"worker", "--master", netns_lab::master_address(0) + ":" + std::to_string(port),
                   "--workers", "1", "--exit-with-master", "--connect-timeout", "10s",
                   "--log-level", "info"})));
  background_process w2(netns_lab::in(
      lab.worker_ns(1),
      cohort_argv({"worker", "--master", netns_lab::master_address(1) + ":" + std::to_string(port),
                   "--workers", "1", "--exit-with-master", "--connect-timeout", "10s",
                   "--log-level", "info"})));

  const auto r = master.wait_exit(90s);
  INFO(master.report() << "\nworker 1: " << w1.report() << "\nworker 2: " << w2.report());
  REQUIRE(r);
  REQUIRE(r->exit_code == 0);
  const auto lines = job_lines(r->out);
  REQUIRE(lines.size() == 1);
  const auto& line = lines.front();
  INFO(line.dump());
  REQUIRE(line["status"] == "ok");
  CHECK(line["result"]["count"] == primesieve_count(0, to));
  std::set<pid_t> pids;
  for (const auto& w : line["stats"]["workers"]) {
    pids.insert(pid_of_worker_id(w["id"].get<std::string>()));
    CHECK(w["tasks"].get<std::uint64_t>() > 0);
  }
  CHECK(pids == std::set<pid_t>{w1.pid(), w2.pid()});
  for (auto* w : {&w1, &w2}) {
    const auto ended = w->wait_exit(10s);
    INFO(w->report());
    REQUIRE(ended);
    CHECK(ended->exit_code == 0);
  }
}

TEST_CASE("network: a worker whose link goes down mid-job is found within 3 s and the job stays "
          "exact",
          "[network][netns][faults]") {
  std::string why;
  if (!netns_lab::permitted(why)) {
    skip_test("network namespaces are not permitted here: " + why);
  }
  const auto slowdown = slowdown_for(6);
  const netns_lab lab(2);
  background_process master(netns_lab::in(
      lab.master_ns(),
      cohort_argv(cat({"master", "--listen", "0.0.0.0:0", "--insecure", "--local-workers", "0",
                       "--min-workers", "2", "--log-level", "debug", "--progress"},
                      slow_primes_job))));
  const auto port = listening_port(master, 10s);
  std::vector<std::unique_ptr<background_process>> workers;
  for (std::size_t i = 0; i < 2; ++i) {
    workers.push_back(std::make_unique<background_process>(netns_lab::in(
        lab.worker_ns(i),
        cohort_argv({"worker", "--master",
                     netns_lab::master_address(i) + ":" + std::to_string(port), "--workers", "1",
                     "--connect-timeout", "10s", "--log-level", "info", "--slowdown", slowdown}))));
  }
  auto& cut_off = *workers[1];
  master.wait_for_err(batch_sent_to(cut_off.pid()), 30s);
  lab.cut(1);
  const auto cut_at = std::chrono::steady_clock::now();
  master.wait_for_err(std::regex("worker left: [^ ]*/" + std::to_string(cut_off.pid()) + "/"), 9s);
  const auto detected = std::chrono::steady_clock::now() - cut_at;
  INFO("link cut found after " << std::chrono::duration<double>(detected).count() << " s");
  CHECK(detected < 9s);
  const auto line = finished_ok(master);
  INFO(line.dump());
  CHECK(line["result"]["count"] == primesieve_count(0, slow_primes_to));
  CHECK(line["stats"]["reassigned"].get<std::uint64_t>() >= 1);
  check_attempts_invariant(line);
}

} // namespace
