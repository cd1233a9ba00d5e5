// The master's logic without CAF: running jobs, their ledgers and reducers, the dispatcher, and the
// decisions (what to send where, which job ended how) that the master actor carries out.
#pragma once

#include "cohort/checked_job.hpp"
#include "cohort/job_outcome.hpp"
#include "cohort/master_settings.hpp"
#include "cohort/progress.hpp"
#include "core/dispatcher.hpp"
#include "core/fair_turns.hpp"
#include "core/isolation.hpp"
#include "core/job_history.hpp"
#include "core/journal.hpp"
#include "core/ledger.hpp"
#include "core/placement.hpp"
#include "core/protocol.hpp"
#include "core/status_board.hpp"
#include "core/status_view.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cohort {

/// A batch the actor must send now. Its request waits long (master_actor.cpp): task timeouts are
/// the master's tick's business, and the worker's credit is taken until it answers or is gone.
struct outgoing_batch {
  std::uint64_t id;
  worker_ref worker;
  std::uint64_t job;
  std::vector<task_spec> tasks;
};

/// A job that ended, with its output line.
struct ended_job {
  std::uint64_t job;
  job_outcome outcome;
  /// What `cohort jobs` shows of it from now on.
  job_summary summary;
};

/// A line for a job's records file (job_plan::record), for whoever submitted the job: the file its
/// records parameter names, on the submitter's side.
struct job_record {
  std::uint64_t job;
  std::uint64_t owner;
  std::string file;
  std::string line;
  /// The job was resumed from the journal: its file holds the lines before the restart, and is
  /// appended to (no header again).
  bool resumed = false;
};

/// A running job's progress, and who submitted the job.
struct job_progress {
  std::uint64_t owner;
  job_progress_report report;
};

/// Tell `worker` to drop every task of `job`, or only the losing attempt `task`.
struct cancel_order {
  worker_ref worker;
  std::uint64_t job;
  std::optional<dispatched_task> task;
};

class master_core {
public:
  using clock = std::chrono::steady_clock;

  explicit master_core(master_settings s);
  ~master_core();

  worker_ref add_worker(worker_entry w, clock::time_point now = clock::now());
  /// A worker is gone: its attempts in flight go back to the front of pending. The loss is charged
  /// to a task only when it was alone in flight on that process; otherwise the lost tasks form
  /// isolation groups that run again, each alone on a process, before any is charged. Its slot is
  /// free at once; running jobs keep what their reports show of it. A stale `w` is ignored.
  void remove_worker(worker_ref w, clock::time_point now);
  /// A worker is leaving: it keeps its attempts in flight but gets no new tasks. A stale `w` is
  /// ignored.
  void drain_worker(worker_ref w) {
    if (dispatcher_.current(w)) {
      dispatcher_.drain(w);
    }
  }
  const dispatcher& workers() const { return dispatcher_; }

  /// Splits and starts a job for `owner` (who submitted it: a client's number, 0 for the master's
  /// own command line); a split that throws ends the job. Owners take dispatch turns, then their
  /// jobs by priority (fair_turns). Jobs are numbered from 1.
  std::uint64_t submit(const checked_job& job, clock::time_point now, std::uint64_t owner = 0);
  const job_desc& desc(std::uint64_t job) const;

  /// With --journal: starts a job the journal held unfinished, under its id and owner, with its
  /// snapshot restored and the answers after it merged again, so that only the other tasks run; a
  /// kind without snapshots starts again from its first task (stats.restarted).
  std::uint64_t resume(const checked_job& job, const unfinished_job& held, clock::time_point now);
  /// New jobs are numbered after `id` (the journal's last).
  void number_after(std::uint64_t id);
  /// With --journal: the records since the last call, in order, for the journal's writer: jobs
  /// accepted, answers merged, a snapshot of each job that merged since its last one
  /// `snapshot_every` ago, jobs ended.
  std::vector<journal_record> take_journal(clock::time_point now);
  /// With --journal, when the master stops: every running job is left to the journal (its last
  /// answers and a snapshot) to resume at the next start, and the ends that follow are not
  /// recorded.
  void suspend_all(clock::time_point now);
  /// With --journal: the journal wrote the tasks_started records up to `ticket`; the batches that
  /// waited for them go out at the next dispatch().
  void journal_written(std::uint64_t ticket);
  /// With --journal: the journal failed. Jobs whose tasks must not run twice end failed, as
  /// nothing records any more which of their tasks started.
  void journal_failed(clock::time_point now);
  /// How often a running job's reducer is snapshot for the journal.
  static constexpr auto snapshot_every = std::chrono::seconds(5);

