// Process tests of what a user reads on stderr at the default level: the lifecycle lines of masters
// and workers (joined, left and why, finished, lost, cannot reach), progress in its plain and
// terminal forms, `wait_s`, and never CAF's raw error text.
#include "tests/process/cluster.hpp"
#include "tests/process/cohort_run.hpp"
#include "tests/process/network_helpers.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace {

using namespace cohort::test;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

/// CAF's own renderings, which a user must never see.
void check_no_raw_caf_text(const std::string& text) {
  INFO(text);
  CHECK(text.find("system_error") == std::string::npos);
  CHECK(text.find("exit_reason") == std::string::npos);
  CHECK(text.find("sec::") == std::string::npos);
}

std::size_t count_of(const std::string& text, const std::regex& pattern) {
  return static_cast<std::size_t>(std::distance(
      std::sregex_iterator(text.begin(), text.end(), pattern), std::sregex_iterator()));
}

/// A loopback port held open by a listening socket of this test for as long as it lives.
struct held_port {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  std::uint16_t port = 0;
  held_port() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(listen(fd, 1) == 0);
    socklen_t len = sizeof a;
    REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port = ntohs(a.sin_port);
  }
  ~held_port() { close(fd); }
  held_port(const held_port&) = delete;
  held_port& operator=(const held_port&) = delete;
};

/// What a program printed on a terminal (a pseudo-terminal for stdin, stdout and stderr) until it
/// exited, and its exit code.
struct terminal_run {
  std::string screen;
  int exit_code = -1;
};

terminal_run run_on_terminal(std::vector<std::string> argv, std::chrono::milliseconds timeout) {
  winsize size{};
  size.ws_row = 24;
  size.ws_col = 100;
  int fd = -1;
  const pid_t pid = forkpty(&fd, nullptr, nullptr, &size);
  REQUIRE(pid >= 0);
  if (pid == 0) {
    std::vector<char*> args;
    for (auto& a : argv) {
      args.push_back(a.data());
    }
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  terminal_run r;
  const auto deadline = steady::now() + timeout;
  char buf[4096];
  while (steady::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) {
      continue;
    }
    const auto n = read(fd, buf, sizeof buf);
    if (n <= 0) {
      break; // EIO once the program and its children closed the terminal
    }
    r.screen.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  if (steady::now() >= deadline) {
    kill(pid, SIGKILL);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  INFO(r.screen);
  REQUIRE(steady::now() < deadline);
  return r;
}

} // namespace

TEST_CASE("lifecycle: a worker with no master says so at once in plain words, then every 10 s",
          "[lifecycle]") {
  const auto port = free_port();
  const auto r =
      run_cohort({"worker", "--master", loopback(port), "--connect-timeout", "12s"}, 30s);
  INFO(r.err);
  CHECK(r.exit_code == 1);
  const std::regex retry("warning cannot reach 127\\.0\\.0\\.1:" + std::to_string(port) +
                         ": connection refused; retrying for ([0-9]+) s more\n");
  std::smatch first;
  REQUIRE(std::regex_search(r.err, first, retry));
  CHECK(std::stoi(first[1]) >= 10);
  // The first line at once, the second 10 s later, then the end at 12 s: two in all.
  CHECK(count_of(r.err, retry) == 2);
  CHECK(r.err.find("cohort: cannot reach master 127.0.0.1:" + std::to_string(port) +
                   " within 12.0s: connection refused\n") != std::string::npos);
  check_no_raw_caf_text(r.err);
}

TEST_CASE("lifecycle: joins, a normal end and the wait for workers, as master and worker say them",
          "[lifecycle]") {
  auto master = start_master({"--min-workers", "2", "--progress", "--job", "sleep", "--param",
                              "tasks=40", "--param", "ms=20", "--name", "nightly"});
  const auto port = listening_port(master, start_timeout);
  const auto at = "127\\.0\\.0\\.1:" + std::to_string(port);
  master.wait_for_err(std::regex("info job 1 \\(nightly\\) waits for workers: 0 of --min-workers 2 "
                                 "workers joined \\(up to 30s\\)\n"),
                      start_timeout);
  master.wait_for_err(std::regex("progress job=nightly waiting joined=0 need=2 left=[0-9]+s\n"),
                      start_timeout);
  // Waiting is timed: the job's wait_s counts it, and its rate leaves it out.
  std::this_thread::sleep_for(1500ms);
  background_process worker(
      cohort_argv({"worker", "--master", loopback(port), "--workers", "2", "--tags", "gpu,ssd"}));
  const auto line = finished_ok(master);
  INFO(line.dump());
  const auto& stats = line["stats"];
  CHECK(stats["wait_s"].get<double>() >= 1.2);
  CHECK(stats["wait_s"].get<double>() < stats["wall_s"].get<double>());
  CHECK(stats["tasks_per_s"].get<double>() > 40 / stats["wall_s"].get<double>());
  const auto err = master.err();
  INFO(err);
  CHECK(count_of(err, std::regex("info worker joined: [^ ]+/" + std::to_string(worker.pid()) +
                                 "/[01] on [^ ]+ \\(1 slot, tags gpu,ssd\\)\n")) == 2);
  check_no_raw_caf_text(err);
  worker.wait_for_err(std::regex("info joined master " + at + " as 2 worker actors\n"), 5s);
  worker.wait_for_err(std::regex("info master " + at + " finished; waiting for the next one\n"),
                      5s);
  // A master that ended normally is no warning.
  CHECK(worker.err().find("warning") == std::string::npos);
  check_no_raw_caf_text(worker.err());
}

TEST_CASE("lifecycle: a worker that drained, one killed and a lost master, each said as such",
          "[lifecycle]") {
  auto master = start_master({"--serve"});
  const auto port = listening_port(master, start_timeout);
  auto drains = start_worker(port);
  auto killed = start_worker(port);
  auto stays = start_worker(port);
  for (auto* w : {&drains, &killed, &stays}) {
    master.wait_for_err(std::regex("worker joined: [^ ]+/" + std::to_string(w->pid()) + "/"),
                        start_timeout);
  }
  stays.wait_for_err(std::regex("info joined master 127\\.0\\.0\\.1:[0-9]+ as 1 worker actor\n"),
                     start_timeout);
  drains.signal(SIGTERM);
  master.wait_for_err(
      std::regex("info worker left: [^ ]+/" + std::to_string(drains.pid()) + "/0 \\(drained\\)\n"),
      10s);
  CHECK(ended(drains, 10s).exit_code == 0);
  killed.signal(SIGKILL);
  master.wait_for_err(std::regex("info worker left: [^ ]+/" + std::to_string(killed.pid()) +
                                 "/0 \\(lost: connection closed, or silent for 2 s\\)\n"),
                      10s);
  master.signal(SIGKILL);
  stays.wait_for_err(
      std::regex(
          "warning lost master 127\\.0\\.0\\.1:[0-9]+ \\(connection closed\\); reconnecting\n"),
      10s);
  stays.signal(SIGTERM);
  ended(stays, 10s);
  check_no_raw_caf_text(master.err());
  check_no_raw_caf_text(stays.err());
}

TEST_CASE("lifecycle: a port in use is said as the system says it and exits 1, master and spawn "
          "node alike",
          "[lifecycle]") {
  held_port held;
  const auto at = loopback(held.port);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"master", "--listen", at, "--job", "sleep", "--param", "tasks=1"},
           {"master", "--http", at, "--job", "sleep", "--param", "tasks=1"},
           {"worker", "--listen", at}}) {
    const auto r = run_cohort(args, 30s);
    INFO(describe(args) << "\n" << r.err);
    // A runtime failure, not bad input.
    CHECK(r.exit_code == 1);
    CHECK(r.err.find(at + ": address already in use\n") != std::string::npos);
    check_no_raw_caf_text(r.err);
  }
}

