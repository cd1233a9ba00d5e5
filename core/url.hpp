// URLs as the http kind and ctx.http take them: http:// or https://, a host (a name, an IPv4
// address or a bracketed IPv6 one), an optional port, and the rest as the request target.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cohort {

struct url {
  bool tls = false;
  std::string host;
  std::uint16_t port = 0;
  /// Path and query, "/" when the URL has none; never the fragment.
  std::string target;

  /// host:port as a pool key and for messages ("[::1]:8080" for IPv6).
  std::string origin() const;
  /// The Host header: the host, with the port when it is not the scheme's default.
  std::string host_header() const;
};

/// Parses `text`; throws std::invalid_argument naming what is wrong.
url parse_url(std::string_view text);

} // namespace cohort
