// The master actor: takes job requests, dispatches their tasks to workers, answers each request
// when its job ends.
#pragma once

#include "cohort/master_settings.hpp"
#include "core/dispatcher.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cohort {

struct master_options {
  master_settings settings;
  /// Joins must carry it (network_settings::token).
  std::optional<std::string> token;
  /// Worker actors in this process, joined before the first job.
  std::vector<std::pair<caf::actor, worker_entry>> local_workers;
};

caf::actor spawn_master(caf::actor_system& sys, master_options opts);

} // namespace cohort
