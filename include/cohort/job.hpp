// The job-kind interface: how a job is split into lazily made tasks, how a task runs and how
// partials merge.
#pragma once

#include "cohort/param_spec.hpp"
#include "cohort/params.hpp"
#include "cohort/task.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cohort {

class task_context;

/// Whether a kind's tasks burn CPU (credit: --slots) or mostly wait (credit: --concurrency).
enum class task_bound { cpu, latency };

/// What one task carries to its worker. The meaning of lo, hi and data is the kind's own (a number
/// range, shipped bytes, a path); index and attempt are set by the runtime.
struct task_spec {
  std::uint64_t index = 0;
  std::uint32_t attempt = 0;
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;
  std::string data;
};

/// What one task produces: a count for counting kinds, encoded bytes for richer ones.
struct partial {
  std::uint64_t count = 0;
  std::string data;
};

/// Why a job whose every task ran still failed (exec: some commands failed): its line says
/// `"status": "failed"`, this reason and error.
struct job_failure {
  std::string reason;
  std::string error;
};

/// Merges the partials of one job (each exactly once, in any order) and renders the job's result.
class reducer {
public:
  virtual ~reducer() = default;
  virtual void merge(partial&& p) = 0;
  virtual nlohmann::ordered_json render() const = 0;
  /// About how many bytes the merged result holds so far; checked against --max-result-size after
  /// each merge (the rendered result is checked too).
  virtual std::uint64_t result_bytes() const { return 0; }
  /// The merged state as bytes for the journal (--journal), so that a master started again resumes
  /// the job where it was; nothing when this reducer cannot, and such a job then restarts from its
  /// first task. Called on the master every few seconds while the job runs.
  virtual std::optional<std::string> snapshot() const { return std::nullopt; }
  /// Once every task is merged: why the job fails though every task ran; none: it is ok.
  virtual std::optional<job_failure> failure() const { return std::nullopt; }
  /// Takes back, on a fresh reducer, the state snapshot() gave; throws std::invalid_argument on
  /// bytes snapshot() did not write.
  virtual void restore(std::string_view /*bytes*/) {
    throw std::invalid_argument("this reducer keeps no snapshots");
  }
};

/// A job split into tasks, held by the master while the job runs. Tasks are made on demand at
/// dispatch.
class job_plan {
public:
  virtual ~job_plan() = default;
  virtual std::uint64_t task_count() const = 0;
  /// Builds task `index` (0 <= index < task_count()); lo, hi and data as the kind's run() expects.
  virtual task_spec make_task(std::uint64_t index) const = 0;
  /// A digest of what the tasks are made from beyond the parameters (files and their sizes and
  /// times, a commands file; cohort/fingerprint.hpp); empty when the parameters alone make them.
  /// A master resuming the job from its journal starts it again from its first task when this or
  /// task_count() differ from what they were.
  virtual std::string input_digest() const { return {}; }
  /// Whether tasks carry tags of their own (tags()); the master then asks for each task's tags
  /// once, when the job starts.
  virtual bool tags_tasks() const { return false; }
  /// The tags a worker must carry to run task `index` (besides the job's --require); empty: any.
  virtual std::vector<std::string> tags(std::uint64_t /*index*/) const { return {}; }
  /// Names task `index` and its parameters for error messages ("from=10 to=20").
  virtual std::string describe(std::uint64_t index) const;
  virtual std::unique_ptr<reducer> make_reducer() const = 0;
  /// The first line of the job's records file (job_kind::records_param), if it has one.
  virtual std::string record_header() const { return {}; }
  /// The line task `index` adds to the records file once its answer `p` from worker `worker` on
  /// `host` is merged (a joblog line); empty: none. Called on the master.
  virtual std::string record(std::uint64_t /*index*/, const partial& /*p*/,
                             std::string_view /*host*/, std::string_view /*worker*/) const {
    return {};
  }
};

/// A named recipe for jobs. One instance serves every job of its kind, on the master and on
/// workers, from any thread: keep it immutable.
class job_kind {
public:
  virtual ~job_kind() = default;
  virtual std::string_view name() const = 0;
  /// What a job of this kind does, in one line (`cohort kinds`).
  virtual std::string_view summary() const = 0;
  /// Every parameter the kind takes; a job naming another, or a value of the wrong type, is
  /// refused before anything runs.
  virtual std::vector<param_spec> parameters() const = 0;
  virtual task_bound bound(const params& p) const = 0;
  /// A test or benchmark aid (chaos): listed apart in --help.
  virtual bool test_aid() const { return false; }
  /// Whether a running task keeps its worker actor's thread busy, so that the actor runs one at a
  /// time and queues the rest of its --slots; a CPU-bound task does, unless its work runs
  /// elsewhere (exec: in a child process, --slots of them at once).
  virtual bool holds_thread(const params& p) const { return bound(p) == task_bound::cpu; }
  /// Whether running a task twice is harmless (allows speculation and re-runs after a timeout).
  virtual bool idempotent(const params&) const { return true; }
  /// Whether a task lost with its worker may run again elsewhere; when not, the loss fails the job.
  virtual bool rerun_after_loss(const params& p) const { return idempotent(p); }
  /// Whether the master may start a copy of a slow task while it still runs (`--speculate`); only
  /// an idempotent kind's. The http kind says no: a copy is a second request to someone's service.
  virtual bool speculates(const params& p) const { return idempotent(p); }
  /// Most tasks of a job in flight per worker actor when the job does not say (a jobs file's
  /// `concurrency`); none: the worker's --concurrency. sql says 8, its connections per process.
  virtual std::optional<std::uint32_t> concurrency(const params&) const { return std::nullopt; }
  /// What a worker must grant to run this kind ("exec": `--allow-exec`; several joined by commas,
  /// "sql,net", cohort/capabilities.hpp); empty for any worker.
  virtual std::string_view capability() const { return {}; }
  /// Whether a serving master takes jobs of this kind from clients; chaos, a test aid whose tasks
  /// may abort their worker process (the master's own, with local workers), does not.
  virtual bool from_clients() const { return true; }
  /// The parameter (of type output) naming the file the job's records go to, written by whoever
  /// submitted the job on its own side; empty: the kind writes none.
  virtual std::string_view records_param() const { return {}; }
  /// The text param that holds what `file=-` reads from the submitter's standard input (exec:
  /// "commands"); empty: `file=-` is refused.
  virtual std::string_view stdin_param() const { return {}; }
  /// Whether the line of a job that failed by its reducer's verdict, or was cancelled, keeps the
  /// result of the tasks that finished (exec: the commands that ran); else such a result is null.
  virtual bool keeps_partial_result() const { return false; }
  /// Checks what the parameter table cannot (from <= to, a file that must exist) before anything
  /// runs; throws param_error naming the problem. The table's checks have passed.
  virtual void validate(const params&) const {}
  /// Splits a validated job on the master; may throw param_error (say, a path that vanished).
  virtual std::unique_ptr<job_plan> split(const params& p) const = 0;
  /// Runs one task on a worker. Take everything by value: the body may outlive the caller's frame.
  virtual task<partial> run(task_spec spec, task_context& ctx) const = 0;
};

} // namespace cohort
