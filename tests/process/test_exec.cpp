// Process tests of the exec kind: refused without --allow-exec, run with it (locally and on a
// remote worker), argv literal, sh, exit codes, signals, timeout, SIGINT leaving no process
// behind, a lost worker failing the job unless retry=true, and --task-timeout killing a command.
#include "tests/process/cluster.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

namespace {

using namespace cohort::test;
using nlohmann::json;
using namespace std::chrono_literals;

/// A JSON string literal of text, for building command lines.
std::string quoted(const std::string& text) {
  return json(text).dump();
}

/// The file of one `{"sh": ...}` line per script.
std::string sh_lines(const std::vector<std::string>& scripts) {
  std::string out;
  for (const auto& s : scripts) {
    out += "{\"sh\": " + quoted(s) + "}\n";
  }
  return out;
}

/// The numbers in file, once it holds `count` of them (a command writes it), within timeout.
std::vector<pid_t> wait_for_pids(const std::filesystem::path& file, std::size_t count,
                                 std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (true) {
    std::ifstream in(file);
    std::vector<pid_t> pids;
    long pid = 0;
    while (in >> pid) {
      pids.push_back(static_cast<pid_t>(pid));
    }
    if (pids.size() >= count) {
      return pids;
    }
    INFO("waiting for " << count << " pids in " << file);
    REQUIRE(std::chrono::steady_clock::now() < until);
    std::this_thread::sleep_for(10ms);
  }
}

/// State letter and parent of pid from /proc; state 0 when pid is gone.
std::pair<char, pid_t> proc_state(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(stat, text);
  const auto close = text.rfind(')');
  if (close == std::string::npos) {
    return {0, 0};
  }
  std::istringstream rest(text.substr(close + 2));
  char state = 0;
  long ppid = 0;
  rest >> state >> ppid;
  return {state, static_cast<pid_t>(ppid)};
}

bool alive(pid_t pid) {
  const auto state = proc_state(pid).first;
  return state != 0 && state != 'Z' && state != 'X';
}

bool gone_within(pid_t pid, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (alive(pid)) {
    if (std::chrono::steady_clock::now() > until) {
      return false;
    }
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

/// The processes whose parent is pid, zombies included.
std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    const auto child = static_cast<pid_t>(std::stol(name));
    const auto [state, parent] = proc_state(child);
    if (state != 0 && parent == pid) {
      out.push_back(child);
    }
  }
  return out;
}

/// Kills what a lost worker left running: the process group of each command's shell.
struct group_killer {
  std::vector<pid_t> groups;
  ~group_killer() {
    for (auto g : groups) {
      ::kill(-g, SIGKILL);
    }
  }
};

json only_line(const process_result& r, int exit_code) {
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == exit_code);
  const auto lines = job_lines(r.out);
  REQUIRE(lines.size() == 1);
  return lines.front();
}

void check_refused(const json& line) {
  INFO(line.dump());
  CHECK(line["status"] == "failed");
  CHECK(line["reason"] == "no-workers");
  CHECK_THAT(line["error"].get<std::string>(),
             Catch::Contains("no worker allows exec (start workers with --allow-exec)"));
  CHECK(line["stats"]["attempts"] == 0);
}

} // namespace

TEST_CASE("exec: refused without --allow-exec, locally and on a remote worker - nothing runs",
          "[exec]") {
  temp_dir dir;
  const auto file =
      dir.write("commands.jsonl", sh_lines({"touch " + (dir.path() / "ran").string()}));
  const auto local = run_cohort({"master", "--local-workers", "1", "--wait-for-workers", "1s",
                                 "--job", "exec", "--param", "file=" + file.string()},
                                job_timeout);
  check_refused(only_line(local, 1));

  auto master = start_master(
      {"--wait-for-workers", "3s", "--job", "exec", "--param", "file=" + file.string()});
  const auto port = listening_port(master, start_timeout);
  auto worker = start_worker(port, {"--exit-with-master"});
  const auto lines = finished_jobs(master, 1);
  REQUIRE(lines.size() == 1);
  check_refused(lines.front());
  CHECK_FALSE(std::filesystem::exists(dir.path() / "ran"));
}

