// The master actor: takes jobs, dispatches their tasks to workers, answers each submission when its
// job ends. Workers in other processes join it through a handshake that proves the shared token and
// talk to it only in envelopes sealed under their session; anything else is dropped and counted.
#pragma once

#include "cohort/master_settings.hpp"
#include "cohort/progress.hpp"
#include "cohort/registry.hpp"
#include "core/dispatcher.hpp"
#include "core/journal_writer.hpp"
#include "core/message_auth.hpp"
#include "core/status_view.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cohort {

struct master_options {
  master_settings settings;
  /// The kinds a client's jobs are checked against.
  std::shared_ptr<const registry> kinds;
  /// Joins must prove it (network_settings::token); none: anyone may join, each session with a
  /// random key of its own.
  std::optional<std::string> token;
  /// Clients must prove it (network_settings::client_token); none: `token`.
  std::optional<std::string> client_token;
  /// Worker actors in this process, joined before the first job.
  std::vector<std::pair<caf::actor, worker_entry>> local_workers;
  /// With --journal: its writer, the highest job id it holds, the jobs it held unfinished (a
  /// `held` message resumes one by id, a `resume` message a serving master's rest), and, for a
  /// serving master's history, the newest that finished.
  std::shared_ptr<journal_writer> journal;
  std::uint64_t journal_last_id = 0;
  std::vector<unfinished_job> held;
  std::vector<finished_job> finished;
  /// Names this master to its clients: the journal's instance, else a random one.
  std::string instance;
  /// With --http: takes the master's view a few times a second (status page, metrics).
  std::function<void(status_view)> publish;
  /// With settings.progress: takes the progress of the master's own jobs once a second; unset:
  /// their plain lines go to stderr.
  std::function<void(const std::vector<job_progress_report>&)> on_progress;
  /// The connection timeout: a remote worker's loss says it was silent that long or closed.
  std::optional<std::chrono::nanoseconds> silence;
};

caf::actor spawn_master(caf::actor_system& sys, master_options opts);

} // namespace cohort
