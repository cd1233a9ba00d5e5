// Process tests of a serving master (`cohort master --serve`) and its clients (`cohort submit`,
// `wait`, `jobs`, `cancel`, `status`): several clients at once each get exactly their own lines,
// jobs outlive their clients, cancel and SIGTERM end what runs, one client's many jobs do not
// starve another's, and a client's paths stay under the master's --data-dir roots.
#include "tests/process/cluster.hpp"
#include "tests/process/cohort_run.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace {

using namespace cohort::test;
using nlohmann::json;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

/// A serving master with `workers` worker processes (one worker actor each) joined.
struct serve_cluster {
  background_process master;
  std::uint16_t port = 0;
  std::vector<std::unique_ptr<background_process>> workers;

  explicit serve_cluster(std::vector<std::string> args, int workers_wanted = 2,
                         std::vector<std::string> worker_args = {})
      : master(start_master(cat({"--serve", "--log-level", "info"}, args))) {
    port = listening_port(master, start_timeout);
    for (int i = 0; i < workers_wanted; ++i) {
      add_worker(worker_args);
    }
    wait_joined(workers_wanted);
  }

  /// Waits until the master has logged `n` joins in all.
  void wait_joined(int n) {
    auto deadline = steady::now() + start_timeout;
    while (steady::now() < deadline) {
      const auto err = master.err();
      int joined = 0;
      for (auto at = err.find("worker joined"); at != std::string::npos;
           at = err.find("worker joined", at + 1)) {
        ++joined;
      }
      if (joined >= n) {
        return;
      }
      std::this_thread::sleep_for(20ms);
    }
    FAIL("fewer than " << n << " workers joined:\n" << master.err());
  }

  background_process& add_worker(const std::vector<std::string>& args = {}) {
    workers.push_back(std::make_unique<background_process>(
        cohort_argv(cat({"worker", "--master", loopback(port), "--workers", "1"}, args))));
    return *workers.back();
  }

  std::vector<std::string> client(const std::string& mode, std::vector<std::string> args) const {
    return cat({mode, "--master", loopback(port)}, args);
  }

  process_result run(const std::string& mode, std::vector<std::string> args,
                     std::chrono::milliseconds timeout = job_timeout) const {
    return run_cohort(client(mode, std::move(args)), timeout);
  }

  background_process start(const std::string& mode, std::vector<std::string> args) const {
    return background_process(cohort_argv(client(mode, std::move(args))));
  }
};

/// The one job line a client printed, checked against the contract.
json one_line(const process_result& r, int exit_code = 0) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == exit_code);
  auto lines = job_lines(r.out);
  REQUIRE(lines.size() == 1);
  return lines.front();
}

std::vector<json> json_lines(const std::string& out) {
  std::vector<json> lines;
  std::istringstream in(out);
  std::string text;
  while (std::getline(in, text)) {
    lines.push_back(json::parse(text));
  }
  return lines;
}

