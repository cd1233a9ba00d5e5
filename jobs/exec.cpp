// exec: CPU-bound (a command is a process: --slots of them per worker actor, like GNU parallel's
// -j), never idempotent (a command may have effects), and only on workers that grant the "exec"
// capability. The task body polls its child with short sleeps, so the worker
// actor's thread is never blocked; the child lives in the coroutine frame, so a cancelled task
// (its frame destroyed) or a timeout kills the child's whole process group and reaps it.
#include "jobs/exec.hpp"

#include "cohort/context.hpp"
#include "cohort/fingerprint.hpp"
#include "cohort/host_identity.hpp"
#include "cohort/units.hpp"
#include "jobs/child_process.hpp"
#include "jobs/exec_format.hpp"
#include "jobs/word_codec.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace cohort {

namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

constexpr std::uint64_t default_tail = 4096;
// Two tails travel in one answer message: keep them well under --max-message-size.
constexpr std::uint64_t max_tail = std::uint64_t{16} << 20;

// Polling: fast at first (short commands finish within a few ms), slower for long ones; back to
// fast while output flows, so a chatty command's pipes never stay full for long.
constexpr milliseconds first_poll{1};
constexpr milliseconds slowest_poll{20};

// Commands running at once in one worker process, across its worker actors, whatever --slots
// allows: each is a process with two pipes.
constexpr std::size_t max_running_commands = 256;
std::atomic<std::size_t> running_commands{0};

// One of the max_running_commands places, held by a task's frame until it goes.
class running_slot {
public:
  running_slot() = default;
  running_slot(const running_slot&) = delete;
  running_slot& operator=(const running_slot&) = delete;
  ~running_slot() {
    if (held_) {
      running_commands.fetch_sub(1);
    }
  }
  bool try_take() {
    auto n = running_commands.load();
    while (n < max_running_commands) {
      if (running_commands.compare_exchange_weak(n, n + 1)) {
        held_ = true;
        return true;
      }
    }
    return false;
  }

private:
  bool held_ = false;
};

struct exec_options {
  std::string file;
  /// The commands themselves (what `file=-` becomes: the submitter read its standard input).
  std::string commands;
  std::uint64_t tail = default_tail;
  std::optional<nanoseconds> timeout;
  bool retry = false;
  bool fail_on_failure = true;
};

exec_options read_options(const params& p) {
  exec_options o;
  o.file = p.get_string("file", {});
  o.commands = p.get_string("commands", {});
  if (o.file.empty() == o.commands.empty()) {
    throw param_error("exec: needs param 'file' (FILE, or - for standard input)");
  }
  o.fail_on_failure = p.get_string("on-failure", "fail") == "fail";
  if (const auto tail = p.get("tail")) {
    o.tail = parse_size(*tail);
    if (o.tail > max_tail) {
      throw param_error("exec: param 'tail': at most 16MiB, got '" + *tail + "'");
    }
  }
  o.timeout = p.get_duration("timeout", std::nullopt);
  o.retry = p.get_bool("retry", false);
  if (o.timeout && o.timeout->count() <= 0) {
    throw param_error("exec: param 'timeout': must be more than 0 (or off)");
  }
  return o;
}

std::vector<exec_command> commands_of(const exec_options& o) {
  if (o.file.empty()) {
    std::istringstream in(o.commands);
    return read_exec_commands(in, "-");
  }
  return load_exec_commands(o.file);
}

double seconds_of(std::uint64_t ns) {
  return static_cast<double>(ns) / 1e9;
}

class exec_reducer final : public reducer {
public:
  explicit exec_reducer(bool fail_on_failure) : fail_on_failure_(fail_on_failure) {}

  void merge(partial&& p) override { results_.push_back(decode_result(p.data)); }

  std::optional<job_failure> failure() const override {
    if (!fail_on_failure_) {
      return std::nullopt;
    }
    const exec_result* first = nullptr;
    std::uint64_t failed = 0;
    for (const auto& r : results_) {
      if (r.failed()) {
        ++failed;
        if (first == nullptr || r.index < first->index) {
          first = &r;
        }
      }
    }
    if (first == nullptr) {
      return std::nullopt;
    }
    std::string how = first->timed_out ? "timed out"
                      : first->signal  ? "was killed by signal " + std::to_string(*first->signal)
                                       : "exited " + std::to_string(first->exit_code.value_or(0));
    return job_failure{"commands", std::to_string(failed) + " of " +
                                       std::to_string(results_.size()) +
                                       " commands failed; the first, index " +
                                       std::to_string(first->index) + ", " + how};
  }

