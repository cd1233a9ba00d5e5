// Watching an actor without monitors: when it terminates (it quit, its process died, or the
// connection to its process was lost, which CAF reports by killing its proxy), `whom` gets a local
// message. Down messages are dropped by guarded actors (actors/guarded_actor.hpp), because any peer
// can send one.
#pragma once

#include "actors/messages.hpp"

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

namespace cohort {

/// Sends `(lost_atom, local proof, args..., reason)` to `whom` once `watched` terminates. `whom`
/// is held weakly, so the watch keeps nothing alive.
template <class... Ts> void watch(const caf::actor& watched, const caf::actor& whom, Ts... args) {
  auto weak = caf::actor_cast<caf::weak_actor_ptr>(whom);
  watched->attach_functor([weak, args...](const caf::error& reason) {
    if (auto target = caf::actor_cast<caf::actor>(weak)) {
      caf::anon_send(target, lost_atom::value, local(), args..., reason);
    }
  });
}

} // namespace cohort
