// The network face of a node: CAF's middleman, plain or through the openssl module (mutual TLS),
// with every call bounded by our own timeout.
#pragma once

#include "cohort/endpoint.hpp"
#include "cohort/tls_files.hpp"

#include <caf/fwd.hpp>
#include <caf/io/middleman_actor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>

namespace cohort {

/// Loads the middleman, and with `tls` the openssl module with its certificate, key and CA.
void load_transport(caf::actor_system_config& cfg, const std::optional<tls_files>& tls);

/// The middleman actor that opens and dials ports: openssl's when TLS is on.
caf::io::middleman_actor transport(caf::actor_system& sys, bool tls);

/// Publishes `whom` on host:port (port 0 picks one) and returns the port; throws naming the
/// address.
std::uint16_t publish_on(caf::actor_system& sys, bool tls, const caf::actor& whom,
                         const endpoint& at);

/// Opens host:port for nodes to connect to without publishing an actor (a spawn node).
std::uint16_t open_on(caf::actor_system& sys, bool tls, const endpoint& at);

/// What dialing a node gave: its id, and the actor published there (null when none).
struct dialed {
  caf::node_id node;
  caf::actor actor;
};

/// Dials host:port, waiting at most `timeout`; an error names the likely cause for TLS.
caf::expected<dialed> dial(caf::actor_system& sys, bool tls, const endpoint& at,
                           std::chrono::nanoseconds timeout);

/// Dials `at` until an actor published there answers, with backoff 100 ms .. 1 s, until `deadline`
/// or until `give_up()` turns true: the actor, or why not (the last failure, in plain words).
/// `on_failure` hears why each attempt failed.
std::variant<caf::actor, std::string>
dial_until(caf::actor_system& sys, bool tls, const endpoint& at,
           std::chrono::steady_clock::time_point deadline, const std::function<bool()>& give_up,
           const std::function<void(const std::string&)>& on_failure = {});

/// Why dialing `at` failed with `err`, in plain words ("connection refused").
std::string dial_failure(const endpoint& at, const caf::error& err);

} // namespace cohort