TEST_CASE("lifecycle: --spawn-on with no spawn node there says so in plain words and exits 1",
          "[lifecycle]") {
  const auto at = loopback(free_port());
  const auto r = run_cohort(
      {"master", "--local-workers", "0", "--spawn-on", at, "--job", "sleep", "--param", "tasks=1"},
      60s);
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err == "cohort: cannot spawn workers on " + at + ": connection refused\n");
  CHECK(r.out.empty());
  check_no_raw_caf_text(r.err);
}

TEST_CASE("lifecycle: on a terminal, progress is one line per job redrawn in place",
          "[lifecycle]") {
  const auto r =
      run_on_terminal({COHORT_BINARY, "master", "--local-workers", "2", "--job", "sleep", "--param",
                       "tasks=400", "--param", "ms=25", "--concurrency", "1", "--name", "drawn"},
                      60s);
  INFO(r.screen);
  CHECK(r.exit_code == 0);
  // A bar with counts, then the same line again after the cursor went back up over it.
  CHECK(std::regex_search(r.screen,
                          std::regex("drawn  \\[[=> ]+\\] [0-9]+%  [0-9]+/400  [^\r\n]*\r\n")));
  CHECK(r.screen.find("\x1b[1A\r\x1b[Jdrawn  [") != std::string::npos);
  // A rate and an ETA once the samples span two seconds, never before.
  CHECK(std::regex_search(r.screen, std::regex("/400  [0-9.]+k?/s  eta [0-9]+ s")));
  // The job's line is printed once the progress line was erased, and no plain line appears.
  CHECK(r.screen.find("\x1b[1A\r\x1b[J{\"id\":1,\"name\":\"drawn\"") != std::string::npos);
  CHECK(r.screen.find("progress job=") == std::string::npos);
}
