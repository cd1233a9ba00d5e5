// Process tests of --journal: a one-shot master killed -9 mid-job and started again with the same
// command resumes its job, each task merged once (primes against primesieve, wordcount against an
// uninterrupted run); exec commands in flight are never run twice; a serving master's waiting
// client reconnects and gets its line; retention; journals that are not cohort's, or in use, are
// refused with one line.
#include "tests/process/cluster.hpp"

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <random>
#include <thread>

using namespace cohort::test;
using nlohmann::json;

namespace {

std::string read_all_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Starts `args` as a one-shot master with --progress, kills it -9 once it reports `done` merged
// tasks, and runs the same command again: its one job line.
json killed_and_resumed(const std::vector<std::string>& args, std::uint64_t done) {
  background_process first(cohort_argv(cat(args, {"--progress"})));
  wait_for_progress(first, done);
  first.signal(SIGKILL);
  const auto killed = ended(first, exit_timeout);
  REQUIRE(killed.signal == SIGKILL);
  INFO(first.report());
  const auto again = run_cohort(args, job_timeout * 2);
  INFO(again.err);
  REQUIRE(again.exit_code == 0);
  const auto lines = job_lines(again.out);
  REQUIRE(lines.size() == 1);
  return lines.front();
}

// A primes job long enough to kill its master at about half: to=10^11 in `tasks` tasks.
constexpr std::uint64_t primes_to = 100'000'000'000ULL;

std::vector<std::string> primes_to_kill(std::uint64_t tasks) {
  return {"--job",   "primes",
          "--param", "to=" + std::to_string(primes_to),
          "--param", "tasks=" + std::to_string(tasks)};
}

// The line of that job resumed after a kill at about half: exact, and each task merged once.
void check_resumed_primes(const json& line, std::uint64_t tasks) {
  INFO(line.dump());
  CHECK(line["status"] == "ok");
  CHECK(line["result"]["count"] == primesieve_count(0, primes_to));
  const auto resumed = line["stats"]["resumed"].get<std::uint64_t>();
  const auto ran = line["stats"]["tasks"].get<std::uint64_t>();
  // The journal's writer commits at most ten times a second: the last answers before the kill
  // may run again.
  CHECK(resumed >= tasks * 2 / 5);
  CHECK(resumed + ran == tasks);
  CHECK(line["stats"]["attempts"].get<double>() <= 1.2 * static_cast<double>(ran));
}

} // namespace

TEST_CASE("journal: a master killed -9 at about half of primes resumes with the same command, "
          "each task merged once",
          "[journal]") {
  const temp_dir dir;
  constexpr std::uint64_t tasks = 1000;
  const auto args =
      cat({"master", "--journal", (dir.path() / "journal.db").string()}, primes_to_kill(tasks));
  const auto line = killed_and_resumed(args, tasks / 2);
  CHECK(line["id"] == 1);
  check_resumed_primes(line, tasks);

  // Finished: the same command again is a new job, run from its first task.
  const auto third = run_cohort(args, job_timeout * 2);
  REQUIRE(third.exit_code == 0);
  const auto next = job_lines(third.out).at(0);
  CHECK(next["id"] == 2);
  CHECK(next["stats"]["resumed"] == 0);
  CHECK(next["stats"]["tasks"] == tasks);
}