/// The job `id` in `cohort jobs --all`.
json listed(const serve_cluster& c, std::uint64_t id) {
  auto r = c.run("jobs", {"--all"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  for (auto& line : json_lines(r.out)) {
    if (line["id"] == id) {
      return line;
    }
  }
  FAIL("job " << id << " is not listed: " << r.out);
  return {};
}

std::uint64_t detached_id(const process_result& r) {
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  auto lines = json_lines(r.out);
  REQUIRE(lines.size() == 1);
  return lines.front()["id"].get<std::uint64_t>();
}

/// Waits until `cohort jobs` shows job `id` running (or, unless `still_running`, ended already: a
/// short job may end between two looks).
void wait_running(const serve_cluster& c, std::uint64_t id, bool still_running = true) {
  auto deadline = steady::now() + job_timeout;
  while (steady::now() < deadline) {
    auto r = c.run("jobs", {"--all"});
    for (auto& line : json_lines(r.out)) {
      if (line["id"] == id && line["status"] != "queued") {
        REQUIRE((line["status"] == "running" || !still_running));
        return;
      }
    }
    std::this_thread::sleep_for(50ms);
  }
  FAIL("job " << id << " never ran");
}

} // namespace

TEST_CASE("serve: three clients at once each get their own exact lines, and workers stay joined "
          "between jobs",
          "[serve]") {
  const temp_dir dir;
  std::filesystem::create_directories(dir.path() / "data");
  dir.write("data/words.txt", "apple Banana apple\ncherry apple banana\n");
  serve_cluster c({"--data-dir", (dir.path() / "data").string()});

  auto primes = c.start("submit", cat(primes_job(10'000'000), {"--name", "p"}));
  auto words = c.start("submit", {"--job", "wordcount", "--param", "path=words.txt"});
  auto sleep = c.start("submit", {"--job", "sleep", "--param", "tasks=40", "--param", "ms=50"});
  std::vector<json> lines;
  for (auto* client : {&primes, &words, &sleep}) {
    auto r = ended(*client, job_timeout);
    lines.push_back(one_line(r));
    CHECK(lines.back()["status"] == "ok");
  }
  CHECK(lines[0]["job"] == "primes");
  CHECK(lines[0]["name"] == "p");
  CHECK(lines[0]["result"]["count"] == primesieve_count(0, 10'000'000));
  CHECK(lines[1]["job"] == "wordcount");
  CHECK_FALSE(lines[1].contains("name"));
  CHECK(lines[1]["result"]["total"] == 6);
  CHECK(lines[1]["result"]["counts"]["apple"] == 3);
  CHECK(lines[1]["result"]["counts"]["banana"] == 2);
  CHECK(lines[1]["result"]["counts"]["cherry"] == 1);
  CHECK(lines[2]["job"] == "sleep");
  CHECK(lines[2]["result"]["completed"] == 40);
  std::set<std::uint64_t> ids;
  for (const auto& line : lines) {
    ids.insert(line["id"].get<std::uint64_t>());
  }
  CHECK(ids.size() == 3);

  // `jobs` lists none running; `jobs --all` lists the three as ok, with their totals done.
  auto running = c.run("jobs", {});
  CHECK(running.exit_code == 0);
  CHECK(running.out.empty());
  for (auto id : ids) {
    auto entry = listed(c, id);
    CHECK(entry["status"] == "ok");
    CHECK(entry["done"] == entry["total"]);
  }
  // The workers are still there for the next job, and status shows them.
  auto status = c.run("status", {});
  REQUIRE(status.exit_code == 0);
  auto s = json::parse(status.out);
  CHECK(s["workers"].size() == 2);
  CHECK(s["running"] == 0);
  CHECK(s["queued"] == 0);
  CHECK(s["uptime_s"].get<double>() > 0);
  auto again = one_line(c.run("submit", primes_job(1'000'000)));
  CHECK(again["result"]["count"] == primesieve_count(0, 1'000'000));
  CHECK(again["id"].get<std::uint64_t>() > *ids.rbegin());
  CHECK(c.master.running());
}

TEST_CASE("serve: cancel ends a running job cancelled - its client prints the line and exits 1",
          "[serve]") {
  serve_cluster c({});
  auto waiting =
      c.start("submit", {"--job", "sleep", "--param", "tasks=20", "--param", "ms=60000"});
  wait_running(c, 1);
  auto cancel = c.run("cancel", {"1"});
  INFO(cancel.err);
  CHECK(cancel.exit_code == 0);
  auto line = one_line(ended(waiting, exit_timeout), 1);
  CHECK(line["id"] == 1);
  CHECK(line["status"] == "cancelled");
  CHECK(line["reason"] == "cancelled");
  CHECK(listed(c, 1)["status"] == "cancelled");
  // Cancelling it again, or a job that never was: exit 1, naming it.
  auto twice = c.run("cancel", {"1", "99"});
  CHECK(twice.exit_code == 1);
  CHECK(twice.err.find("job 1 is unknown or has ended") != std::string::npos);
  CHECK(twice.err.find("job 99 is unknown or has ended") != std::string::npos);
}

TEST_CASE("serve: --detach returns the job's number at once, wait returns its line, and a client "
          "killed mid-job does not stop its job",
          "[serve]") {
  serve_cluster c({});
  auto detached = c.run(
      "submit",
      {"--job", "sleep", "--param", "tasks=10", "--param", "ms=300", "--detach", "--name", "nap"},
      exit_timeout);
  auto id = detached_id(detached);
  CHECK(json::parse(detached.out) == json{{"id", id}, {"job", "sleep"}, {"name", "nap"}});
  auto line = one_line(c.run("wait", {std::to_string(id)}));
  CHECK(line["id"] == id);
  CHECK(line["name"] == "nap");
  CHECK(line["result"]["completed"] == 10);
  // Its line is kept: a second wait gets it at once.
  CHECK(one_line(c.run("wait", {std::to_string(id)}, exit_timeout)) == line);

  auto doomed = c.start("submit", {"--job", "sleep", "--param", "tasks=10", "--param", "ms=1500"});
  wait_running(c, id + 1);
  doomed.signal(SIGKILL);
  ended(doomed, exit_timeout);
  auto survived = one_line(c.run("wait", {std::to_string(id + 1)}));
  CHECK(survived["status"] == "ok");
  CHECK(survived["result"]["completed"] == 10);

  auto unknown = c.run("wait", {"77"}, exit_timeout);
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("unknown job 77") != std::string::npos);
}