  /// Batches to send now: isolation groups first, then round-robin among jobs with pending tasks,
  /// never past a worker's credit; speculative copies made by tick() go out here too. With
  /// --journal, a batch of a job whose tasks must not run twice (exec retry=false) waits until
  /// the journal wrote that its tasks start (journal_written).
  std::vector<outgoing_batch> dispatch(clock::time_point now);
  /// Answers to batch `id` from worker `from`: some of them while the batch runs, the rest when
  /// `final`. An answer that is not for a task of that batch, or not from its worker, is forged:
  /// dropped and logged. Answers to a batch whose worker was removed meanwhile are duplicates of
  /// its job.
  void on_results(std::uint64_t id, worker_ref from, std::vector<task_result>&& results, bool final,
                  clock::time_point now);
  /// Ends every running job as cancelled and tells workers to drop their tasks.
  void cancel_all(clock::time_point now);
  /// Deadlines, the wait for workers, task timeouts and speculation.
  void tick(clock::time_point now);
  /// Workers that have left a batch unanswered for `limit` (alive, but never answering): the
  /// actor takes them for lost.
  std::vector<worker_ref> silent_workers(clock::time_point now, clock::duration limit) const;
  /// When an attempt of a CPU-bound job will be slow enough to copy to an idle worker (2x the
  /// median), if that is still ahead: dispatch() then makes the copy without waiting for a tick.
  std::optional<clock::time_point> speculation_due(clock::time_point now) const;

  std::vector<ended_job> take_ended();
  std::vector<cancel_order> take_cancels();
  /// Record lines since the last call, in merge order, each job's header first.
  std::vector<job_record> take_records() { return std::exchange(records_, {}); }
  /// What the status page and /metrics show: workers, running jobs with their rates and ETAs,
  /// counters and recent events (the caller adds uptime, instance and what it counts itself).
  status_view view(clock::time_point now) const;
  /// An event for the status page that the core does not see (a worker drained, forged messages).
  void note(std::string text) { board_.event(std::move(text)); }
  /// The progress of each running job.
  std::vector<job_progress> progress(clock::time_point now) const;
  /// Each job not ended yet: queued until its first attempt, then running.
  std::vector<job_summary> summaries(clock::time_point now) const;
  /// Who submitted job `id`; nothing when it is not running.
  std::optional<std::uint64_t> owner_of(std::uint64_t id) const;
  /// Ends job `id` as cancelled (with its workers told to drop its tasks); false when it is not
  /// running.
  bool cancel(std::uint64_t id, clock::time_point now);
  std::size_t running_jobs() const { return jobs_.size(); }

private:
  struct job_state;
  /// A batch in flight: its tasks sorted by index, attempt 0 once answered.
  struct batch_record {
    worker_ref worker;
    std::uint64_t job;
    task_bound bound;
    std::vector<dispatched_task> tasks;
    std::size_t open;
    clock::time_point sent;
  };

  /// How a job ended, recorded by end_job and applied by finish_ended.
  struct job_end {
    job_status status;
    std::string reason;
    std::string error;
    clock::time_point at;
  };

