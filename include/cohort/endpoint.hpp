// A host and TCP port: where a node listens (--listen) or what it dials (--master, --spawn-on).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cohort {

struct endpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
};

/// "HOST:PORT", as logs, errors and --print-config show it.
std::string to_string(const endpoint& e);

/// Whether only this machine can reach `host`: 127.0.0.0/8, ::1 or localhost.
bool is_loopback(std::string_view host);

/// How an address is written: `[HOST:]PORT` to listen on (HOST 127.0.0.1, port 0 picks one), or
/// `HOST:PORT` to dial (port 1..65535).
enum class endpoint_form { listen, dial };

/// Parses an address; throws std::invalid_argument with the reason ("expected HOST:PORT", "port
/// must be 1..65535").
endpoint parse_endpoint(std::string_view text, endpoint_form form);

} // namespace cohort