TEST_CASE("journal: wordcount resumed from a snapshot and the answers after it counts what an "
          "uninterrupted run counts",
          "[journal]") {
  const temp_dir dir;
  // Five chunks of words.
  std::mt19937_64 rng(test_seed());
  const auto corpus = dir.path() / "corpus";
  std::filesystem::create_directories(corpus);
  for (int f = 0; f < 5; ++f) {
    std::string text;
    while (text.size() < 8'500'000) {
      const auto len = 1 + rng() % 9;
      for (std::uint64_t i = 0; i < len; ++i) {
        text += static_cast<char>('a' + rng() % 6);
      }
      text += (rng() % 11 == 0) ? '\n' : ' ';
    }
    std::ofstream(corpus / ("f" + std::to_string(f) + ".txt"), std::ios::binary) << text;
  }
  const std::vector<std::string> job{"--job",   "wordcount", "--param", "path=" + corpus.string(),
                                     "--param", "top=20"};
  const auto plain = run_cohort(cat({"master", "--local-workers", "1"}, job), job_timeout);
  REQUIRE(plain.exit_code == 0);
  const auto expected = job_lines(plain.out).at(0);
  const auto chunks = expected["stats"]["tasks"].get<std::uint64_t>();
  REQUIRE(chunks >= 5);
  // Each task then takes about 4 s on the one worker: a snapshot is taken with the second answer
  // (5 s after the start), and the master is killed after the third.
  const double per_task =
      std::max(expected["stats"]["wall_s"].get<double>() / static_cast<double>(chunks), 1e-3);
  const auto file = (dir.path() / "journal.db").string();
  auto first = start_master(cat({"--journal", file, "--progress"}, job));
  const auto port = listening_port(first, start_timeout);
  auto slow = start_worker(port, {"--slowdown", std::to_string(4.0 / per_task)});
  wait_for_progress(first, 2);
  first.signal(SIGKILL);
  REQUIRE(ended(first, exit_timeout).signal == SIGKILL);
  // Started again with the same job (the master's own options may differ).
  const auto again =
      run_cohort(cat({"master", "--local-workers", "1", "--journal", file}, job), job_timeout);
  INFO(again.err);
  REQUIRE(again.exit_code == 0);
  const auto line = job_lines(again.out).at(0);
  INFO(line.dump());
  CHECK(line["status"] == "ok");
  CHECK(line["result"]["total"] == expected["result"]["total"]);
  CHECK(line["result"]["distinct"] == expected["result"]["distinct"]);
  CHECK(line["result"] == expected["result"]);
  // The snapshot with the second answer, at least; the third may not have been committed.
  CHECK(line["stats"]["resumed"].get<std::uint64_t>() >= 2);
  CHECK(line["stats"]["resumed"].get<std::uint64_t>() +
            line["stats"]["tasks"].get<std::uint64_t>() ==
        chunks);
}

TEST_CASE("journal: a serving master killed -9 and started again finishes its clients' jobs, and a "
          "waiting submit reconnects and gets its line",
          "[journal][serve]") {
  const temp_dir dir;
  const auto file = (dir.path() / "journal.db").string();
  constexpr std::uint64_t tasks = 200;
  const std::vector<std::string> serve{"--serve", "--journal", file, "--log-level", "info"};
  auto first = start_master(serve);
  const auto port = listening_port(first, start_timeout);
  auto w1 = start_worker(port);
  auto w2 = start_worker(port);
  const auto client = [&](const std::string& mode, const std::vector<std::string>& args) {
    return cat({mode, "--master", loopback(port), "--connect-timeout", "30s"}, args);
  };
  // A job that ended under the first master.
  const auto quick = run_cohort(
      client("submit", {"--job", "sleep", "--param", "tasks=2", "--param", "ms=1"}), job_timeout);
  INFO(quick.err);
  REQUIRE(quick.exit_code == 0);
  const auto quick_line = job_lines(quick.out).at(0);
  background_process waiting(
      cohort_argv(client("submit", cat({"--progress"}, primes_to_kill(tasks)))));
  wait_for_progress(waiting, tasks / 2);
  first.signal(SIGKILL);
  REQUIRE(ended(first, exit_timeout).signal == SIGKILL);
  auto second = start_master(serve, port);
  const auto got = ended(waiting, job_timeout * 2);
  INFO(got.err);
  REQUIRE(got.exit_code == 0);
  CHECK(got.err.find("reconnected to master") != std::string::npos);
  const auto lines = job_lines(got.out);
  REQUIRE(lines.size() == 1);
  CHECK(lines.front()["id"] == quick_line["id"].get<std::uint64_t>() + 1);
  check_resumed_primes(lines.front(), tasks);
  // The second master keeps the first one's ended jobs for `cohort wait`.
  const auto again = run_cohort(client("wait", {quick_line["id"].dump()}), job_timeout);
  INFO(again.err);
  REQUIRE(again.exit_code == 0);
  CHECK(job_lines(again.out).at(0) == quick_line);
  second.signal(SIGTERM);
  CHECK(ended(second, exit_timeout).exit_code == 0);
}