TEST_CASE("serve: one client's 200 queued jobs do not starve another client's one job", "[serve]") {
  // Each worker takes one sleep task at a time, so the 200 jobs queue for about 10 s.
  serve_cluster c({}, 2, {"--concurrency", "1"});
  std::string jobs;
  for (int i = 0; i < 200; ++i) {
    jobs += R"({"job": "sleep", "params": {"tasks": 1, "ms": 100}})"
            "\n";
  }
  const temp_dir dir;
  auto file = dir.write("many.jsonl", jobs);
  auto many = c.run("submit", {"--jobs", file.string(), "--detach"}, exit_timeout);
  REQUIRE(many.exit_code == 0);
  REQUIRE(json_lines(many.out).size() == 200);
  wait_running(c, 1, false);
  auto started = steady::now();
  auto one = c.run("submit", {"--job", "sleep", "--param", "tasks=1", "--param", "ms=100"});
  auto waited = std::chrono::duration<double>(steady::now() - started).count();
  auto line = one_line(one);
  CHECK(line["status"] == "ok");
  WARN("the second client's one job took " << waited << " s beside 200 queued jobs");
  // A turn frees every 100 ms; without fair turns it would wait for the 200 (about 10 s).
  CHECK(waited < 3.0);
  std::vector<std::string> ids;
  for (int i = 1; i <= 200; ++i) {
    ids.push_back(std::to_string(i));
  }
  c.run("cancel", ids, exit_timeout);
}

TEST_CASE("serve: SIGTERM cancels what runs and exits 0, with no worker left running a task",
          "[serve]") {
  serve_cluster c({}, 1, {"--exit-with-master", "--log-level", "debug"});
  auto waiting = c.start("submit", {"--job", "sleep", "--param", "tasks=4", "--param", "ms=60000"});
  wait_running(c, 1);
  c.master.signal(SIGTERM);
  auto m = ended(c.master, exit_timeout);
  INFO(m.err);
  CHECK(m.exit_code == 0);
  auto line = one_line(ended(waiting, exit_timeout), 1);
  CHECK(line["status"] == "cancelled");
  auto w = ended(*c.workers.front(), exit_timeout);
  INFO(w.err);
  CHECK(w.exit_code == 0);
  CHECK(w.err.find("cancelled job 1") != std::string::npos);
}

