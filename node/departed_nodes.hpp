// Frees what CAF 0.17's BASP broker keeps for every node that ever connected: it never erases a
// node's entry in `spawn_servers` (about 1.3 KB each), so without this a serving master grew with
// every client process that came and went (docs/caf-notes.md, "Memory per connected node").
#pragma once

#include <caf/fwd.hpp>

#include <chrono>

namespace cohort {

/// The BASP broker of `sys`'s middleman. The middleman's table of brokers is not thread-safe: call
/// this from the thread that set the node up, once it listens.
caf::actor basp_broker_of(caf::actor_system& sys);

/// Drops, on the middleman's own thread, the entries of nodes that no route reaches any more.
void forget_departed_nodes(caf::actor_system& sys, const caf::actor& basp);

/// An actor that calls forget_departed_nodes every `period` until it is sent an exit. It is not
/// hidden, so the actor system waits for it before it stops the middleman.
caf::actor spawn_departed_node_sweeper(caf::actor_system& sys, std::chrono::milliseconds period);

} // namespace cohort
