// Unit tests of the exec kind without actors: the commands file, the codec, the reducer, and real
// commands run by the task body (argv literal, sh, exit codes, signals, timeout, tails, cancel).
#include "cohort/checked_job.hpp"
#include "cohort/context.hpp"
#include "jobs/child_process.hpp"
#include "jobs/exec.hpp"
#include "jobs/exec_format.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <coroutine>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace cohort;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

// A file under /tmp holding what the test wrote, removed when the object goes.
class temp_file {
public:
  explicit temp_file(const std::string& text = {}) {
    std::string pattern = (std::filesystem::temp_directory_path() / "cohort-exec-XXXXXX").string();
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0) {
      throw std::runtime_error("mkstemp failed");
    }
    ::close(fd);
    path_ = pattern;
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~temp_file() { std::filesystem::remove(path_); }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
  const std::string& path() const { return path_; }
  std::string read() const {
    std::ifstream in(path_, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

private:
  std::string path_;
};

// Resumes the one suspended task after its delay, on the test's thread, as a worker actor would.
class sleeping_executor : public executor {
public:
  void resume_after(task_context&, std::coroutine_handle<> h,
                    std::chrono::nanoseconds delay) override {
    parked_ = h;
    delay_ = delay;
  }
  // One wake-up; false when nothing was parked.
  bool step() {
    if (!parked_) {
      return false;
    }
    std::this_thread::sleep_for(delay_);
    std::exchange(parked_, {}).resume();
    return true;
  }

private:
  std::coroutine_handle<> parked_;
  std::chrono::nanoseconds delay_{};
};

const job_kind& exec() {
  static const auto kind = make_exec_kind();
  return *kind;
}

/// Checks exec params the way every job is checked (table, then the kind's own checks).
void check(const params& p) {
  job_request job;
  job.kind = "exec";
  job.args = p;
  check_job(*builtin_registry(), job);
}

params exec_params(const std::string& file,
                   std::vector<std::pair<std::string, std::string>> more = {}) {
  params p;
  p.set("file", file);
  for (auto& [k, v] : more) {
    p.set(k, v);
  }
  return p;
}

// Runs every command of `lines` through the kind's plan, task bodies and reducer, as tasks of a job
// with that --task-timeout.
json run_job(const std::string& lines, std::vector<std::pair<std::string, std::string>> more = {},
             std::optional<std::chrono::nanoseconds> task_timeout = std::nullopt) {
  temp_file file(lines);
  const auto p = exec_params(file.path(), std::move(more));
  exec().validate(p);
  const auto plan = exec().split(p);
  auto r = plan->make_reducer();
  for (std::uint64_t i = 0; i < plan->task_count(); ++i) {
    sleeping_executor ex;
    task_context ctx(ex, p, i, 1);
    ctx.set_task_timeout(task_timeout);
    auto t = exec().run(plan->make_task(i), ctx);
    t.start();
    while (ex.step()) {
    }
    REQUIRE(t.done());
    r->merge(t.result());
  }
  return json::parse(r->render().dump());
}

json run_one(const std::string& line, std::vector<std::pair<std::string, std::string>> more = {},
             std::optional<std::chrono::nanoseconds> task_timeout = std::nullopt) {
  const auto out = run_job(line + "\n", std::move(more), task_timeout);
  REQUIRE(out["commands"].size() == 1);
  return out["commands"][0];
}

// Whether pid is a live process (a zombie is not).
bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) {
    return false;
  }
  const auto close = text.rfind(')');
  return close != std::string::npos && close + 2 < text.size() && text[close + 2] != 'Z' &&
         text[close + 2] != 'X';
}