TEST_CASE("serve: a client's paths stay under --data-dir: none given refuses them, and neither "
          "../ nor a symlink leaves a root",
          "[serve]") {
  const temp_dir dir;
  std::filesystem::create_directories(dir.path() / "data");
  dir.write("data/in.txt", "a b\n");
  dir.write("secret.txt", "secret words\n");
  std::filesystem::create_symlink("/etc", dir.path() / "data" / "etc");
  std::filesystem::create_symlink(dir.path() / "secret.txt", dir.path() / "data" / "s.txt");
  {
    serve_cluster none({}, 1);
    auto r = none.run("submit", {"--job", "wordcount", "--param", "path=/etc"}, exit_timeout);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("--data-dir") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
  serve_cluster c({"--data-dir", (dir.path() / "data").string()}, 1);
  for (const std::string& path :
       std::vector<std::string>{"/etc", "../secret.txt", "etc", "etc/hostname", "s.txt",
                                (dir.path() / "data" / ".." / "secret.txt").string()}) {
    INFO("path=" << path);
    auto r = c.run("submit", {"--job", "wordcount", "--param", "path=" + path}, exit_timeout);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("outside the master's --data-dir roots") != std::string::npos);
  }
  auto ok = one_line(c.run("submit", {"--job", "wordcount", "--param", "path=in.txt"}));
  CHECK(ok["result"]["total"] == 2);
}

TEST_CASE("serve: bad input from a client gets the command line's one-line error and exit 2, and "
          "the master carries on",
          "[serve]") {
  const temp_dir dir;
  serve_cluster c({}, 1);
  auto bad_jobs = dir.write("bad.jsonl", "{\"job\": \"sleep\"}\n{\"job\": \"nope\"}\n");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"--job", "nope"}, "unknown job kind 'nope'"},
      {{"--job", "sleep", "--param", "ms=fast"}, "sleep: param 'ms'"},
      {{"--jobs", bad_jobs.string()}, "job 2: unknown job kind 'nope'"},
      {{"--job", "sleep", "--priority", "5000"}, "--priority: bad value '5000'"},
      {{"--jobs", (dir.path() / "missing.jsonl").string()}, "cannot read jobs file"},
  };
  for (const auto& [args, expected] : cases) {
    auto r = c.run("submit", args, exit_timeout);
    INFO(describe(args) << "\n" << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find(expected) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
  // Nothing of the refused submissions ran.
  auto all = c.run("jobs", {"--all"}, exit_timeout);
  CHECK(all.out.empty());
  auto line = one_line(c.run("submit", {"--job", "sleep", "--param", "tasks=3"}));
  CHECK(line["result"]["completed"] == 3);
}

TEST_CASE("serve: clients prove the client token - a master that does not serve takes no client",
          "[serve]") {
  const temp_dir dir;
  auto workers_token = dir.write("token", "for workers\n");
  auto clients_token = dir.write("client-token", "for clients\n");
  serve_cluster c(
      {"--token-file", workers_token.string(), "--client-token-file", clients_token.string()}, 1,
      {"--token-file", workers_token.string()});
  auto wrong = c.run("status", {"--token-file", workers_token.string()}, exit_timeout);
  CHECK(wrong.exit_code == 1);
  CHECK(wrong.err.find("refused this client") != std::string::npos);
  auto right = c.run("status", {"--client-token-file", clients_token.string()}, exit_timeout);
  INFO(right.err);
  CHECK(right.exit_code == 0);
  CHECK(json::parse(right.out)["workers"].size() == 1);

  auto one_shot = start_master({"--job", "sleep", "--param", "tasks=1", "--param", "ms=20000"});
  auto port = listening_port(one_shot, start_timeout);
  auto r = run_cohort({"status", "--master", loopback(port)}, exit_timeout);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("start it with --serve") != std::string::npos);
}

