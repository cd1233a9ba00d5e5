// The HTTP server of the tests of ctx.http (tests/tools/http_server.cpp), started on a port of its
// own and killed with the test.
#pragma once

#include "tests/process/cluster.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace cohort::test {

struct http_server {
  temp_dir dir;
  std::unique_ptr<background_process> process;
  std::uint16_t port = 0;
  bool tls = false;

  http_server();
  /// An HTTPS server with the certificate `cert` and its key `key` (PEM files).
  http_server(const std::string& cert, const std::string& key);
  /// http://127.0.0.1:PORT/path (https:// for an HTTPS server).
  std::string url(const std::string& path) const;
  /// The server's counters: open, opened, closed, requests.
  nlohmann::json stats() const;
};

} // namespace cohort::test
