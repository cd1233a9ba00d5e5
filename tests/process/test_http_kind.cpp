// Process tests of the http kind and ctx.http against a real HTTP server on loopback
// (tests/tools/http_server.cpp): thousands of slow requests on two worker actors, retries of 5xx,
// timeouts, cancellation closing the open requests, and --allow-net.
#include "tests/process/cluster.hpp"
#include "tests/process/http_server.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

namespace {

using namespace cohort::test;
using nlohmann::json;
using namespace std::chrono_literals;

// The bound is 1.5 s; tests get 3x slack, 5x under ASan.
#if defined(__SANITIZE_ADDRESS__)
constexpr double slow_job_bound_s = 7.5;
constexpr std::uint64_t worker_rss_bound_kb = 1024 * 1024;
#else
constexpr double slow_job_bound_s = 4.5;
constexpr std::uint64_t worker_rss_bound_kb = 400 * 1024;
#endif

std::string lines_of(const std::string& url, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    out += url + "\n";
  }
  return out;
}

std::size_t threads_of(pid_t pid) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    ++n;
  }
  return n;
}

/// A line of /proc/PID/status in kB ("VmHWM", "VmRSS").
std::uint64_t status_kb(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + ":", 0) == 0) {
      return std::stoull(line.substr(key.size() + 1));
    }
  }
  return 0;
}

} // namespace

TEST_CASE("http: 10,000 requests answered after 1 s each, on 2 worker actors, end within 1.5 s "
          "(with the tests' slack) with bounded memory and no thread per request",
          "[http-kind]") {
  http_server server;
  temp_dir dir;
  const auto file = dir.write("urls.txt", lines_of(server.url("/delay/1000"), 10000));
  auto master =
      start_master({"--job", "http", "--param", "file=" + file.string(), "--min-workers", "2"});
  const auto port = listening_port(master, start_timeout);
  background_process worker(
      cohort_argv({"worker", "--master", loopback(port), "--workers", "2", "--allow-net",
                   "--concurrency", "5000", "--exit-with-master"}));
  master.wait_for_err(std::regex("worker joined.*\n.*worker joined"), start_timeout);
  const auto idle_threads = threads_of(worker.pid());
  // Sampled while the requests are in flight.
  std::size_t busy_threads = 0;
  while (master.running() && busy_threads == 0) {
    if (server.stats()["open"].get<int>() >= 5000) {
      busy_threads = threads_of(worker.pid());
    }
    std::this_thread::sleep_for(50ms);
  }
  const auto peak_kb = status_kb(worker.pid(), "VmHWM");
  const auto line = finished_ok(master);
  INFO(line.dump());
  CHECK(line["result"]["requests"] == 10000);
  CHECK(line["result"]["status"]["200"] == 10000);
  CHECK(line["result"]["errors"] == 0);
  const auto ran_s = line["stats"]["wall_s"].get<double>() - line["stats"]["wait_s"].get<double>();
  CHECK(ran_s <= slow_job_bound_s);
  // The I/O thread (and asio's resolver thread) at most, never a thread per request.
  CHECK(busy_threads > 0);
  CHECK(busy_threads <= idle_threads + 2);
  INFO("worker peak RSS " << peak_kb << " kB");
  CHECK(peak_kb < worker_rss_bound_kb);
}

TEST_CASE("http: a 503 then 200 is retried and counted once - a request that never answers hits "
          "its timeout and, out of attempts, fails the job naming it",
          "[http-kind]") {
  http_server server;
  temp_dir dir;
  const auto flaky =
      dir.write("flaky.txt", server.url("/flaky/a/1") + "\n" + server.url("/status/404") + "\n");
  const auto r = run_cohort({"master", "--allow-net", "--local-workers", "1", "--max-attempts", "3",
                             "--job", "http", "--param", "file=" + flaky.string()},
                            job_timeout);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto line = json::parse(r.out);
  CHECK(line["result"]["status"]["200"] == 1);
  CHECK(line["result"]["status"]["404"] == 1);
  CHECK(line["stats"]["retries"] == 1);
  CHECK(line["result"]["failures"] ==
        json::array({{{"url", server.url("/status/404")}, {"status", 404}}}));

  const auto hang = dir.write("hang.txt", server.url("/hang") + "\n");
  const auto h =
      run_cohort({"master", "--allow-net", "--local-workers", "1", "--max-attempts", "2", "--job",
                  "http", "--param", "file=" + hang.string(), "--param", "timeout=300ms"},
                 job_timeout);
  INFO(h.out << h.err);
  CHECK(h.exit_code == 1);
  const auto failed = json::parse(h.out);
  CHECK(failed["reason"] == "task");
  CHECK_THAT(failed["error"].get<std::string>(),
             Catch::Contains(server.url("/hang") + ": timed out after 0.3s"));
  CHECK(failed["stats"]["attempts"] == 2);
}