TEST_CASE("exec: a local master with --allow-exec runs argv literally and sh in a shell, and "
          "reports exit codes, signals and timeouts - the failed ones fail the job",
          "[exec]") {
  temp_dir dir;
  const auto file = dir.write(
      "commands.jsonl",
      "{\"argv\": [\"printf\", \"%s|%s|%s\", \"$HOME\", \"a;b\", \"$(id)\"]}\n" +
          sh_lines({"echo $((6 * 7)); echo oops >&2; exit 3", "kill -KILL $$"}) +
          "{\"argv\": [\"sleep\", \"30\"]}\n{\"argv\": [\"/nonexistent/cohort-exec\"]}\n");
  const auto r = run_cohort({"master", "--allow-exec", "--local-workers", "1", "--job", "exec",
                             "--param", "file=" + file.string(), "--param", "timeout=500ms"},
                            job_timeout);
  const auto line = only_line(r, 1);
  INFO(line.dump());
  REQUIRE(line["status"] == "failed");
  CHECK(line["reason"] == "commands");
  CHECK(line["error"] == "4 of 5 commands failed; the first, index 1, exited 3");
  CHECK(r.wall < 15s);
  // The result stays: what each command did.
  CHECK(line["result"]["ok"] == 1);
  CHECK(line["result"]["failed"] == 4);
  const auto& c = line["result"]["commands"];
  REQUIRE(c.size() == 5);
  for (std::size_t i = 0; i < c.size(); ++i) {
    CHECK(c[i]["index"] == i);
  }
  CHECK(c[0]["exit_code"] == 0);
  CHECK(c[0]["stdout_tail"] == "$HOME|a;b|$(id)");
  CHECK(c[1]["exit_code"] == 3);
  CHECK(c[1]["signal"].is_null());
  CHECK(c[1]["stdout_tail"] == "42\n");
  CHECK(c[1]["stderr_tail"] == "oops\n");
  CHECK(c[2]["exit_code"].is_null());
  CHECK(c[2]["signal"] == SIGKILL);
  CHECK(c[3]["signal"] == SIGKILL);
  CHECK(c[3]["timed_out"] == true);
  CHECK(c[2]["timed_out"] == false);
  CHECK(c[0]["host"] == line["stats"]["workers"][0]["host"]);
  CHECK(c[3]["wall_s"].get<double>() >= 0.5);
  CHECK(c[3]["wall_s"].get<double>() < 10);
  CHECK(c[4]["exit_code"] == 127);
  CHECK_THAT(c[4]["stderr_tail"].get<std::string>(), Catch::Contains("cannot run"));
  CHECK(line["stats"]["tasks"] == 5);
}

TEST_CASE("exec: a remote worker with --allow-exec runs the commands - the master needs no flag, "
          "and on-failure=ignore keeps a failed command from failing the job",
          "[exec]") {
  temp_dir dir;
  const auto file = dir.write("commands.jsonl", sh_lines({"echo $PPID", "exit 1"}));
  auto master = start_master(
      {"--job", "exec", "--param", "file=" + file.string(), "--param", "on-failure=ignore"});
  const auto port = listening_port(master, start_timeout);
  auto worker = start_worker(port, {"--allow-exec", "--exit-with-master"});
  const auto line = finished_ok(master);
  const auto& c = line["result"]["commands"];
  REQUIRE(c.size() == 2);
  CHECK(c[0]["stdout_tail"] == std::to_string(worker.pid()) + "\n");
  CHECK(c[1]["exit_code"] == 1);
  CHECK(line["result"]["failed"] == 1);
  CHECK(tasks_of(line, worker.pid()) == 2);
}

