// CAF atoms, the local-only proof, and message-type registration. Include only from actor code: it
// pulls in CAF.
#pragma once

#include "cohort/checked_job.hpp"
#include "core/protocol.hpp"
#include "core/session.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>

#include <cstdint>
#include <string>

namespace cohort {

using join_atom = caf::atom_constant<caf::atom("join")>;
using attach_atom = caf::atom_constant<caf::atom("attach")>;
using sealed_atom = caf::atom_constant<caf::atom("sealed")>;
using run_atom = caf::atom_constant<caf::atom("run")>;
using part_atom = caf::atom_constant<caf::atom("part")>;
using resume_atom = caf::atom_constant<caf::atom("resume")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using submit_atom = caf::atom_constant<caf::atom("submit")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using speculate_atom = caf::atom_constant<caf::atom("speculate")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
using done_atom = caf::atom_constant<caf::atom("done")>;
using bye_atom = caf::atom_constant<caf::atom("bye")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using lost_atom = caf::atom_constant<caf::atom("lost")>;
using client_atom = caf::atom_constant<caf::atom("client")>;
using idle_atom = caf::atom_constant<caf::atom("idle")>;
using held_atom = caf::atom_constant<caf::atom("held")>;
using written_atom = caf::atom_constant<caf::atom("written")>;

/// Carried by every message only this process may send: timers, the node's orders to its worker
/// actors, an in-process master and its workers. Its type is never registered, so no other
/// process can even encode one; its key is this process's own, drawn at start.
struct local_proof {
  std::uint64_t key = 0;
};

/// This process's proof.
local_proof local();

/// Whether `p` is this process's proof.
bool is_local(const local_proof& p);

/// A refusal the peer can show: `why`, in words.
caf::error refused(const std::string& why);

/// Registers the types that cross the network (a worker's hello, the handshakes' answers, sealed
/// envelopes); every node must call it before starting its system. Nothing else is registered, so
/// nothing else can arrive from another process.
void add_message_types(caf::actor_system_config& cfg);

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, envelope& x) {
  return f(x.session, x.seq, x.tag, x.body);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, handshake_answer& x) {
  return f(x.session, x.nonce, x.proof, x.key);
}

} // namespace cohort

// Both only ever travel within one process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cohort::checked_job)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cohort::local_proof)
