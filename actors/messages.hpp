// CAF atoms and message-type registration for the protocol in protocol.hpp. Include only from actor
// code: it pulls in CAF.
#pragma once

#include "core/protocol.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>

namespace cohort {

using join_atom = caf::atom_constant<caf::atom("join")>;
using run_atom = caf::atom_constant<caf::atom("run")>;
using part_atom = caf::atom_constant<caf::atom("part")>;
using resume_atom = caf::atom_constant<caf::atom("resume")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using submit_atom = caf::atom_constant<caf::atom("submit")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using speculate_atom = caf::atom_constant<caf::atom("speculate")>;
using leave_atom = caf::atom_constant<caf::atom("leave")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
using hello_atom = caf::atom_constant<caf::atom("hello")>;
using done_atom = caf::atom_constant<caf::atom("done")>;
using bye_atom = caf::atom_constant<caf::atom("bye")>;
using attach_atom = caf::atom_constant<caf::atom("attach")>;

/// Registers every message type of the protocol; every node must call it before starting its
/// system.
void add_message_types(caf::actor_system_config& cfg);

} // namespace cohort

#include "cohort/checked_job.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

// A checked job only ever travels from a caller to the master in the same process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cohort::checked_job)