TEST_CASE("journal: exec commands in flight when the master is killed -9 are reported failed and "
          "never run twice (retry=false)",
          "[journal][exec]") {
  const temp_dir dir;
  const auto ran = dir.path() / "ran.txt";
  // Four quick commands, then ones that hang: the worker runs two at a time.
  std::string commands;
  for (int i = 0; i < 10; ++i) {
    const auto script = "echo " + std::to_string(i) + " >> " + ran.string() + "; sleep " +
                        (i < 4 ? std::string("0.2") : std::string("20"));
    commands += "{\"sh\": " + json(script).dump() + "}\n";
  }
  const auto file = dir.write("commands.jsonl", commands);
  const auto journal_file = (dir.path() / "journal.db").string();
  const std::vector<std::string> job{"--journal", journal_file, "--job",
                                     "exec",      "--param",    "file=" + file.string()};
  const auto lines_in = [&] {
    std::ifstream in(ran);
    std::vector<int> out;
    int i = 0;
    while (in >> i) {
      out.push_back(i);
    }
    return out;
  };
  auto first = start_master(job);
  const auto port = listening_port(first, start_timeout);
  // Two commands at a time: a command counts against --slots.
  auto worker = start_worker(port, {"--allow-exec", "--slots", "2"});
  const auto deadline = std::chrono::steady_clock::now() + job_timeout;
  while (lines_in().size() < 6) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(20ms);
  }
  // The quick commands' answers reach the journal (it commits within 100 ms).
  std::this_thread::sleep_for(1s);
  first.signal(SIGKILL);
  REQUIRE(ended(first, exit_timeout).signal == SIGKILL);
  const auto again = run_cohort(cat({"master"}, job), job_timeout);
  INFO(again.err);
  CHECK(again.exit_code == 1);
  const auto lines = job_lines(again.out);
  REQUIRE(lines.size() == 1);
  INFO(lines[0].dump());
  CHECK(lines[0]["status"] == "failed");
  CHECK(lines[0]["reason"] == "task");
  CHECK_THAT(lines[0]["error"].get<std::string>(),
             Catch::StartsWith("task 4 (") &&
                 Catch::Contains("and 1 more were running when the master stopped"));
  // Each command ran at most once, and none after the restart.
  worker.signal(SIGTERM);
  ended(worker, exit_timeout);
  auto seen = lines_in();
  std::sort(seen.begin(), seen.end());
  CHECK(seen == std::vector<int>{0, 1, 2, 3, 4, 5});
}

TEST_CASE("journal: finished jobs older than --journal-keep are dropped when a master starts",
          "[journal][serve]") {
  const temp_dir dir;
  const auto file = (dir.path() / "journal.db").string();
  const std::vector<std::string> serve{"--serve", "--journal", file, "--journal-keep", "6s"};
  auto first = start_master(serve);
  const auto port = listening_port(first, start_timeout);
  const auto client = [&](const std::string& mode, const std::vector<std::string>& args) {
    return cat({mode, "--master", loopback(port)}, args);
  };
  auto worker = start_worker(port);
  const auto quick = run_cohort(
      client("submit", {"--job", "sleep", "--param", "tasks=1", "--param", "ms=1"}), job_timeout);
  REQUIRE(quick.exit_code == 0);
  first.signal(SIGTERM);
  REQUIRE(ended(first, exit_timeout).exit_code == 0);
  // Within its keep, a master started again still has it; past it, the next one does not.
  auto second = start_master(serve, port);
  const auto kept = run_cohort(client("wait", {"1"}), job_timeout);
  INFO(kept.err);
  CHECK(kept.exit_code == 0);
  CHECK(job_lines(kept.out).size() == 1);
  second.signal(SIGTERM);
  REQUIRE(ended(second, exit_timeout).exit_code == 0);
  std::this_thread::sleep_for(6500ms);
  auto third = start_master(serve, port);
  const auto dropped = run_cohort(client("wait", {"1"}), job_timeout);
  CHECK(dropped.exit_code == 2);
  CHECK(dropped.err.find("unknown job 1") != std::string::npos);
  const auto listed = run_cohort(client("jobs", {"--all"}), job_timeout);
  CHECK(listed.exit_code == 0);
  CHECK(listed.out.empty());
  third.signal(SIGTERM);
  CHECK(ended(third, exit_timeout).exit_code == 0);
}