TEST_CASE("serve: a 30-second soak - a job a second from a loop of clients while a worker is "
          "killed and replaced every 10 s - every line exact",
          "[serve][soak]") {
  serve_cluster c({}, 2);
  const auto expected = primesieve_count(0, 3'000'000);
  auto end = steady::now() + 30s;
  auto next_kill = steady::now() + 10s;
  int jobs = 0;
  while (steady::now() < end) {
    auto started = steady::now();
    auto line = one_line(c.run("submit", cat(primes_job(3'000'000), {"--param", "tasks=30"})));
    CHECK(line["status"] == "ok");
    CHECK(line["result"]["count"] == expected);
    CHECK(line["stats"]["tasks"] == 30);
    ++jobs;
    if (steady::now() >= next_kill) {
      next_kill += 10s;
      auto& victim = *c.workers.front();
      victim.signal(SIGKILL);
      ended(victim, exit_timeout);
      c.workers.erase(c.workers.begin());
      c.add_worker();
    }
    std::this_thread::sleep_until(started + 1s);
  }
  CHECK(jobs >= 20);
  CHECK(c.master.running());
}

TEST_CASE("serve: an exec joblog lands on the client's side, not the master's", "[serve]") {
  const temp_dir dir;
  std::filesystem::create_directories(dir.path() / "data");
  std::filesystem::create_directories(dir.path() / "client");
  dir.write("data/cmds.jsonl", "{\"argv\": [\"true\"]}\n{\"sh\": \"exit 3\"}\n");
  serve_cluster c({"--data-dir", (dir.path() / "data").string()}, 1, {"--allow-exec"});
  // A relative name: the client writes it in its own directory; the master's is the test's.
  const std::string name = "joblog-" + std::to_string(::getpid()) + ".jsonl";
  auto argv = cohort_argv(c.client(
      "submit", {"--job", "exec", "--param", "file=cmds.jsonl", "--param", "joblog=" + name}));
  std::string command = "cd '" + (dir.path() / "client").string() + "' && exec";
  for (const auto& word : argv) {
    command += " '" + word + "'";
  }
  auto r = run_process({"/bin/sh", "-c", command}, job_timeout);
  // One of the two commands exits 3: the job fails (on-failure=fail) and keeps its result.
  auto line = one_line(r, 1);
  CHECK(line["status"] == "failed");
  CHECK(line["reason"] == "commands");
  CHECK(line["result"]["ok"] == 1);
  CHECK_FALSE(std::filesystem::exists(std::filesystem::current_path() / name));
  std::ifstream in(dir.path() / "client" / name);
  REQUIRE(in);
  std::set<std::string> exits;
  for (std::string row; std::getline(in, row);) {
    auto entry = json::parse(row);
    exits.insert(std::to_string(entry["index"].get<int>()) + ":" +
                 std::to_string(entry["exit_code"].get<int>()));
  }
  CHECK(exits == std::set<std::string>{"0:0", "1:3"});
}

TEST_CASE("serve: Ctrl-C on a waiting submit cancels its job, prints the cancelled line and exits "
          "130",
          "[serve]") {
  serve_cluster c({}, 1);
  auto waiting = c.start("submit", {"--job", "sleep", "--param", "tasks=8", "--param", "ms=60000"});
  wait_running(c, 1);
  waiting.signal(SIGINT);
  auto line = one_line(ended(waiting, exit_timeout), 130);
  CHECK(line["status"] == "cancelled");
  CHECK(listed(c, 1)["status"] == "cancelled");
  CHECK(c.master.running());
}

TEST_CASE("serve: clients over mutual TLS with a token submit and wait like plain ones",
          "[serve]") {
  const temp_dir dir;
  make_certs(dir.path());
  auto token = dir.write("token", "secret\n");
  auto node_args = cat(tls_args(dir.path()), {"--token-file", token.string()});
  serve_cluster c(node_args, 1, node_args);
  auto line = one_line(c.run("submit", cat(node_args, primes_job(1'000'000))));
  CHECK(line["result"]["count"] == primesieve_count(0, 1'000'000));
  auto plain =
      c.run("status", {"--token-file", token.string(), "--connect-timeout", "2s"}, exit_timeout);
  CHECK(plain.exit_code == 1);
  CHECK(plain.out.empty());
}