  // Each result as a task's answer encodes it, length-prefixed, after their number.
  std::optional<std::string> snapshot() const override {
    std::string out;
    put_varint(out, results_.size());
    for (const auto& r : results_) {
      put_bytes(out, encode_result(r));
    }
    return out;
  }

  void restore(std::string_view bytes) override {
    byte_reader in(bytes);
    const auto n = in.varint();
    std::vector<exec_result> results;
    for (std::uint64_t i = 0; i < n; ++i) {
      results.push_back(decode_result(in.bytes()));
    }
    if (!in.at_end()) {
      throw std::invalid_argument("exec: bytes after the last result of a snapshot");
    }
    results_ = std::move(results);
  }

  nlohmann::ordered_json render() const override {
    std::vector<const exec_result*> order;
    order.reserve(results_.size());
    for (const auto& r : results_) {
      order.push_back(&r);
    }
    std::sort(order.begin(), order.end(),
              [](const exec_result* a, const exec_result* b) { return a->index < b->index; });
    auto commands = nlohmann::ordered_json::array();
    std::uint64_t failed = 0;
    for (const auto* r : order) {
      failed += r->failed() ? 1 : 0;
      nlohmann::ordered_json c;
      c["index"] = r->index;
      c["host"] = r->host;
      c["exit_code"] = nullptr;
      if (r->exit_code) {
        c["exit_code"] = *r->exit_code;
      }
      c["signal"] = nullptr;
      if (r->signal) {
        c["signal"] = *r->signal;
      }
      c["timed_out"] = r->timed_out;
      c["stdout_tail"] = r->stdout_tail;
      c["stderr_tail"] = r->stderr_tail;
      c["wall_s"] = seconds_of(r->wall_ns);
      commands.push_back(std::move(c));
    }
    nlohmann::ordered_json out;
    out["ok"] = results_.size() - failed;
    out["failed"] = failed;
    out["commands"] = std::move(commands);
    return out;
  }

private:
  bool fail_on_failure_;
  std::vector<exec_result> results_;
};

// A task carries its command in data, the tail size in lo and the timeout in ns in hi (0: none).
class exec_plan final : public job_plan {
public:
  exec_plan(const exec_options& o, std::vector<exec_command> commands)
      : tail_(o.tail), timeout_ns_(o.timeout ? static_cast<std::uint64_t>(o.timeout->count()) : 0),
        fail_on_failure_(o.fail_on_failure), commands_(std::move(commands)) {}

  std::uint64_t task_count() const override { return commands_.size(); }

  std::string input_digest() const override {
    fingerprint f;
    for (const auto& c : commands_) {
      f.add(encode_command(c));
    }
    return f.hex();
  }

  task_spec make_task(std::uint64_t index) const override {
    task_spec t;
    t.index = index;
    t.lo = tail_;
    t.hi = timeout_ns_;
    t.data = encode_command(commands_.at(index));
    return t;
  }

  bool tags_tasks() const override {
    return std::any_of(commands_.begin(), commands_.end(),
                       [](const exec_command& c) { return !c.require.empty(); });
  }

  std::vector<std::string> tags(std::uint64_t index) const override {
    return commands_.at(index).require;
  }

  std::string describe(std::uint64_t index) const override {
    auto text = commands_.at(index).describe();
    constexpr std::size_t shown = 200;
    if (text.size() > shown) {
      text.resize(shown);
      text += "...";
    }
    return "index=" + std::to_string(index) + " command=" + text;
  }

  std::unique_ptr<reducer> make_reducer() const override {
    return std::make_unique<exec_reducer>(fail_on_failure_);
  }

