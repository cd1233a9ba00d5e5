// The worker actor: runs the tasks of the batches its master sends and sends back their answers. It
// takes work from one master only: a master in this process (local messages), a master in another
// process it joined with a handshake, or the master that attached it on a spawn node; from another
// process, only envelopes sealed under that session count.
#pragma once

#include "cohort/registry.hpp"
#include "core/master_watch.hpp"
#include "core/protocol.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace cohort {

struct worker_options {
  std::shared_ptr<const registry> kinds;
  double slowdown = 1.0;
  /// Most answers in one message sent back (worker_settings::batch, --batch).
  std::uint32_t batch = 1000;
  /// What the worker announces: its id, host, tags, credit and capabilities.
  worker_hello hello;
  /// The shared secret its handshake proves; none: the master's session key is taken as given.
  std::optional<std::string> token;
  /// Joined workers: told when the master says goodbye before it shuts down.
  std::shared_ptr<master_watch> watch;
};

/// A worker actor for a master in this process, or one its node joins to a remote master with a
/// `(join_atom, local proof, master)` request.
caf::actor spawn_worker(caf::actor_system& sys, worker_options opts);

/// Lets other nodes spawn worker actors here by the name "cohort-worker" (a spawn node); each gets
/// the next number, takes work only from the master whose attach handshake proves the token, and
/// is handed to `spawned` so the node can stop it.
void add_worker_actor_type(caf::actor_system_config& cfg, worker_options opts,
                           std::function<void(caf::actor)> spawned);

} // namespace cohort