  /// Splits and starts a job (one the journal `held`, when given); submit() and resume() then
  /// apply its end if it could not start.
  std::uint64_t start(const checked_job& job, clock::time_point now, std::uint64_t owner,
                      const unfinished_job* held);
  /// The journal's record of `j` accepted (again, when it restarts from its first task).
  journal_record accepted(const job_state& j) const;
  /// Restores what the journal held of `j` into its reducer and ledger; why not, if it cannot.
  std::optional<std::string> carry_over(job_state& j, const unfinished_job& held);
  void snapshot(job_state& j, clock::time_point now);
  bool journaling() const { return !settings_.journal.empty(); }
  /// With --journal, a job whose tasks must not run twice: each batch is journaled before it goes.
  bool guarded(const job_state& j) const;
  /// What dispatch() returns: batches released by the journal, and those made since, except the
  /// ones that wait for it.
  std::vector<outgoing_batch> hand_out();
  /// A job that must not run twice, resumed: why it cannot go on (tasks that had started and were
  /// not merged), if so.
  std::optional<std::string> started_unmerged(const job_state& j, const unfinished_job& held) const;
  void take_answers(std::uint64_t id, worker_ref from, std::vector<task_result>&& results,
                    bool final, clock::time_point now);
  /// Answers to a batch whose worker was removed while they were on their way: its attempts went
  /// back to pending, so each genuine answer is a duplicate of its job.
  void take_lost_answers(std::uint64_t id, worker_ref from, std::vector<task_result>& results,
                         bool final);
  std::optional<outgoing_batch> next_batch(job_state& j, clock::time_point now);
  std::optional<outgoing_batch>
  make_batch(job_state& j, worker_ref w, std::vector<dispatched_task> taken, clock::time_point now);
  void isolate(clock::time_point now);
  void speculate(job_state& j, clock::time_point now);
  /// Whether speculate() applies to `j`: copies allowed (option on, idempotent), nothing pending.
  bool may_speculate(const job_state& j) const;
  /// may_speculate, and checked at every dispatch too: CPU-bound with attempts in flight.
  bool speculates_at_dispatch(const job_state& j) const;
  /// Fixes the designated policy's owners of a job's stripes: the present workers that fit it.
  void designate(job_state& j);
  /// Whether `w` carries the job's tags and grants its kind's capability.
  bool fits(const job_state& j, worker_ref w) const;
  /// Whether `w` carries the tags of `route` (always, for a job whose tasks carry none).
  bool fits_route(const job_state& j, std::uint32_t route, worker_ref w) const;
  bool fits_task(const job_state& j, std::uint64_t index, worker_ref w) const;
  /// Whether `w` fits a route of `j` with pending tasks (always, for a job without routes).
  bool routable(const job_state& j, worker_ref w) const;
  /// A route of `j` with pending tasks that no eligible worker fits.
  std::optional<std::uint32_t> starved_route(const job_state& j) const;
  /// Puts back `tasks` lost with `w` (one route's), in isolation groups when `beside` others ran
  /// on its process; false when one ran out of attempts and failed the job.
  bool lose_tasks(job_state& j, const std::vector<dispatched_task>& tasks, worker_ref w,
                  std::uint32_t beside, const std::string& cause, clock::time_point now);
  /// fits, present (not stale) and not draining.
  bool eligible(const job_state& j, worker_ref w) const;
  std::uint32_t room(const job_state& j, worker_ref w, bool for_reservation = false) const;
  std::optional<worker_ref> designated_owner(const job_state& j, std::uint32_t stripe) const;
  bool has_eligible_worker(const job_state& j) const;
  /// Where `j` stands: done, total, in flight, rate and ETA, and what it waits for.
  job_progress_report report_of(const job_state& j, clock::time_point now) const;
  void release(const batch_record& b, std::size_t n);
  /// The answers among `results` that match an unanswered task of `b` (now marked answered), the
  /// count of the others (forged) and the bytes of the genuine ones.
  struct matched_answers {
    std::vector<task_result*> genuine;
    std::size_t forged = 0;
    std::uint64_t bytes = 0;
  };
  static matched_answers match(batch_record& b, std::vector<task_result>& results);
  void warn_forged(std::uint64_t id, worker_ref from, std::size_t count) const;
  void fail_task(job_state& j, std::uint64_t index, const std::string& cause,
                 clock::time_point now);
  static std::string format_wait(std::chrono::nanoseconds d);
  /// Why a job waiting for workers has none: the capability, --min-workers, or its tags.
  std::string why_starved(const job_state& j) const;
  /// How many suitable workers a starved job has, how many it needs, and how long it still waits.
  job_progress_report::waiting_for waiting_for(const job_state& j, clock::time_point now) const;
  /// The id of `w` for a log line, or a note that it left.
  std::string name(worker_ref w) const;
  /// Records how `j` ended (its first end counts); code that walks jobs skips it from then on, and
  /// the public call that ended it applies the end last (finish_ended).
  void end_job(job_state& j, job_status status, std::string reason, std::string error,
               clock::time_point now);
  /// Applies the ends recorded since the last call: drops the job's unsent batches, tells its
  /// workers to cancel, renders its line and erases it. Every public call that can end a job
  /// calls it last.
  void finish_ended();
  /// Takes back a batch made but not sent: its credit and its record.
  void unsend(const outgoing_batch& b);
  job_outcome render(const job_state& j) const;
  job_summary summarize(const job_state& j, clock::time_point now) const;

  master_settings settings_;
  dispatcher dispatcher_;
  status_board board_;
  std::map<std::uint64_t, std::unique_ptr<job_state>> jobs_;
  std::unordered_map<std::uint64_t, batch_record> batches_;
  /// Batches whose worker was removed, kept until their job ends (job_state::lost_batches) or
  /// their last answer comes, to know the job of answers still on their way.
  std::unordered_map<std::uint64_t, batch_record> lost_batches_;
  placement placement_;
  isolation isolation_;
  /// Batches made and not yet returned by dispatch() (speculative copies made by tick() wait here).
  std::vector<outgoing_batch> outgoing_;
  std::vector<std::uint64_t> ending_;
  std::uint64_t next_job_ = 1;
  fair_turns turns_;
  std::uint64_t next_batch_ = 1;
  bool min_workers_reached_ = false;
  std::vector<ended_job> ended_;
  std::vector<cancel_order> cancels_;
  std::vector<job_record> records_;
  std::vector<journal_record> journal_;
  /// Jobs with answers merged since take_journal last ran.
  std::vector<std::uint64_t> unjournaled_jobs_;
  bool suspended_ = false;
  /// Batches waiting for the journal, by the ticket of their tasks_started record; those it
  /// wrote, until the next dispatch().
  std::map<std::uint64_t, outgoing_batch> parked_;
  std::vector<outgoing_batch> released_;
  std::uint64_t next_ticket_ = 1;
  bool journal_failed_ = false;
};

} // namespace cohort
