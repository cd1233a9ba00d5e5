// A client's actor: opens a session with a serving master and is the only address the master
// knows of the client. It seals what the client hands it, opens what the master sends, and passes
// the bodies on to the client's own (local) actor; anything that does not open is dropped.
#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <optional>
#include <string>

namespace cohort {

/// A client actor for `master` that proves `token` and forwards to `owner`:
/// - `(client_atom, local proof)` from the owner opens the session (answers client_atom, or an
///   error saying why not);
/// - `(sealed_atom, local proof, body)` from the owner goes to the master sealed;
/// - each body from the master reaches the owner as `(sealed_atom, local proof, body)`, and the
///   master's end as `(lost_atom, local proof)`.
caf::actor spawn_client_actor(caf::actor_system& sys, caf::actor master,
                              std::optional<std::string> token, caf::actor owner);

} // namespace cohort
