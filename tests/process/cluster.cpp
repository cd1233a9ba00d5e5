// cluster: the building blocks of the multi-process tests, a master and its worker processes on
// loopback, and the checks every such test makes on the job lines.
#include "tests/process/cluster.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace cohort::test {

using nlohmann::json;
using namespace std::chrono_literals;

std::string loopback(std::uint16_t port) {
  return "127.0.0.1:" + std::to_string(port);
}

background_process start_master(std::vector<std::string> args, std::uint16_t port) {
  args.insert(args.begin(), {"master", "--listen", loopback(port), "--local-workers", "0"});
  return background_process(cohort_argv(std::move(args)));
}

background_process start_worker(std::uint16_t port, std::vector<std::string> args) {
  args.insert(args.begin(), {"worker", "--master", loopback(port), "--workers", "1"});
  return background_process(cohort_argv(std::move(args)));
}

std::vector<std::string> cat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<std::string> primes_job(std::uint64_t to) {
  return {"--job", "primes", "--param", "to=" + std::to_string(to)};
}

const std::vector<std::string> slow_primes_job{"--job",         "primes",  "--param",
                                               "to=1000000000", "--param", "tasks=100"};

std::string slowdown_for(double seconds) {
  static const double local_s = [] {
    const auto r =
        run_cohort(cat({"master", "--local-workers", "1"}, slow_primes_job), job_timeout);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto lines = job_lines(r.out);
    REQUIRE(lines.size() == 1);
    return std::max(lines.front()["stats"]["wall_s"].get<double>(), 1e-3);
  }();
  return std::to_string(std::max(1.0, seconds / local_s));
}

std::vector<json> finished_jobs(background_process& master, int exit_code) {
  const auto r = master.wait_exit(job_timeout);
  INFO(master.report());
  REQUIRE(r);
  REQUIRE(r->exit_code == exit_code);
  return job_lines(r->out);
}

json finished_ok(background_process& master) {
  const auto lines = finished_jobs(master);
  REQUIRE(lines.size() == 1);
  INFO(lines.front().dump());
  REQUIRE(lines.front()["status"] == "ok");
  return lines.front();
}

process_result ended(background_process& p, std::chrono::milliseconds timeout) {
  const auto r = p.wait_exit(timeout);
  INFO("still running after " << timeout.count() << " ms: " << p.report());
  REQUIRE(r);
  return *r;
}

void wait_for_progress(background_process& master, std::uint64_t done) {
  const auto deadline = std::chrono::steady_clock::now() + job_timeout;
  while (progress_done(master.err()) <= done) {
    INFO(master.report());
    REQUIRE(master.running());
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(20ms);
  }
}

std::vector<json> workers_of(const json& line, pid_t pid) {
  std::vector<json> out;
  for (const auto& w : line["stats"]["workers"]) {
    if (pid_of_worker_id(w["id"].get<std::string>()) == pid) {
      out.push_back(w);
    }
  }
  return out;
}

std::uint64_t tasks_of(const json& line, pid_t pid) {
  std::uint64_t n = 0;
  for (const auto& w : workers_of(line, pid)) {
    n += w["tasks"].get<std::uint64_t>();
  }
  return n;
}

void check_attempts_invariant(const json& line) {
  const auto& s = line["stats"];
  INFO(s.dump());
  CHECK(s["attempts"].get<std::uint64_t>() ==
        s["tasks"].get<std::uint64_t>() + s["retries"].get<std::uint64_t>() +
            s["reassigned"].get<std::uint64_t>() + s["speculative"].get<std::uint64_t>());
}

double cpu_seconds(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  if (text.rfind(')') == std::string::npos) {
    return 0; // gone
  }
  // Fields after the command (which may hold spaces) start after its closing parenthesis.
  auto rest = text.substr(text.rfind(')') + 2);
  std::istringstream in(rest);
  std::string field;
  unsigned long long utime = 0;
  unsigned long long stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) {
      utime = std::stoull(field);
    } else if (i == 15) {
      stime = std::stoull(field);
    }
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

bool cpu_idle(pid_t pid) {
  const auto before = cpu_seconds(pid);
  std::this_thread::sleep_for(500ms);
  return cpu_seconds(pid) - before < 0.05;
}

std::regex batch_sent_to(pid_t pid) {
  return std::regex("sent batch [0-9]+ \\([0-9]+ tasks of job [0-9]+\\) to worker [^ ]*/" +
                    std::to_string(pid) + "/");
}

void make_certs(const std::filesystem::path& dir) {
  const auto r =
      run_process({std::string(COHORT_SOURCE_DIR) + "/scripts/make-certs", dir.string()}, 30s);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

std::vector<std::string> tls_args(const std::filesystem::path& dir) {
  return {"--tls-cert", (dir / "node.pem").string(), "--tls-key", (dir / "node.key").string(),
          "--tls-ca",   (dir / "ca.pem").string()};
}

} // namespace cohort::test