TEST_CASE("exec: SIGINT to the master kills every running command and what it started - no "
          "process is left behind",
          "[exec]") {
  temp_dir dir;
  const auto a = dir.path() / "a";
  const auto b = dir.path() / "b";
  const auto file =
      dir.write("commands.jsonl", sh_lines({"sleep 300 & echo $$ $! > " + a.string() + "; wait",
                                            "sleep 300 & echo $$ $! > " + b.string() + "; wait"}));
  const std::vector<std::string> job{"--job", "exec", "--param", "file=" + file.string()};

  SECTION("commands of a local worker") {
    // Two slots: both commands run at once.
    background_process master(
        cohort_argv(cat({"master", "--allow-exec", "--local-workers", "1", "--slots", "2"}, job)));
    auto pids = wait_for_pids(a, 2, job_timeout);
    const auto more = wait_for_pids(b, 2, job_timeout);
    pids.insert(pids.end(), more.begin(), more.end());
    master.signal(SIGINT);
    const auto r = ended(master, exit_timeout);
    CHECK(r.exit_code == 130);
    const auto lines = job_lines(r.out);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0]["status"] == "cancelled");
    for (auto pid : pids) {
      CHECK(gone_within(pid, 2s));
    }
  }

  SECTION("commands of a remote worker that outlives its master") {
    auto master = start_master(job);
    const auto port = listening_port(master, start_timeout);
    auto worker = start_worker(port, {"--allow-exec", "--slots", "2"});
    auto pids = wait_for_pids(a, 2, job_timeout);
    const auto more = wait_for_pids(b, 2, job_timeout);
    pids.insert(pids.end(), more.begin(), more.end());
    master.signal(SIGINT);
    CHECK(ended(master, exit_timeout).exit_code == 130);
    for (auto pid : pids) {
      CHECK(gone_within(pid, 2s));
    }
    REQUIRE(worker.running());
    // Reaped too: not even a zombie is left under the worker.
    CHECK(children_of(worker.pid()).empty());
  }
}

TEST_CASE("exec: a worker lost mid-command fails the job - with retry=true the command runs "
          "again elsewhere",
          "[exec]") {
  temp_dir dir;
  const auto first = dir.path() / "first";
  // The first run records its shell and its worker, then hangs; a second run finishes.
  const auto file = dir.write(
      "commands.jsonl", sh_lines({"if [ -e " + first.string() + " ]; then echo again; else echo " +
                                  "$$ $PPID > " + first.string() + "; sleep 300; fi"}));
  const std::vector<std::string> job{"--job", "exec", "--param", "file=" + file.string()};
  group_killer orphans;

  SECTION("without retry") {
    auto master = start_master(job);
    const auto port = listening_port(master, start_timeout);
    auto worker = start_worker(port, {"--allow-exec"});
    const auto pids = wait_for_pids(first, 2, job_timeout);
    orphans.groups.push_back(pids[0]);
    REQUIRE(pids[1] == worker.pid());
    worker.signal(SIGKILL);
    const auto lines = finished_jobs(master, 1);
    REQUIRE(lines.size() == 1);
    INFO(lines[0].dump());
    CHECK(lines[0]["status"] == "failed");
    CHECK(lines[0]["reason"] == "task");
    CHECK_THAT(lines[0]["error"].get<std::string>(),
               Catch::Contains("not run again after a lost worker"));
    CHECK(lines[0]["stats"]["attempts"] == 1);
  }

  SECTION("with retry=true") {
    auto master = start_master(cat({"--min-workers", "2"}, cat(job, {"--param", "retry=true"})));
    const auto port = listening_port(master, start_timeout);
    auto w1 = start_worker(port, {"--allow-exec", "--exit-with-master"});
    auto w2 = start_worker(port, {"--allow-exec", "--exit-with-master"});
    const auto pids = wait_for_pids(first, 2, job_timeout);
    orphans.groups.push_back(pids[0]);
    REQUIRE((pids[1] == w1.pid() || pids[1] == w2.pid()));
    auto& victim = pids[1] == w1.pid() ? w1 : w2;
    const auto survivor = pids[1] == w1.pid() ? w2.pid() : w1.pid();
    victim.signal(SIGKILL);
    const auto line = finished_ok(master);
    INFO(line.dump());
    REQUIRE(line["result"]["commands"].size() == 1);
    CHECK(line["result"]["commands"][0]["stdout_tail"] == "again\n");
    CHECK(line["stats"]["reassigned"] == 1);
    CHECK(tasks_of(line, survivor) == 1);
  }
}

