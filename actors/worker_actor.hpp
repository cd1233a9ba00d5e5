// The worker actor: runs the tasks of the batches its master sends and answers each batch's request.
#pragma once

#include "cohort/registry.hpp"

#include <caf/fwd.hpp>

#include <memory>

namespace cohort {

struct worker_options {
  std::shared_ptr<const registry> kinds;
  double slowdown = 1.0;
};

caf::actor spawn_worker(caf::actor_system& sys, worker_options opts);

} // namespace cohort
