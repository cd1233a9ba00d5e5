// Process tests of --http: a serving master with two worker processes, its /api/status during and
// after a job, /metrics as promtool checks it, the token rule (401 without it; /healthz open), a
// port in use, and the page in a headless Chromium (its DOM and a screenshot).
#include "tests/process/cluster.hpp"

#include <catch2/catch.hpp>
#include <httplib.h>

#include <cstdio>
#include <filesystem>
#include <regex>
#include <sys/wait.h>
#include <thread>

namespace {

using namespace cohort::test;
using nlohmann::json;
using namespace std::chrono_literals;

std::uint16_t http_port(background_process& p) {
  static const std::regex line(R"(http on [^\s:]+:(\d+)\n)");
  return static_cast<std::uint16_t>(std::stoul(p.wait_for_err(line, start_timeout).at(1)));
}

// GET path with `token` as Bearer (none: no header); the status and the body.
std::pair<int, std::string> get(std::uint16_t port, const std::string& path,
                                const std::optional<std::string>& token = std::nullopt) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(5);
  c.set_read_timeout(5);
  httplib::Headers headers;
  if (token) {
    headers.emplace("Authorization", "Bearer " + *token);
  }
  auto r = c.Get(path.c_str(), headers);
  REQUIRE(r);
  return {r->status, r->body};
}

json status_of(std::uint16_t port, const std::optional<std::string>& token) {
  auto [code, body] = get(port, "/api/status", token);
  REQUIRE(code == 200);
  return json::parse(body);
}

// What `command` printed (stdout and stderr) and its exit code.
std::pair<int, std::string> shell(const std::string& command) {
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  while (auto n = std::fread(buf, 1, sizeof buf, p)) {
    out.append(buf, n);
  }
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// promtool's verdict on a metrics text: its exit code and what it printed.
std::pair<int, std::string> promtool_check(const temp_dir& dir, const std::string& text) {
  const auto file = dir.write("metrics.txt", text);
  return shell("promtool check metrics < " + file.string());
}

// The percentage the page shows as the first job's progress (the bar's title), or "" when none.
std::string progress_in(const std::string& dom) {
  static const std::regex bar(R"re(title="([0-9.]+)%")re");
  std::smatch m;
  return std::regex_search(dom, m, bar) ? m[1].str() : std::string();
}

} // namespace

