// Process tests of who may join and what may run: tokens, rogue spawns on a spawn node, plain ports
// on non-loopback addresses, and the job limits.
#include "tests/process/cluster.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

namespace {

using namespace cohort::test;
using nlohmann::json;

} // namespace

TEST_CASE("security: a worker with the master's token joins; a wrong or missing one is refused "
          "before any task reaches it",
          "[security]") {
  const temp_dir dir;
  const auto token = dir.write("token", "s3cret-token\n");
  const auto wrong = dir.write("wrong", "guessed\n");
  constexpr std::uint64_t to = 100'000'000;
  auto master =
      start_master(cat({"--token-file", token.string(), "--log-level", "info"}, primes_job(to)));
  const auto port = listening_port(master, start_timeout);
  for (const auto& [args, reason] :
       {std::pair{std::vector<std::string>{"--token-file", wrong.string()}, "wrong token"},
        std::pair{std::vector<std::string>{}, "no token"}}) {
    auto refused = start_worker(port, args);
    const auto r = ended(refused, exit_timeout);
    INFO(refused.report());
    CHECK(r.exit_code == 1);
    CHECK(r.err.find(reason) != std::string::npos);
    CHECK(r.err.find("s3cret") == std::string::npos);
  }
  CHECK(master.err().find("s3cret") == std::string::npos);
  CHECK(master.err().find("worker joined") == std::string::npos);
  auto good = start_worker(port, {"--token-file", token.string(), "--exit-with-master"});
  const auto line = finished_ok(master);
  INFO(line.dump());
  CHECK(line["result"]["count"] == primesieve_count(0, to));
  CHECK(tasks_of(line, good.pid()) == line["stats"]["tasks"].get<std::uint64_t>());
  CHECK(master.err().find("s3cret") == std::string::npos);
}

TEST_CASE("security: COHORT_TOKEN works like --token-file and --print-config redacts it",
          "[security]") {
  const auto r = run_process(
      {"env", "COHORT_TOKEN=env-s3cret", COHORT_BINARY, "master", "--print-config"}, exit_timeout);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("<redacted>") != std::string::npos);
  CHECK(r.out.find("env-s3cret") == std::string::npos);
}

TEST_CASE("security: a rogue peer that spawns a worker on a spawn node and sends it an exec task "
          "gets nothing run",
          "[security]") {
  const temp_dir dir;
  const auto token = dir.write("token", "node-token\n");
  const auto marker = dir.path() / "ran";
  const auto commands =
      dir.write("commands.jsonl", json{{"argv", {"touch", marker.string()}}}.dump() + "\n");
  auto node = background_process(
      cohort_argv({"worker", "--listen", "127.0.0.1:0", "--workers", "1", "--allow-exec",
                   "--token-file", token.string(), "--log-level", "info"}));
  const auto port = listening_port(node, start_timeout);
  const auto rogue = run_process(
      {COHORT_ROGUE_BINARY, "spawn", "127.0.0.1", std::to_string(port), commands.string()},
      exit_timeout);
  INFO(rogue.out << rogue.err << node.report());
  REQUIRE(rogue.exit_code == 0);
  CHECK(rogue.out.find("attach refused: ") != std::string::npos);
  CHECK(rogue.out.find("wrong token") != std::string::npos);
  CHECK(rogue.out.find("run refused: ") != std::string::npos);
  CHECK(rogue.out.find("run answered") == std::string::npos);
  CHECK_FALSE(std::filesystem::exists(marker));

  // The node serves on: a master with its token spawns workers and runs a job there.
  const auto r =
      run_cohort({"master", "--local-workers", "0", "--spawn-on", loopback(port), "--token-file",
                  token.string(), "--job", "sleep", "--param", "tasks=10", "--param", "ms=10"},
                 job_timeout);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  const auto lines = job_lines(r.out);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["result"]["completed"] == 10);
  // Without the token the master cannot attach them.
  const auto denied = run_cohort({"master", "--local-workers", "0", "--spawn-on", loopback(port),
                                  "--job", "sleep", "--param", "tasks=1"},
                                 job_timeout);
  CHECK(denied.exit_code != 0);
  CHECK(denied.err.find("no token") != std::string::npos);
}

TEST_CASE("security: listening on a non-loopback address without TLS needs --insecure and says why",
          "[security]") {
  for (const auto& mode :
       {std::vector<std::string>{"master", "--listen", "0.0.0.0:0", "--job", "sleep"},
        std::vector<std::string>{"worker", "--listen", "0.0.0.0:0"}}) {
    const auto r = run_cohort(mode, exit_timeout);
    INFO(describe(mode) << "\n" << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("not a loopback address and TLS is off") != std::string::npos);
    CHECK(r.err.find("--insecure") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
  const auto ok =
      run_cohort({"master", "--listen", "0.0.0.0:0", "--insecure", "--job", "sleep"}, exit_timeout);
  INFO(ok.err);
  CHECK(ok.exit_code == 0);
}

TEST_CASE("security: --max-message-size, --max-tasks and --max-result-size fail the job with "
          "reason limit, and the other jobs run",
          "[security]") {
  const temp_dir dir;
  const auto text = dir.write("words.txt", std::string(3'000'000, 'a') + " b c\n");
  const auto jobs = dir.write(
      "jobs.jsonl", json{{"job", "wordcount"}, {"params", {{"path", text.string()}}}}.dump() +
                        "\n" + json{{"job", "sleep"}, {"params", {{"tasks", 2000}}}}.dump() + "\n" +
                        json{{"job", "sleep"}, {"params", {{"tasks", 10}}}}.dump() + "\n");
  const auto r = run_cohort(
      {"master", "--jobs", jobs.string(), "--max-message-size", "1MiB", "--max-tasks", "1000"},
      job_timeout);
  INFO(r.err);
  CHECK(r.exit_code == 1);
  const auto lines = job_lines(r.out);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0]["reason"] == "limit");
  CHECK(lines[0]["error"].get<std::string>().find("--max-message-size") != std::string::npos);
  CHECK(lines[1]["reason"] == "limit");
  CHECK(lines[1]["error"].get<std::string>().find("--max-tasks") != std::string::npos);
  CHECK(lines[2]["status"] == "ok");
  const auto big = run_cohort({"master", "--job", "wordcount", "--param", "path=" + text.string(),
                               "--max-result-size", "16B"},
                              job_timeout);
  const auto big_lines = job_lines(big.out);
  REQUIRE(big_lines.size() == 1);
  CHECK(big_lines[0]["reason"] == "limit");
  CHECK(big_lines[0]["error"].get<std::string>().find("--max-result-size") != std::string::npos);
}
