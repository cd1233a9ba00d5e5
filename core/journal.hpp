// The master's journal (--journal FILE): an SQLite database of the jobs a master accepted and, for
// each one not finished, what it merged so far, so that a master started again resumes it.
#pragma once

#include "cohort/job.hpp"
#include "cohort/job_outcome.hpp"
#include "core/index_set.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

struct sqlite3;

namespace cohort {

/// The journal cannot be used; the message names the file and the problem.
struct journal_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// One task's answer as merged.
struct merged_task {
  std::uint64_t index = 0;
  partial answer;
};

/// A job accepted: its request as JSON (journal_codec), secrets left out; `resumable` when its
/// reducer keeps snapshots.
struct job_accepted {
  std::uint64_t job = 0;
  std::uint64_t owner = 0;
  std::string request;
  bool resumable = false;
  /// Its task count and input digest (job_plan::input_digest), to tell whether its task list
  /// changed when it resumes.
  std::string plan;
};
/// Answers merged since the job's last record.
struct tasks_merged {
  std::uint64_t job = 0;
  std::vector<merged_task> tasks;
};
/// The reducer's state and every task it covers; replaces what the journal held of the job.
struct job_snapshot {
  std::uint64_t job = 0;
  std::string state;
  index_set merged;
};
/// Tasks about to be sent to workers, of a job whose tasks must never run twice (exec
/// retry=false): the batch goes out only once this is written (`ticket` says which).
struct tasks_started {
  std::uint64_t job = 0;
  std::uint64_t ticket = 0;
  index_set tasks;
};
/// The job ended with this output line.
struct job_finished {
  std::uint64_t job = 0;
  job_status status = job_status::failed;
  std::string line;
};
using journal_record =
    std::variant<job_accepted, tasks_merged, job_snapshot, tasks_started, job_finished>;

/// What a journal holds of a job that did not finish.
struct unfinished_job {
  std::uint64_t id = 0;
  std::uint64_t owner = 0;
  std::string request;
  bool resumable = false;
  /// As job_accepted::plan; empty when the journal does not say.
  std::string plan;
  /// The last snapshot's state and the tasks it covers; none before the first.
  std::optional<std::string> state;
  index_set merged;
  /// Answers merged after that snapshot, in merge order.
  std::vector<merged_task> since;
  /// The tasks recorded as started (tasks_started), merged or not.
  index_set started;
};

/// A finished job's line, kept until retention drops it.
struct finished_job {
  std::uint64_t id = 0;
  std::uint64_t owner = 0;
  std::string request;
  job_status status = job_status::failed;
  std::string line;
};

class journal {
public:
  /// The format this build writes and reads (the database's user_version).
  static constexpr int format = 1;

  /// Opens FILE, creating it when it does not exist. Throws journal_error naming FILE and the
  /// problem (not a cohort journal, a newer format, corrupt, in use by another master), leaving
  /// such a file as it was. Holds FILE locked until destroyed.
  explicit journal(std::string path);
  ~journal();
  journal(const journal&) = delete;
  journal& operator=(const journal&) = delete;

  const std::string& path() const { return path_; }
  /// Names the masters of this FILE, one after another, to their clients: a random hex string
  /// made when FILE was made.
  const std::string& instance() const { return instance_; }
  /// Jobs not finished, by id. Throws journal_error on bytes this build did not write.
  std::vector<unfinished_job> unfinished() const;
  /// The newest `limit` finished jobs, by id.
  std::vector<finished_job> finished(std::size_t limit) const;
  /// The highest job id it holds, 0 when none: a master numbers its next job after it.
  std::uint64_t last_id() const;
  /// Writes `records` in order, in one transaction. Throws journal_error.
  void write(const std::vector<journal_record>& records);
  /// Drops jobs that finished before `before`; returns how many.
  std::uint64_t forget_finished_before(std::chrono::system_clock::time_point before);

private:
  /// Runs SQL; throws journal_error with SQLite's words.
  void exec(const char* sql) const;
  [[noreturn]] void fail(const std::string& what) const;

  std::string path_;
  int lock_fd_ = -1;
  sqlite3* db_ = nullptr;
  std::uint64_t next_seq_ = 1;
  std::string instance_;
};

} // namespace cohort
