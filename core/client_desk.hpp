// The master's side of its clients, without CAF: checks and submits their jobs (each confined to
// the --data-dir roots and checked as any job is), remembers who waits for which job's line and
// progress, keeps the ended jobs (--history), and answers listings and status. The master actor
// seals and sends what it hands out.
#pragma once

#include "cohort/registry.hpp"
#include "core/data_roots.hpp"
#include "core/job_history.hpp"
#include "core/journal.hpp"
#include "core/master_core.hpp"
#include "core/wire.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <utility>
#include <vector>

namespace cohort {

class client_desk {
public:
  using clock = master_core::clock;

  /// A message for client `client`.
  struct delivery {
    std::uint64_t client;
    wire_message message;
  };

  /// Unfinished jobs one client may have, and all clients together.
  static constexpr std::size_t max_jobs_per_client = 10'000;
  static constexpr std::size_t max_jobs = 100'000;

  /// `instance` names this master to its clients (status "instance"): the same after a restart
  /// on its journal, else its own.
  client_desk(master_core& core, std::shared_ptr<const registry> kinds, data_roots roots,
              std::size_t history, clock::time_point started, std::string instance);

  /// A client opened a session; returns its number (its jobs' owner in the core).
  std::uint64_t add_client();
  /// A client went: it waits for nothing any more; its jobs run on.
  void remove_client(std::uint64_t client);
  /// The master is stopping: submissions are refused from now on.
  void close() { closed_ = true; }

  /// A serving master started again on its journal: the jobs that finished under the last one
  /// join the history (the newest --history), so a client that comes back gets their lines.
  void remember(const std::vector<finished_job>& finished);
  /// ...and the jobs it held go on under their ids, each under an owner of its own (its client
  /// left with the last master; one that comes back waits for it by id). Returns a line for each
  /// that cannot run again.
  std::vector<std::string> resume(std::vector<unfinished_job> held, clock::time_point now);

  reply_message submit(std::uint64_t client, const submit_message& m, clock::time_point now);
  reply_message wait(std::uint64_t client, const wait_message& m);
  reply_message cancel(const cancel_jobs_message& m, clock::time_point now);
  reply_message list(const list_message& m, clock::time_point now) const;
  reply_message status(const status_message& m, clock::time_point now) const;

  /// Jobs the core ended: kept in the history, and their lines handed to the clients waiting.
  void ended(const std::vector<ended_job>& jobs);
  /// Record lines of jobs, for the clients that submitted them, else (a resumed job) for those
  /// waiting for it.
  void records(const std::vector<job_record>& lines);
  /// The progress lines of running jobs, for the clients that asked for them.
  void progress(const std::vector<job_progress>& lines);
  /// What to send since the last call.
  std::vector<delivery> take_deliveries() { return std::exchange(deliveries_, {}); }

  const job_history& history() const { return history_; }

private:
  master_core& core_;
  std::shared_ptr<const registry> kinds_;
  data_roots roots_;
  job_history history_;
  clock::time_point started_;
  std::string instance_;
  std::uint64_t next_client_ = 1;
  std::set<std::uint64_t> clients_;
  bool closed_ = false;
  /// Unfinished jobs by the client that submitted them, and in all.
  std::map<std::uint64_t, std::size_t> open_by_client_;
  std::size_t open_ = 0;
  /// Who waits for each running job's line, and who wants its progress.
  std::map<std::uint64_t, std::set<std::uint64_t>> waiting_;
  std::map<std::uint64_t, std::set<std::uint64_t>> watching_;
  std::vector<delivery> deliveries_;
};

} // namespace cohort