  // One JSON line per command as its answer is merged: {"index", "host", "worker", "start",
  // "wall_s", "exit_code", "signal", "timed_out", "command"}.
  std::string record(std::uint64_t index, const partial& p, std::string_view host,
                     std::string_view worker) const override {
    exec_result r;
    try {
      r = decode_result(p.data);
    } catch (const std::invalid_argument&) {
      return {};
    }
    nlohmann::ordered_json line;
    line["index"] = index;
    line["host"] = host;
    line["worker"] = worker;
    // Milliseconds are enough, and print as such (ns / 1e9 prints 1700000000.2499998).
    line["start"] = static_cast<double>(r.start_ns / 1'000'000) / 1e3;
    line["wall_s"] = seconds_of(r.wall_ns);
    line["exit_code"] = nullptr;
    if (r.exit_code) {
      line["exit_code"] = *r.exit_code;
    }
    line["signal"] = nullptr;
    if (r.signal) {
      line["signal"] = *r.signal;
    }
    line["timed_out"] = r.timed_out;
    line["command"] = nlohmann::ordered_json::parse(commands_.at(index).describe());
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

private:
  std::uint64_t tail_;
  std::uint64_t timeout_ns_;
  bool fail_on_failure_;
  std::vector<exec_command> commands_;
};

class exec_kind final : public job_kind {
public:
  std::string_view name() const override { return "exec"; }
  std::string_view summary() const override {
    return "runs commands on workers started with --allow-exec and reports how each ended; "
           "result {\"ok\", \"failed\", \"commands\": [...]}; fails (reason commands) when one "
           "failed";
  }
  std::vector<param_spec> parameters() const override {
    return {
        {"file", param_type::path, "",
         "JSON Lines of {\"argv\": [...]} or {\"sh\": \"...\"} (each may add \"require\": "
         "[TAG, ...]), read on the master; - reads standard input"},
        {"commands", param_type::text, "",
         "the JSON Lines themselves instead of a file (what file=- becomes)"},
        {"tail", param_type::size, "4096",
         "trailing bytes of stdout and stderr kept (at most 16MiB)"},
        {"timeout", param_type::duration, "off", "a command running longer is killed"},
        {"retry", param_type::flag, "false", "whether a command lost with its worker runs again"},
        {"joblog", param_type::output, "",
         "a JSON line per command as it ends, written by the submitter"},
        {"on-failure",
         param_type::choice,
         "fail",
         "fail: the job fails (reason commands) once all ran if any failed; ignore: it is ok",
         false,
         {"fail", "ignore"}},
    };
  }
  std::string_view records_param() const override { return "joblog"; }
  std::string_view stdin_param() const override { return "commands"; }
  bool keeps_partial_result() const override { return true; }
  task_bound bound(const params&) const override { return task_bound::cpu; }
  bool holds_thread(const params&) const override { return false; }
  bool idempotent(const params&) const override { return false; }
  bool rerun_after_loss(const params& p) const override { return read_options(p).retry; }
  std::string_view capability() const override { return "exec"; }

  void validate(const params& p) const override { commands_of(read_options(p)); }

  std::unique_ptr<job_plan> split(const params& p) const override {
    const auto o = read_options(p);
    return std::make_unique<exec_plan>(o, commands_of(o));
  }

  task<partial> run(task_spec spec, task_context& ctx) const override {
    const auto command = decode_command(spec.data);
    // The job's --task-timeout acts like the timeout param: exec is never run twice, so a command
    // the master gave up on must not run on.
    std::optional<nanoseconds> timeout;
    if (spec.hi != 0) {
      timeout = nanoseconds(static_cast<nanoseconds::rep>(spec.hi));
    }
    if (const auto limit = ctx.task_timeout(); limit && (!timeout || *limit < *timeout)) {
      timeout = limit;
    }
    running_slot slot;
    while (!slot.try_take()) {
      co_await ctx.sleep(slowest_poll);
      if (ctx.cancelled()) {
        co_return partial{};
      }
    }
    const auto start = std::chrono::steady_clock::now();
    const auto started = std::chrono::system_clock::now();
    child_process child(command.argv(), static_cast<std::size_t>(spec.lo));
    milliseconds delay = first_poll;
    bool timed_out = false;
    while (!child.poll()) {
      if (ctx.cancelled()) {
        child.kill();
        co_return partial{};
      }
      if (timeout && std::chrono::steady_clock::now() - start >= *timeout) {
        child.kill();
        timed_out = true;
        break;
      }
      if (child.drain()) {
        delay = first_poll;
      } else {
        delay = std::min(delay * 2, slowest_poll);
      }
      co_await ctx.sleep(delay);
    }
    exec_result r;
    r.index = spec.index;
    r.timed_out = timed_out;
    r.host = host_name();
    r.start_ns = static_cast<std::uint64_t>(
        std::chrono::duration_cast<nanoseconds>(started.time_since_epoch()).count());
    if (const auto& status = child.status()) {
      r.exit_code = status->exit_code;
      r.signal = status->signal;
    }
    r.stdout_tail = child.out().text();
    r.stderr_tail = child.err().text();
    r.wall_ns = static_cast<std::uint64_t>(
        std::chrono::duration_cast<nanoseconds>(std::chrono::steady_clock::now() - start).count());
    co_return partial{1, encode_result(r)};
  }
};

} // namespace

std::shared_ptr<const job_kind> make_exec_kind() {
  return std::make_shared<exec_kind>();
}

} // namespace cohort
