// The worker actor: runs the tasks of the batches its master sends and answers each batch's
// request.
#pragma once

#include "cohort/registry.hpp"
#include "core/protocol.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace cohort {

struct worker_options {
  std::shared_ptr<const registry> kinds;
  double slowdown = 1.0;
  /// Most answers in one message sent back (worker_settings::batch, --batch).
  std::uint32_t batch = 1000;
  /// What the worker answers to a hello request (a master that spawned it remotely asks).
  worker_hello hello;
  /// Told when the master says goodbye before it shuts down (the worker process's node loop).
  caf::actor owner;
  /// Spawned by a remote master (spawn node): takes run and cancel messages only from the actor
  /// that attached it with `token` (when one is set).
  bool attach_required = false;
  std::optional<std::string> token;
};

caf::actor spawn_worker(caf::actor_system& sys, worker_options opts);

/// Lets other nodes spawn worker actors here by the name "cohort-worker"; each gets the next
/// number.
void add_worker_actor_type(caf::actor_system_config& cfg, worker_options opts);

} // namespace cohort