TEST_CASE("exec: a job past its deadline kills its commands while the master runs on", "[exec]") {
  temp_dir dir;
  const auto a = dir.path() / "a";
  const auto file =
      dir.write("commands.jsonl", sh_lines({"sleep 300 & echo $$ $! > " + a.string() + "; wait"}));
  const auto jobs = dir.write(
      "jobs.jsonl", "{\"job\": \"exec\", \"params\": {\"file\": " + quoted(file.string()) +
                        "}, \"deadline\": \"1s\"}\n"
                        "{\"job\": \"sleep\", \"params\": {\"tasks\": 1, \"ms\": 6000}}\n");
  background_process master(
      cohort_argv({"master", "--allow-exec", "--local-workers", "1", "--jobs", jobs.string()}));
  const auto pids = wait_for_pids(a, 2, job_timeout);
  for (auto pid : pids) {
    CHECK(gone_within(pid, 4s));
  }
  CHECK(master.running());
  const auto lines = finished_jobs(master, 1);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0]["reason"] == "deadline");
  CHECK(lines[1]["status"] == "ok");
}

TEST_CASE("exec: a worker process runs at most 256 commands at once - the rest wait their turn",
          "[exec]") {
  temp_dir dir;
  const auto running = dir.path() / "running";
  std::filesystem::create_directories(running);
  // Each command counts the others running as it starts.
  const auto script = "ls " + running.string() + " | wc -l; touch " + running.string() +
                      "/$$; sleep 2; rm " + running.string() + "/$$";
  const auto file = dir.write("commands.jsonl", sh_lines(std::vector<std::string>(300, script)));
  const auto r = run_cohort({"master", "--allow-exec", "--local-workers", "1", "--slots", "300",
                             "--job", "exec", "--param", "file=" + file.string()},
                            job_timeout);
  const auto line = only_line(r, 0);
  REQUIRE(line["status"] == "ok");
  const auto& c = line["result"]["commands"];
  REQUIRE(c.size() == 300);
  int most = 0;
  for (const auto& cmd : c) {
    CHECK(cmd["exit_code"] == 0);
    most = std::max(most, std::stoi(cmd["stdout_tail"].get<std::string>()));
  }
  CHECK(most < 256);
  // Two rounds of 2 s, not one.
  CHECK(line["stats"]["wall_s"].get<double>() >= 4.0);
}

TEST_CASE("exec: --task-timeout kills a command like its own timeout - it runs once and the job "
          "ends",
          "[exec]") {
  temp_dir dir;
  const auto marker = dir.path() / "marker";
  const auto file =
      dir.write("commands.jsonl", sh_lines({"echo run >> " + marker.string() + "; sleep 3"}));
  const std::vector<std::string> job{"--task-timeout", "1s",      "--job",
                                     "exec",           "--param", "file=" + file.string()};
  const auto check_timed_out = [&](const json& line) {
    INFO(line.dump());
    const auto& c = line["result"]["commands"];
    REQUIRE(c.size() == 1);
    CHECK(c[0]["exit_code"].is_null());
    CHECK(c[0]["signal"] == SIGKILL);
    CHECK(c[0]["timed_out"] == true);
    CHECK(line["reason"] == "commands");
    CHECK(c[0]["wall_s"].get<double>() >= 1.0);
    CHECK(c[0]["wall_s"].get<double>() < 3.0);
    CHECK(line["stats"]["attempts"] == 1);
    CHECK(line["stats"]["wall_s"].get<double>() < 5.0);
    std::ifstream in(marker);
    std::stringstream ran;
    ran << in.rdbuf();
    CHECK(ran.str() == "run\n");
  };

  SECTION("on a local worker") {
    const auto r = run_cohort(cat({"master", "--allow-exec", "--local-workers", "1"}, job), 20s);
    CHECK(r.wall < 5s);
    check_timed_out(only_line(r, 1));
  }

  SECTION("on a remote worker, which learns the task timeout from the master") {
    auto master = start_master(job);
    const auto port = listening_port(master, start_timeout);
    auto worker = start_worker(port, {"--allow-exec", "--exit-with-master"});
    const auto r = ended(master, 20s);
    check_timed_out(only_line(r, 1));
  }
}

namespace {

/// The JSON lines of a joblog file.
std::vector<json> joblog_lines(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<json> out;
  for (std::string line; std::getline(in, line);) {
    out.push_back(json::parse(line));
  }
  return out;
}

} // namespace