TEST_CASE("http: a slow request among fast ones is never copied - the server sees each request "
          "once",
          "[http-kind]") {
  const http_server server;
  temp_dir dir;
  // 2x the median run starts speculation for kinds that allow it: 1.5 s against 20 ms would be
  // copied at once on the idle second worker actor.
  const auto file = dir.write("mixed.txt", lines_of(server.url("/delay/20"), 19) +
                                               server.url("/delay/1500") + "\n");
  const auto r = run_cohort({"master", "--allow-net", "--local-workers", "2", "--speculate", "on",
                             "--job", "http", "--param", "file=" + file.string()},
                            job_timeout);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto line = json::parse(r.out);
  CHECK(line["result"]["status"]["200"] == 20);
  CHECK(line["stats"]["speculative"] == 0);
  CHECK(line["stats"]["attempts"] == 20);
  CHECK(server.stats()["requests"] == 21); // the 20 and this one
}

TEST_CASE("http: a cancelled job closes its open requests while the worker lives on - the server "
          "sees them closed",
          "[http-kind]") {
  http_server server;
  temp_dir dir;
  const auto file = dir.write("hang.txt", lines_of(server.url("/hang"), 50));
  auto master = start_master({"--serve", "--data-dir", dir.path().string()});
  const auto port = listening_port(master, start_timeout);
  auto worker = start_worker(port, {"--allow-net", "--concurrency", "100", "--exit-with-master"});
  const auto submitted = run_cohort({"submit", "--master", loopback(port), "--detach", "--job",
                                     "http", "--param", "file=" + file.string()},
                                    job_timeout);
  INFO(submitted.out << submitted.err);
  REQUIRE(submitted.exit_code == 0);
  const auto id = std::to_string(json::parse(submitted.out)["id"].get<int>());
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (server.stats()["open"].get<int>() < 51) {
    REQUIRE(std::chrono::steady_clock::now() < until);
    std::this_thread::sleep_for(50ms);
  }
  const auto cancelled = run_cohort({"cancel", "--master", loopback(port), id}, job_timeout);
  CHECK(cancelled.exit_code == 0);
  // Only the connection asking for the stats stays open, and the worker still runs.
  json s;
  while ((s = server.stats())["open"].get<int>() > 1) {
    REQUIRE(std::chrono::steady_clock::now() < until);
    std::this_thread::sleep_for(50ms);
  }
  CHECK(s["closed"].get<int>() >= 50);
  CHECK(worker.running());
  master.signal(SIGTERM);
  CHECK(ended(master, exit_timeout).exit_code == 0);
}

TEST_CASE("http: only workers started with --allow-net get requests, and with none the job says "
          "which flag it needs",
          "[http-kind]") {
  http_server server;
  temp_dir dir;
  const auto file = dir.write("urls.txt", lines_of(server.url("/delay/10"), 40));
  auto master =
      start_master({"--job", "http", "--param", "file=" + file.string(), "--min-workers", "2"});
  const auto port = listening_port(master, start_timeout);
  auto plain = start_worker(port, {"--exit-with-master"});
  auto net = start_worker(port, {"--allow-net", "--exit-with-master"});
  const auto line = finished_ok(master);
  INFO(line.dump());
  CHECK(tasks_of(line, net.pid()) == 40);
  CHECK(workers_of(line, plain.pid()).empty());

  const auto none = run_cohort({"master", "--local-workers", "1", "--wait-for-workers", "1s",
                                "--job", "http", "--param", "file=" + file.string()},
                               job_timeout);
  CHECK(none.exit_code == 1);
  CHECK_THAT(none.out, Catch::Contains("no worker allows net (start workers with --allow-net)"));
}

TEST_CASE("http: https is verified against the CA store - a server whose CA is in it answers by "
          "address and by name, one whose CA is not is refused",
          "[http-kind]") {
  temp_dir dir;
  const auto certs = dir.path() / "certs";
  REQUIRE(run_process({std::string(COHORT_SOURCE_DIR) + "/scripts/make-certs", certs.string()}, 60s)
              .exit_code == 0);
  const http_server server((certs / "node.pem").string(), (certs / "node.key").string());
  const auto by_name = "https://localhost:" + std::to_string(server.port) + "/status/404";
  const auto requests = server.url("/delay/1") + "\n" + by_name + "\n";
  // OpenSSL's default verify paths, which the engine loads: SSL_CERT_FILE names the store.
  const auto trusted = run_process({"env", "SSL_CERT_FILE=" + (certs / "ca.pem").string(),
                                    COHORT_BINARY, "master", "--allow-net", "--local-workers", "1",
                                    "--job", "http", "--param", "requests=" + requests},
                                   job_timeout);
  INFO(trusted.out << trusted.err);
  REQUIRE(trusted.exit_code == 0);
  CHECK(json::parse(trusted.out)["result"]["status"] == json{{"200", 1}, {"404", 1}});

  const auto refused =
      run_cohort({"master", "--allow-net", "--local-workers", "1", "--max-attempts", "1", "--job",
                  "http", "--param", "requests=" + server.url("/delay/1")},
                 job_timeout);
  INFO(refused.out << refused.err);
  CHECK(refused.exit_code == 1);
  CHECK_THAT(json::parse(refused.out)["error"].get<std::string>(),
             Catch::Contains("certificate verify failed"));
}
