// A node's face to the network: where it listens, mutual TLS, the shared token and the CAF
// transport settings.
#pragma once

#include "cohort/endpoint.hpp"
#include "cohort/tls_files.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace cohort {

struct network_settings {
  /// A master publishes itself here for workers to join; a worker serves as a spawn node here.
  std::optional<endpoint> listen;
  /// All node traffic over mutual TLS with these files; none: plain TCP.
  std::optional<tls_files> tls;
  /// The shared secret a join must carry (and a spawned worker is attached with); none: no check.
  /// Never logged.
  std::optional<std::string> token;
  /// A master: the secret clients must prove, when it differs from `token` (--client-token-file).
  /// A client: the secret it proves, when given apart from `token`.
  std::optional<std::string> client_token;
  /// Heartbeats sent on every connection; none or 0: off. Set the same on every node.
  std::optional<std::chrono::nanoseconds> heartbeat_interval = std::chrono::milliseconds(500);
  /// A connection silent this long is closed and its peer taken for lost; none or 0: off.
  std::optional<std::chrono::nanoseconds> connection_timeout = std::chrono::seconds(2);
};

} // namespace cohort