TEST_CASE("exec: 16 commands of 200 ms spread over 2 worker processes, 8 each, in under 2.2 s",
          "[exec]") {
  temp_dir dir;
  const auto file =
      dir.write("commands.jsonl", sh_lines(std::vector<std::string>(16, "sleep 0.2")));
  auto master =
      start_master({"--min-workers", "2", "--job", "exec", "--param", "file=" + file.string()});
  const auto port = listening_port(master, start_timeout);
  auto w1 = start_worker(port, {"--allow-exec", "--exit-with-master"});
  auto w2 = start_worker(port, {"--allow-exec", "--exit-with-master"});
  const auto line = finished_ok(master);
  INFO(line.dump());
  // From the moment both had joined: each runs one command at a time (--slots 1).
  const auto ran_s = line["stats"]["wall_s"].get<double>() - line["stats"]["wait_s"].get<double>();
  CHECK(ran_s < 2.2);
  CHECK(ran_s >= 1.6);
  CHECK(tasks_of(line, w1.pid()) == 8);
  CHECK(tasks_of(line, w2.pid()) == 8);
  CHECK(line["result"]["ok"] == 16);
}

TEST_CASE("exec: a failing, a timed-out and a not-found command fail the job with their joblog "
          "lines",
          "[exec]") {
  temp_dir dir;
  const auto joblog = dir.path() / "joblog.jsonl";
  const auto file = dir.write("commands.jsonl", sh_lines({"true", "exit 3", "sleep 5"}) +
                                                    "{\"argv\": [\"/nonexistent/cohort-x\"]}\n");
  const auto r = run_cohort({"master", "--allow-exec", "--local-workers", "1", "--job", "exec",
                             "--param", "file=" + file.string(), "--param", "timeout=300ms",
                             "--param", "joblog=" + joblog.string()},
                            job_timeout);
  const auto line = only_line(r, 1);
  INFO(line.dump());
  CHECK(line["status"] == "failed");
  CHECK(line["reason"] == "commands");
  CHECK(line["result"]["ok"] == 1);
  CHECK(line["result"]["failed"] == 3);
  const auto log = joblog_lines(joblog);
  REQUIRE(log.size() == 4);
  std::map<std::uint64_t, json> by_index;
  for (const auto& l : log) {
    by_index[l["index"].get<std::uint64_t>()] = l;
    CHECK(l["host"] == line["stats"]["workers"][0]["host"]);
    CHECK(l["worker"] == line["stats"]["workers"][0]["id"]);
    CHECK(l["start"].get<double>() > 1.7e9);
  }
  CHECK(by_index[0]["exit_code"] == 0);
  CHECK(by_index[1]["exit_code"] == 3);
  CHECK(by_index[2]["timed_out"] == true);
  CHECK(by_index[2]["signal"] == SIGKILL);
  CHECK(by_index[3]["exit_code"] == 127);
  CHECK(by_index[3]["command"]["argv"][0] == "/nonexistent/cohort-x");
}

TEST_CASE("exec: Ctrl-C midway keeps the commands that finished, in the line and the joblog",
          "[exec]") {
  temp_dir dir;
  const auto joblog = dir.path() / "joblog.jsonl";
  const auto started = dir.path() / "started";
  const auto file = dir.write(
      "commands.jsonl", sh_lines({"echo 0", "echo 1", "echo 2",
                                  "echo $$ $$ > " + started.string() + "; sleep 300", "echo 4"}));
  background_process master(
      cohort_argv({"master", "--allow-exec", "--local-workers", "1", "--job", "exec", "--param",
                   "file=" + file.string(), "--param", "joblog=" + joblog.string()}));
  wait_for_pids(started, 2, job_timeout);
  master.signal(SIGINT);
  const auto r = ended(master, exit_timeout);
  CHECK(r.exit_code == 130);
  const auto lines = job_lines(r.out);
  REQUIRE(lines.size() == 1);
  INFO(lines[0].dump());
  CHECK(lines[0]["status"] == "cancelled");
  CHECK(lines[0]["result"]["ok"] == 3);
  CHECK(lines[0]["result"]["failed"] == 0);
  REQUIRE(lines[0]["result"]["commands"].size() == 3);
  CHECK(lines[0]["result"]["commands"][2]["stdout_tail"] == "2\n");
  CHECK(joblog_lines(joblog).size() == 3);
}

