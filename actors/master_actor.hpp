// The master actor: takes job requests, dispatches their tasks to workers, answers each request
// when its job ends.
#pragma once

#include "actors/dispatcher.hpp"
#include "actors/master_core.hpp"
#include "cohort/registry.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>
#include <utility>
#include <vector>

namespace cohort {

struct master_options {
  master_settings settings;
  std::shared_ptr<const registry> kinds;
  bool progress = false;
  /// Joins must carry it (runtime_options::token).
  std::optional<std::string> token;
  /// Worker actors in this process, joined before the first job.
  std::vector<std::pair<caf::actor, worker_entry>> local_workers;
};

caf::actor spawn_master(caf::actor_system& sys, master_options opts);

} // namespace cohort
