// The master's HTTP side (--http): GET / (the status page), /api/status, /metrics and /healthz,
// served by cpp-httplib on threads of its own from the last view the master published; a request
// never reaches the master actor. With a token, every path but /healthz needs it.
#pragma once

#include "cohort/endpoint.hpp"
#include "cohort/tls_files.hpp"
#include "core/status_view.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace cohort {

struct http_settings {
  endpoint at;
  /// `Authorization: Bearer TOKEN` (or `?token=TOKEN` on the page, which a browser cannot send a
  /// header with) on every path but /healthz; none: open.
  std::optional<std::string> token;
  /// HTTPS with the node's certificate and key (clients are not asked for one).
  std::optional<tls_files> tls;
};

class http_server {
public:
  /// Binds and starts serving; throws std::runtime_error ("cannot serve HTTP on H:P: address
  /// already in use").
  explicit http_server(http_settings s);
  /// Stops serving and waits for its threads.
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  std::uint16_t port() const;
  /// What requests see from now on.
  void publish(std::shared_ptr<const status_view> v);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace cohort
