// Addresses: how they are written, read and judged.
#include "cohort/endpoint.hpp"

#include "cohort/units.hpp"

#include <stdexcept>

namespace cohort {

std::string to_string(const endpoint& e) {
  return e.host + ":" + std::to_string(e.port);
}

bool is_loopback(std::string_view host) {
  return host == "localhost" || host == "::1" || host.substr(0, 4) == "127.";
}

endpoint parse_endpoint(std::string_view text, endpoint_form form) {
  bool listening = form == endpoint_form::listen;
  std::string_view expected = listening ? "expected [HOST:]PORT" : "expected HOST:PORT";
  endpoint e;
  std::string_view port = text;
  if (auto colon = text.rfind(':'); colon != std::string_view::npos) {
    e.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  } else if (!listening) {
    e.host.clear();
  }
  if (e.host.empty() || e.host.find_first_of(" \t,") != std::string::npos) {
    throw std::invalid_argument(std::string(expected));
  }
  std::uint64_t n = 0;
  try {
    n = parse_u64(port);
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument(std::string(expected));
  }
  if (n > 65535 || (n == 0 && !listening)) {
    throw std::invalid_argument(listening ? "port must be 0..65535" : "port must be 1..65535");
  }
  e.port = static_cast<std::uint16_t>(n);
  return e;
}

} // namespace cohort
