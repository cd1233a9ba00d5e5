// Checks and quoting of names from peers.
#include "core/peer_names.hpp"

#include <algorithm>
#include <cstdio>

namespace cohort {

namespace {

bool printable(char c) {
  return c >= 0x20 && c <= 0x7e;
}

} // namespace

bool valid_peer_name(std::string_view name) {
  return !name.empty() && name.size() <= max_peer_name &&
         std::all_of(name.begin(), name.end(), printable);
}

std::string loggable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, max_peer_name)) {
    if (printable(c) && c != '\\') {
      out += c;
    } else {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
      out += buf;
    }
  }
  if (text.size() > max_peer_name) {
    out += "...";
  }
  return out;
}

} // namespace cohort
