#include "node/departed_nodes.hpp"

#include <caf/all.hpp>
#include <caf/io/basp_broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/network/multiplexer.hpp>

namespace cohort {

namespace {

using sweep_atom = caf::atom_constant<caf::atom("sweep")>;

} // namespace

caf::actor basp_broker_of(caf::actor_system& sys) {
  return sys.middleman().named_broker<caf::io::basp_broker>(caf::atom("BASP"));
}

void forget_departed_nodes(caf::actor_system& sys, const caf::actor& basp) {
  if (!basp) {
    return;
  }
  // The broker runs on the multiplexer's thread, so its state is touched only from there; the
  // captured handle keeps it alive until the lambda ran.
  auto* broker = static_cast<caf::io::basp_broker*>(caf::actor_cast<caf::abstract_actor*>(basp));
  sys.middleman().backend().dispatch([basp, broker] {
    if (broker->getf(caf::abstract_actor::is_terminated_flag)) {
      return;
    }
    auto& servers = broker->spawn_servers;
    for (auto i = servers.begin(); i != servers.end();) {
      if (broker->instance.tbl().lookup(i->first)) {
        ++i;
      } else {
        // As the broker's own on_exit does: a helper still waiting for its node's answer would
        // otherwise outlive the scheduler and be destroyed with the registry at exit.
        caf::anon_send_exit(i->second, caf::exit_reason::kill);
        i = servers.erase(i);
      }
    }
  });
}

caf::actor spawn_departed_node_sweeper(caf::actor_system& sys, std::chrono::milliseconds period) {
  // Looked up here, once: the middleman's table of brokers is not for other threads to read.
  auto basp = basp_broker_of(sys);
  return sys.spawn([period, basp](caf::event_based_actor* self) -> caf::behavior {
    self->send(self, sweep_atom::value);
    return {[self, period, basp](sweep_atom) {
      forget_departed_nodes(self->system(), basp);
      self->delayed_send(self, period, sweep_atom::value);
    }};
  });
}

} // namespace cohort