TEST_CASE("journal: a waiting submit whose master restarts without a journal says so and exits 1",
          "[journal][serve]") {
  auto first = start_master({"--serve"});
  const auto port = listening_port(first, start_timeout);
  auto worker = start_worker(port, {"--concurrency", "1"});
  background_process waiting(
      cohort_argv({"submit", "--master", loopback(port), "--progress", "--job", "sleep", "--param",
                   "tasks=30", "--param", "ms=1000"}));
  wait_for_progress(waiting, 1);
  first.signal(SIGKILL);
  REQUIRE(ended(first, exit_timeout).signal == SIGKILL);
  // The new master numbers its jobs from 1 again: the client must not take another job's line.
  auto second = start_master({"--serve"}, port);
  const auto got = ended(waiting, job_timeout);
  INFO(got.err);
  CHECK(got.exit_code == 1);
  CHECK(got.out.empty());
  CHECK(
      got.err.find("cohort: lost the connection to master 127.0.0.1:" + std::to_string(port) +
                   "; it came back as a new master without this client's jobs (no --journal)\n") !=
      std::string::npos);
  second.signal(SIGTERM);
  CHECK(ended(second, exit_timeout).exit_code == 0);
}

TEST_CASE(
    "journal: a file that is not a cohort journal (text, another program's SQLite), or one in "
    "use, is refused with one line and left as it was",
    "[journal]") {
  const temp_dir dir;
  const auto text = dir.write("notes.txt", "these are notes, not a journal, and they stay so\n");
  const auto r = run_cohort({"master", "--journal", text.string(), "--job", "sleep"}, job_timeout);
  CHECK(r.exit_code == 2);
  CHECK(r.err ==
        "cohort: journal " + text.string() + ": not a cohort journal (not an SQLite database)\n");
  CHECK(read_all_bytes(text) == "these are notes, not a journal, and they stay so\n");

  const auto other = (dir.path() / "other.db").string();
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(other.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES(1);", nullptr, nullptr,
                         nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  const auto other_bytes = read_all_bytes(other);
  const auto foreign = run_cohort({"master", "--journal", other, "--job", "sleep"}, job_timeout);
  CHECK(foreign.exit_code == 2);
  CHECK(foreign.err == "cohort: journal " + other +
                           ": not a cohort journal (an SQLite database of another program)\n");
  CHECK(read_all_bytes(other) == other_bytes);

  const auto file = (dir.path() / "journal.db").string();
  background_process first(cohort_argv({"master", "--journal", file, "--job", "sleep", "--param",
                                        "tasks=4", "--param", "ms=20000"}));
  // Once the first has taken the journal (it logs nothing at the default level: wait for the file).
  const auto deadline = std::chrono::steady_clock::now() + start_timeout;
  while (!std::filesystem::exists(file + "-wal") && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  const auto second = run_cohort({"master", "--journal", file, "--job", "sleep"}, job_timeout);
  CHECK(second.exit_code == 2);
  CHECK(second.err == "cohort: journal " + file + ": in use by another master\n");
  CHECK(second.out.empty());
  first.signal(SIGTERM);
  const auto stopped = ended(first, exit_timeout);
  CHECK(stopped.exit_code == 143);
  // Stopped by a signal, the job stays in the journal: given no job, a master resumes it.
  const auto resumed = run_cohort({"master", "--journal", file}, job_timeout);
  INFO(resumed.err);
  CHECK(resumed.exit_code == 0);
  const auto lines = job_lines(resumed.out);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["id"] == 1);
  CHECK(lines[0]["result"]["completed"] == 4);
  // Nothing left: no job runs, not even the default one.
  const auto empty = run_cohort({"master", "--journal", file}, job_timeout);
  CHECK(empty.exit_code == 0);
  CHECK(job_lines(empty.out).empty());
}