TEST_CASE("exec: file=- reads the commands from standard input, also through --jobs", "[exec]") {
  const std::string commands = "{\"sh\": \"echo from stdin\"}\n{\"argv\": [\"true\"]}\n";
  const auto r = run_process(cohort_argv({"master", "--allow-exec", "--local-workers", "1", "--job",
                                          "exec", "--param", "file=-"}),
                             job_timeout, commands);
  const auto line = only_line(r, 0);
  CHECK(line["result"]["ok"] == 2);
  CHECK(line["result"]["commands"][0]["stdout_tail"] == "from stdin\n");
  temp_dir dir;
  const auto jobs = dir.write("jobs.jsonl", "{\"job\": \"exec\", \"params\": {\"file\": \"-\"}}\n");
  const auto via_jobs = run_process(
      cohort_argv({"master", "--allow-exec", "--local-workers", "1", "--jobs", jobs.string()}),
      job_timeout, commands);
  CHECK(only_line(via_jobs, 0)["result"]["ok"] == 2);
  // The jobs themselves from standard input leave none for the commands.
  const auto both = run_process(cohort_argv({"master", "--allow-exec", "--jobs", "-"}), job_timeout,
                                "{\"job\": \"exec\", \"params\": {\"file\": \"-\"}}\n");
  CHECK(both.exit_code == 2);
  CHECK_THAT(both.err, Catch::Contains("standard input is read once"));
}

TEST_CASE("exec: commands requiring a, b and nothing, on workers tagged a, b and none, each run "
          "where they must - a tag nobody carries fails the job naming it",
          "[exec]") {
  temp_dir dir;
  const auto joblog = dir.path() / "joblog.jsonl";
  std::string lines;
  for (int i = 0; i < 12; ++i) {
    const char* require[] = {", \"require\": [\"a\"]", ", \"require\": [\"b\"]", ""};
    lines += "{\"sh\": \"sleep 0.05\"" + std::string(require[i % 3]) + "}\n";
  }
  const auto file = dir.write("commands.jsonl", lines);
  auto master = start_master({"--min-workers", "3", "--job", "exec", "--param",
                              "file=" + file.string(), "--param", "joblog=" + joblog.string()});
  const auto port = listening_port(master, start_timeout);
  auto wa = start_worker(port, {"--allow-exec", "--exit-with-master", "--tags", "a"});
  auto wb = start_worker(port, {"--allow-exec", "--exit-with-master", "--tags", "b"});
  auto wn = start_worker(port, {"--allow-exec", "--exit-with-master"});
  const auto line = finished_ok(master);
  INFO(line.dump());
  CHECK(line["result"]["ok"] == 12);
  CHECK(line["stats"]["tags"]["a"] == json({{"tasks", 4}, {"merged", 4}}));
  CHECK(line["stats"]["tags"]["b"] == json({{"tasks", 4}, {"merged", 4}}));
  CHECK(line["stats"]["tags"]["untagged"] == json({{"tasks", 4}, {"merged", 4}}));
  auto on = [](const json& entry, const background_process& p) {
    return entry["worker"].get<std::string>().find("/" + std::to_string(p.pid()) + "/") !=
           std::string::npos;
  };
  const auto log = joblog_lines(joblog);
  REQUIRE(log.size() == 12);
  for (const auto& entry : log) {
    INFO(entry.dump());
    const auto index = entry["index"].get<int>();
    if (index % 3 == 0) {
      CHECK(on(entry, wa));
    } else if (index % 3 == 1) {
      CHECK(on(entry, wb));
    } else {
      CHECK((on(entry, wa) || on(entry, wb) || on(entry, wn)));
    }
  }

  // A command requiring a tag no worker carries: the others run, then the job fails naming it.
  const auto other = dir.write("other.jsonl", "{\"sh\": \"true\", \"require\": [\"gpu\"]}\n"
                                              "{\"sh\": \"true\"}\n");
  const auto r = run_cohort({"master", "--allow-exec", "--local-workers", "1", "--wait-for-workers",
                             "1s", "--job", "exec", "--param", "file=" + other.string()},
                            job_timeout);
  const auto failed = only_line(r, 1);
  INFO(failed.dump());
  CHECK(failed["reason"] == "no-workers");
  CHECK(failed["error"].get<std::string>().find(
            "no worker with tags gpu joined (1 task requires gpu)") != std::string::npos);
  CHECK(failed["stats"]["tags"]["untagged"]["merged"] == 1);
}
