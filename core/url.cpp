// URL parsing for HTTP requests; see url.hpp.
#include "core/url.hpp"

#include <cctype>
#include <charconv>
#include <stdexcept>

namespace cohort {

namespace {

bool host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
}

} // namespace

std::string url::origin() const {
  auto h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

std::string url::host_header() const {
  auto h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port == (tls ? 443 : 80)) {
    return h;
  }
  return h + ":" + std::to_string(port);
}

url parse_url(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return std::invalid_argument("bad URL '" + std::string(text.substr(0, 200)) + "': " + why);
  };
  // A URL is printable ASCII (RFC 3986); anything else would be sent as other bytes than written.
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      throw bad("spaces, control characters and bytes beyond ASCII must be percent-encoded");
    }
  }
  url u;
  std::string_view rest;
  if (text.starts_with("http://")) {
    rest = text.substr(7);
  } else if (text.starts_with("https://")) {
    u.tls = true;
    rest = text.substr(8);
  } else {
    throw bad("it must start with http:// or https://");
  }
  auto end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  if (authority.find('@') != std::string_view::npos) {
    throw bad("user names and passwords in URLs are not taken (send an Authorization header)");
  }
  std::string_view port_text;
  if (authority.starts_with("[")) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) {
      throw bad("an IPv6 address without its closing ]");
    }
    u.host = std::string(authority.substr(1, close - 1));
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(":")) {
        throw bad("unexpected text after the IPv6 address");
      }
      port_text = after.substr(1);
    }
    for (char c : u.host) {
      if (std::isxdigit(static_cast<unsigned char>(c)) == 0 && c != ':' && c != '.') {
        throw bad("not an IPv6 address");
      }
    }
  } else {
    auto colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
    }
    for (char c : u.host) {
      if (!host_char(c)) {
        throw bad("the host holds '" + std::string(1, c) + "'");
      }
    }
  }
  if (u.host.empty()) {
    throw bad("no host");
  }
  u.port = u.tls ? 443 : 80;
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc{} || p != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      throw bad("the port must be a number from 1 to 65535");
    }
    u.port = static_cast<std::uint16_t>(value);
  }
  auto fragment = rest.find('#');
  u.target = std::string(rest.substr(0, fragment));
  if (u.target.empty() || u.target.front() == '?') {
    u.target.insert(0, "/");
  }
  return u;
}

} // namespace cohort