bool gone_within(pid_t pid, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (alive(pid)) {
    if (std::chrono::steady_clock::now() > until) {
      return false;
    }
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

std::vector<pid_t> pids_in(const std::string& text) {
  std::vector<pid_t> out;
  std::istringstream in(text);
  long pid = 0;
  while (in >> pid) {
    out.push_back(static_cast<pid_t>(pid));
  }
  return out;
}

} // namespace

TEST_CASE("exec: a kind that needs --allow-exec, counts against --slots and never re-runs by "
          "default",
          "[exec]") {
  temp_file file(R"({"argv": ["true"]})"
                 "\n");
  CHECK(exec().name() == "exec");
  CHECK(exec().capability() == "exec");
  CHECK(exec().bound(exec_params(file.path())) == task_bound::cpu);
  CHECK(exec().keeps_partial_result());
  CHECK_FALSE(exec().idempotent(exec_params(file.path())));
  CHECK_FALSE(exec().rerun_after_loss(exec_params(file.path())));
  CHECK(exec().rerun_after_loss(exec_params(file.path(), {{"retry", "true"}})));
}

TEST_CASE("exec: each line of the file is a task, blank lines skipped", "[exec]") {
  temp_file file("{\"argv\": [\"echo\", \"a b\"]}\n\n  \n{\"sh\": \"echo $HOME\"}\r\n");
  const auto plan = exec().split(exec_params(file.path()));
  REQUIRE(plan->task_count() == 2);
  const auto first = decode_command(plan->make_task(0).data);
  CHECK_FALSE(first.shell);
  CHECK(first.argv() == std::vector<std::string>{"echo", "a b"});
  const auto second = decode_command(plan->make_task(1).data);
  CHECK(second.shell);
  CHECK(second.argv() == std::vector<std::string>{"/bin/sh", "-c", "echo $HOME"});
  CHECK_THAT(plan->describe(1), Catch::Contains("index=1") && Catch::Contains("echo $HOME"));
}

TEST_CASE("exec: a bad line is a param error naming FILE:LINE", "[exec]") {
  for (const auto& [line, why] : std::vector<std::pair<std::string, std::string>>{
           {"{\"argv\": [\"true\"]", "not JSON"},
           {"[\"true\"]", "expected an object"},
           {"{}", "exactly one"},
           {R"({"argv": ["true"], "sh": "true"})", "exactly one"},
           {R"({"argv": []})", "non-empty array"},
           {R"({"argv": "true"})", "non-empty array"},
           {R"({"argv": ["true", 1]})", "must be a string"},
           {R"({"argv": [""]})", "is empty"},
           {R"({"sh": ""})", "is empty"},
           {R"({"sh": ["true"]})", "must be a string"},
           {R"({"argv": ["a\u0000b"]})", "NUL"},
           {R"({"argv": ["true"], "env": {}})", "unknown field 'env'"},
       }) {
    temp_file file("{\"argv\": [\"true\"]}\n" + line + "\n");
    INFO(line);
    REQUIRE_THROWS_AS(exec().validate(exec_params(file.path())), param_error);
    REQUIRE_THROWS_WITH(exec().validate(exec_params(file.path())),
                        Catch::Contains(file.path() + ":2: ") && Catch::Contains(why));
  }
}

TEST_CASE("exec: bad params name the param", "[exec]") {
  temp_file file("{\"argv\": [\"true\"]}\n");
  CHECK_THROWS_WITH(check(params{}), Catch::Contains("needs param 'file'"));
  CHECK_THROWS_WITH(check(exec_params(file.path(), {{"on-failure", "maybe"}})),
                    Catch::Contains("'on-failure'"));
  CHECK_THROWS_WITH(check(exec_params("/nonexistent/cohort-exec")),
                    Catch::Contains("/nonexistent/cohort-exec"));
  CHECK_THROWS_WITH(check(exec_params(file.path(), {{"tail", "lots"}})),
                    Catch::Contains("'tail'") && Catch::Contains("lots"));
  CHECK_THROWS_WITH(check(exec_params(file.path(), {{"tail", "1GiB"}})), Catch::Contains("'tail'"));
  CHECK_THROWS_WITH(check(exec_params(file.path(), {{"timeout", "5"}})),
                    Catch::Contains("'timeout'"));
  CHECK_THROWS_WITH(check(exec_params(file.path(), {{"timeout", "0s"}})),
                    Catch::Contains("'timeout'"));
  CHECK_THROWS_WITH(check(exec_params(file.path(), {{"retry", "yes"}})),
                    Catch::Contains("'retry'"));
  CHECK_THROWS_WITH(check(exec_params(file.path(), {{"shell", "1"}})),
                    Catch::Contains("unknown param 'shell'"));
  CHECK_NOTHROW(
      check(exec_params(file.path(), {{"tail", "64KiB"}, {"timeout", "off"}, {"retry", "true"}})));
}

TEST_CASE("exec: command and result bytes round-trip - garbage is refused", "[exec]") {
  exec_command c{false, {"printf", "%s\n", "a;b"}, {}};
  const auto back = decode_command(encode_command(c));
  CHECK(back.args == c.args);
  CHECK_THROWS_AS(decode_command("X"), std::invalid_argument);
  CHECK_THROWS_AS(decode_command(encode_command(c) + "x"), std::invalid_argument);

  exec_result r;
  r.index = 7;
  r.signal = 9;
  r.stdout_tail = std::string("o\0ut", 4);
  r.stderr_tail = "err";
  r.wall_ns = 1234;
  r.timed_out = true;
  r.host = "h1";
  r.start_ns = 1'700'000'000'000'000'000;
  const auto rb = decode_result(encode_result(r));
  CHECK(rb.timed_out);
  CHECK(rb.host == "h1");
  CHECK(rb.start_ns == r.start_ns);
  CHECK(rb.index == 7);
  CHECK_FALSE(rb.exit_code);
  CHECK(rb.signal == 9);
  CHECK(rb.stdout_tail == r.stdout_tail);
  CHECK(rb.stderr_tail == "err");
  CHECK(rb.wall_ns == 1234);
  CHECK_THROWS_AS(decode_result(encode_result(r).substr(0, 5)), std::invalid_argument);
}

TEST_CASE("exec: the reducer counts ok and failed commands and lists them by index",
          "[exec]") {
  temp_file file("{\"argv\": [\"true\"]}\n");
  const auto plan = exec().split(exec_params(file.path()));
  auto red = plan->make_reducer();
  for (std::uint64_t i : {2, 0, 1}) {
    exec_result r;
    r.index = i;
    r.exit_code = static_cast<int>(i);
    r.wall_ns = 500'000'000;
    r.host = "h";
    red->merge(partial{1, encode_result(r)});
  }
  const auto out = red->render();
  CHECK(out["ok"] == 1);
  CHECK(out["failed"] == 2);
  REQUIRE(out["commands"].size() == 3);
  CHECK(out["commands"][0].dump() ==
        R"({"index":0,"host":"h","exit_code":0,"signal":null,"timed_out":false,)"
        R"("stdout_tail":"","stderr_tail":"","wall_s":0.5})");
  CHECK(out["commands"][2]["exit_code"] == 2);
  const auto failed = red->failure();
  REQUIRE(failed);
  CHECK(failed->reason == "commands");
  CHECK(failed->error == "2 of 3 commands failed; the first, index 1, exited 1");
}

TEST_CASE("exec: a killed, a timed-out and a not-found command fail the job, unless on-failure is "
          "ignore",
          "[exec]") {
  temp_file file("{\"argv\": [\"true\"]}\n");
  for (const auto* mode : {"fail", "ignore"}) {
    const auto plan = exec().split(exec_params(file.path(), {{"on-failure", mode}}));
    auto red = plan->make_reducer();
    exec_result ok;
    ok.index = 0;
    ok.exit_code = 0;
    red->merge(partial{1, encode_result(ok)});
    CHECK_FALSE(red->failure());
    exec_result killed;
    killed.index = 3;
    killed.signal = 15;
    exec_result late;
    late.index = 2;
    late.signal = 9;
    late.timed_out = true;
    exec_result missing;
    missing.index = 4;
    missing.exit_code = 127;
    for (const auto& r : {killed, late, missing}) {
      CHECK(r.failed());
      red->merge(partial{1, encode_result(r)});
    }
    CHECK(red->render()["failed"] == 3);
    if (std::string(mode) == "fail") {
      REQUIRE(red->failure());
      CHECK(red->failure()->error == "3 of 4 commands failed; the first, index 2, timed out");
    } else {
      CHECK_FALSE(red->failure());
    }
  }
}

TEST_CASE("exec: argv runs without a shell, every argument literal", "[exec]") {
  const auto c = run_one(R"({"argv": ["printf", "%s|%s|%s", "$HOME", "a;b", "`id`"]})");
  CHECK(c["exit_code"] == 0);
  CHECK(c["signal"].is_null());
  CHECK(c["stdout_tail"] == "$HOME|a;b|`id`");
  CHECK(c["stderr_tail"] == "");
  CHECK(c["wall_s"].get<double>() >= 0.0);
}

TEST_CASE("exec: sh runs in /bin/sh -c - a non-zero exit is a result", "[exec]") {
  const auto c = run_one(R"({"sh": "echo out; echo err >&2; exit 3"})");
  CHECK(c["exit_code"] == 3);
  CHECK(c["signal"].is_null());
  CHECK(c["stdout_tail"] == "out\n");
  CHECK(c["stderr_tail"] == "err\n");
}

TEST_CASE("exec: a command killed by a signal reports the signal", "[exec]") {
  const auto c = run_one(R"({"sh": "kill -TERM $$"})");
  CHECK(c["exit_code"].is_null());
  CHECK(c["signal"] == SIGTERM);
}

TEST_CASE("exec: a command that cannot be run exits 127 and says why", "[exec]") {
  const auto c = run_one(R"({"argv": ["/nonexistent/cohort-exec-program"]})");
  CHECK(c["exit_code"] == 127);
  CHECK_THAT(c["stderr_tail"].get<std::string>(),
             Catch::Contains("cannot run '/nonexistent/cohort-exec-program'"));
}

TEST_CASE("exec: stdin is /dev/null and the worker's signal settings do not carry over", "[exec]") {
  // The test process ignores SIGPIPE here as a worker may; `yes | head` must still end.
  const auto old = ::signal(SIGPIPE, SIG_IGN);
  const auto c = run_one(R"({"sh": "cat; yes | head -n 2"})");
  ::signal(SIGPIPE, old);
  CHECK(c["exit_code"] == 0);
  CHECK(c["stdout_tail"] == "y\ny\n");
}

TEST_CASE("exec: only the last `tail` bytes of each stream are kept", "[exec]") {
  const auto c =
      run_one(R"({"sh": "head -c 300000 /dev/zero | tr '\\0' x; printf END; printf 'abcdef' >&2"})",
              {{"tail", "8"}});
  CHECK(c["stdout_tail"] == "xxxxxEND");
  CHECK(c["stderr_tail"] == "abcdef");
  // A character cut by the tail is dropped, not half-kept.
  const auto u = run_one(R"({"sh": "printf 'aé'"})", {{"tail", "1"}});
  CHECK(u["stdout_tail"] == "");
}

TEST_CASE("exec: a command running past timeout is killed with its process group", "[exec]") {
  const auto start = std::chrono::steady_clock::now();
  const auto c = run_one(R"({"sh": "sleep 30 & echo $!; wait"})", {{"timeout", "300ms"}});
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(c["exit_code"].is_null());
  CHECK(c["signal"] == SIGKILL);
  CHECK(c["wall_s"].get<double>() >= 0.3);
  CHECK(took < 5s);
  const auto pids = pids_in(c["stdout_tail"].get<std::string>());
  REQUIRE(pids.size() == 1);
  CHECK(gone_within(pids[0], 2s));
}

TEST_CASE("exec: the job's task timeout kills a command as its own timeout does, the smaller "
          "of both first",
          "[exec]") {
  for (const auto& [param, task_timeout] :
       std::vector<std::pair<std::string, std::chrono::nanoseconds>>{
           {"off", 300ms}, {"10s", 300ms}, {"300ms", 10s}}) {
    INFO("timeout=" << param << ", task timeout " << task_timeout.count() << " ns");
    const auto start = std::chrono::steady_clock::now();
    const auto c =
        run_one(R"({"sh": "sleep 30 & echo $!; wait"})", {{"timeout", param}}, task_timeout);
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(c["exit_code"].is_null());
    CHECK(c["signal"] == SIGKILL);
    CHECK(c["wall_s"].get<double>() >= 0.3);
    CHECK(took < 5s);
    const auto pids = pids_in(c["stdout_tail"].get<std::string>());
    REQUIRE(pids.size() == 1);
    CHECK(gone_within(pids[0], 2s));
  }
}

TEST_CASE("exec: what a command leaves running in its group is killed when it ends", "[exec]") {
  const auto start = std::chrono::steady_clock::now();
  const auto c = run_one(R"({"sh": "sleep 30 & echo $!"})");
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  CHECK(c["exit_code"] == 0);
  const auto pids = pids_in(c["stdout_tail"].get<std::string>());
  REQUIRE(pids.size() == 1);
  CHECK(gone_within(pids[0], 2s));
}

TEST_CASE("exec: destroying a cancelled task kills and reaps its command and the command's "
          "children",
          "[exec]") {
  temp_file pids_file;
  temp_file file(R"({"sh": "sleep 30 & echo $$ $! > )" + pids_file.path() + R"(; wait"})" + "\n");
  const auto p = exec_params(file.path());
  const auto plan = exec().split(p);
  sleeping_executor ex;
  task_context ctx(ex, p, 0, 1);
  std::vector<pid_t> pids;
  {
    auto t = exec().run(plan->make_task(0), ctx);
    t.start();
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (pids.size() < 2 && std::chrono::steady_clock::now() < until) {
      REQUIRE(ex.step());
      pids = pids_in(pids_file.read());
    }
    REQUIRE(pids.size() == 2);
    CHECK(alive(pids[0]));
    CHECK(alive(pids[1]));
    ctx.cancel();
    REQUIRE_FALSE(t.done());
  }
  // The shell was our child: reaped at once, not even a zombie.
  CHECK_FALSE(alive(pids[0]));
  CHECK(::kill(pids[0], 0) != 0);
  CHECK(gone_within(pids[1], 2s));
}

TEST_CASE("exec: byte_tail keeps the last bytes across appends", "[exec]") {
  byte_tail t(4);
  t.append("ab", 2);
  CHECK(t.text() == "ab");
  CHECK_FALSE(t.truncated());
  t.append("cde", 3);
  CHECK(t.text() == "bcde");
  t.append("0123456789", 10);
  CHECK(t.text() == "6789");
  CHECK(t.truncated());
  byte_tail none(0);
  none.append("x", 1);
  CHECK(none.text().empty());
}

TEST_CASE("exec: joblog JSON lines, one per merged command", "[exec]") {
  temp_file file("{\"argv\": [\"true\"]}\n{\"sh\": \"exit\\t3\", \"require\": [\"gpu\"]}\n");
  auto p = exec_params(file.path(), {{"joblog", "out.jsonl"}});
  check(p);
  CHECK(exec().records_param() == "joblog");
  const auto plan = exec().split(p);
  CHECK(plan->record_header().empty());
  exec_result r;
  r.index = 1;
  r.exit_code = 3;
  r.wall_ns = 1'500'000'000;
  r.start_ns = 1'700'000'000'250'000'000;
  auto line = json::parse(plan->record(1, partial{1, encode_result(r)}, "host-a", "host-a/7/0"));
  CHECK(line.dump() == R"({"command":{"require":["gpu"],"sh":"exit\t3"},"exit_code":3,)"
                       R"("host":"host-a","index":1,"signal":null,"start":1700000000.25,)"
                       R"("timed_out":false,"wall_s":1.5,"worker":"host-a/7/0"})");
  r.exit_code.reset();
  r.signal = 9;
  r.timed_out = true;
  line = json::parse(plan->record(0, partial{1, encode_result(r)}, "h", "h/1/0"));
  CHECK(line["signal"] == 9);
  CHECK(line["exit_code"].is_null());
  CHECK(line["timed_out"] == true);
  CHECK(plan->record(0, partial{1, "garbage"}, "h", "h/1/0").empty());
  // An empty joblog name is refused like any empty file name.
  CHECK_THROWS_WITH(check(exec_params(file.path(), {{"joblog", ""}})), Catch::Contains("joblog"));
}