TEST_CASE("http: a serving master's status during and after a job, metrics promtool accepts, and "
          "the token rule",
          "[http]") {
  const temp_dir dir;
  const std::string token = "for the page";
  const auto token_file = dir.write("token", token + "\n");
  auto master = start_master({"--serve", "--http", "127.0.0.1:0", "--token-file",
                              token_file.string(), "--log-level", "info"});
  const auto port = listening_port(master, start_timeout);
  const auto http = http_port(master);
  auto w1 = start_worker(port, {"--token-file", token_file.string(), "--concurrency", "1"});
  auto w2 = start_worker(port, {"--token-file", token_file.string(), "--concurrency", "1"});
  // Health needs no token; everything else does.
  CHECK(get(http, "/healthz") == std::pair<int, std::string>{200, "ok\n"});
  for (const auto* path : {"/", "/api/status", "/metrics"}) {
    INFO(path);
    CHECK(get(http, path).first == 401);
    CHECK(get(http, path, std::string("wrong")).first == 401);
  }
  CHECK(get(http, "/?token=for%20the%20page").first == 200);
  // Both workers joined, as the page sees them (it is refreshed four times a second).
  const auto deadline = std::chrono::steady_clock::now() + start_timeout;
  while (status_of(http, token)["workers"].size() < 2) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(50ms);
  }
  background_process submit(cohort_argv({"submit", "--master", loopback(port), "--token-file",
                                         token_file.string(), "--job", "sleep", "--param",
                                         "tasks=60", "--param", "ms=100", "--name", "watched"}));
  json during;
  std::uint64_t first_done = 0;
  while (true) {
    REQUIRE(std::chrono::steady_clock::now() < deadline + job_timeout);
    during = status_of(http, token);
    if (!during["jobs"].empty() && during["jobs"][0]["done"] > 0) {
      first_done = during["jobs"][0]["done"];
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  INFO(during.dump());
  const auto& job = during["jobs"][0];
  CHECK(job["name"] == "watched");
  CHECK(job["job"] == "sleep");
  CHECK(job["total"] == 60);
  CHECK(during["workers"].size() == 2);
  // Progress moves on between two looks.
  std::this_thread::sleep_for(700ms);
  const auto later = status_of(http, token);
  REQUIRE(later["jobs"].size() == 1);
  CHECK(later["jobs"][0]["done"].get<std::uint64_t>() > first_done);
  const auto [metrics_code, metrics] = get(http, "/metrics", token);
  REQUIRE(metrics_code == 200);
  const auto [promtool_code, promtool_out] = promtool_check(dir, metrics);
  INFO(metrics << "\npromtool: " << promtool_out);
  CHECK(promtool_code == 0);
  CHECK(metrics.find("\ncohort_workers 2\n") != std::string::npos);
  CHECK(metrics.find("\ncohort_jobs_running 1\n") != std::string::npos);

  const auto done = ended(submit, job_timeout);
  INFO(done.err);
  REQUIRE(done.exit_code == 0);
  // After it: no job, its tasks counted, its end among the events.
  std::this_thread::sleep_for(500ms);
  const auto after = status_of(http, token);
  CHECK(after["jobs"].empty());
  const auto [code_after, metrics_after] = get(http, "/metrics", token);
  REQUIRE(code_after == 200);
  CHECK(metrics_after.find("\ncohort_tasks_total{kind=\"sleep\",outcome=\"ok\"} 60\n") !=
        std::string::npos);
  CHECK(metrics_after.find("\ncohort_task_seconds_count 60\n") != std::string::npos);
  CHECK(metrics_after.find("\ncohort_jobs_ended_total 1\n") != std::string::npos);
  bool ended_event = false;
  for (const auto& e : after["events"]) {
    ended_event |= e["text"].get<std::string>().rfind("job 1 (watched) ended ok", 0) == 0;
  }
  CHECK(ended_event);
  master.signal(SIGTERM);
  CHECK(ended(master, exit_timeout).exit_code == 0);
}

TEST_CASE("http: a port in use is one line and exit 1", "[http]") {
  auto first = start_master({"--serve", "--http", "127.0.0.1:0"});
  const auto taken = http_port(first);
  const auto second = run_cohort(
      {"master", "--http", "127.0.0.1:" + std::to_string(taken), "--job", "sleep"}, job_timeout);
  CHECK(second.exit_code == 1);
  CHECK(second.err == "cohort: cannot serve HTTP on 127.0.0.1:" + std::to_string(taken) +
                          ": address already in use\n");
  first.signal(SIGTERM);
  CHECK(ended(first, exit_timeout).exit_code == 0);
}

TEST_CASE("http: the page in a headless browser shows both workers and a job whose progress moves",
          "[http][browser]") {
  const auto [found, where] = shell("command -v chromium");
  if (found != 0) {
    skip_test("no chromium installed (scripts/deps installs it)");
  }
  const temp_dir dir;
  auto master = start_master({"--serve", "--http", "127.0.0.1:0", "--log-level", "info"});
  const auto port = listening_port(master, start_timeout);
  const auto http = http_port(master);
  auto w1 = start_worker(port, {"--concurrency", "1"});
  auto w2 = start_worker(port, {"--concurrency", "1"});
  background_process submit(
      cohort_argv({"submit", "--master", loopback(port), "--job", "sleep", "--param", "tasks=300",
                   "--param", "ms=100", "--name", "browsed"}));
  const auto deadline = std::chrono::steady_clock::now() + job_timeout;
  while (true) {
    const auto s = status_of(http, std::nullopt);
    if (s["workers"].size() == 2 && !s["jobs"].empty() && s["jobs"][0]["done"] > 0) {
      break;
    }
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(50ms);
  }
  const std::string url = "http://127.0.0.1:" + std::to_string(http) + "/";
  // As root Chromium needs --no-sandbox; its profile goes in the test's directory.
  const std::string chromium = "chromium --headless --no-sandbox --disable-gpu "
                               "--user-data-dir=" +
                               (dir.path() / "profile").string() + " ";
  const auto [first_code, first] = shell(chromium + "--dump-dom " + url);
  INFO(first);
  REQUIRE(first_code == 0);
  std::this_thread::sleep_for(1500ms);
  const auto [second_code, second] = shell(chromium + "--dump-dom " + url);
  INFO(second);
  REQUIRE(second_code == 0);
  const auto status = status_of(http, std::nullopt);
  for (const auto& w : status["workers"]) {
    CHECK(first.find(w["id"].get<std::string>()) != std::string::npos);
  }
  CHECK(first.find("browsed") != std::string::npos);
  const auto before = progress_in(first);
  const auto after = progress_in(second);
  REQUIRE_FALSE(before.empty());
  REQUIRE_FALSE(after.empty());
  CHECK(std::stod(after) > std::stod(before));
  std::filesystem::create_directories(COHORT_TEST_OUTPUT);
  const auto shot = std::filesystem::path(COHORT_TEST_OUTPUT) / "status-page.png";
  const auto [shot_code, shot_out] =
      shell(chromium + "--window-size=1280,760 --screenshot=" + shot.string() + " " + url);
  INFO(shot_out);
  CHECK(shot_code == 0);
  CHECK(std::filesystem::file_size(shot) > 10000);
  const auto done = ended(submit, job_timeout);
  CHECK(done.exit_code == 0);
  master.signal(SIGTERM);
  CHECK(ended(master, exit_timeout).exit_code == 0);
}

TEST_CASE("http: with the node's TLS files the port speaks HTTPS that the CA verifies, and a "
          "plain request gets nothing",
          "[http]") {
  const temp_dir dir;
  make_certs(dir.path());
  auto master = start_master(cat({"--serve", "--http", "127.0.0.1:0"}, tls_args(dir.path())));
  const auto http = http_port(master);
  httplib::SSLClient secure("127.0.0.1", http);
  secure.set_ca_cert_path((dir.path() / "ca.pem").c_str());
  secure.enable_server_certificate_verification(true);
  secure.set_connection_timeout(5);
  auto ok = secure.Get("/healthz");
  REQUIRE(ok);
  CHECK(ok->status == 200);
  auto status = secure.Get("/api/status");
  REQUIRE(status);
  CHECK(json::parse(status->body)["workers"].empty());
  httplib::Client plain("127.0.0.1", http);
  plain.set_connection_timeout(5);
  plain.set_read_timeout(5);
  CHECK_FALSE(plain.Get("/healthz"));
  master.signal(SIGTERM);
  CHECK(ended(master, exit_timeout).exit_code == 0);
}

TEST_CASE("http: a non-loopback address needs TLS or --insecure", "[http]") {
  const auto r = run_cohort({"master", "--http", "0.0.0.0:0", "--job", "sleep"}, job_timeout);
  CHECK(r.exit_code == 2);
  CHECK(r.err.rfind("cohort: --http 0.0.0.0:0 is not a loopback address and TLS is off", 0) == 0);
}
