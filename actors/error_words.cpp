// Each CAF system and exit code a cohort process meets, in words; the rest by number.
#include "actors/error_words.hpp"

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/exit_reason.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace cohort {

namespace {

std::string sec_words(caf::sec s) {
  switch (s) {
  case caf::sec::request_timeout:
  case caf::sec::connection_timeout:
    return "no answer in time";
  case caf::sec::request_receiver_down:
    return "the peer is gone";
  case caf::sec::no_actor_published_at_port:
    return "no cohort node is published there";
  case caf::sec::disconnect_during_handshake:
    return "the peer closed the connection during the handshake";
  case caf::sec::cannot_connect_to_node:
    return "cannot connect";
  case caf::sec::cannot_open_port:
    return "cannot open the port";
  case caf::sec::incompatible_versions:
  case caf::sec::incompatible_application_ids:
    return "the peer speaks another version of the protocol";
  case caf::sec::malformed_basp_message:
    return "the peer sent a malformed message";
  case caf::sec::no_route_to_receiving_node:
    return "no route to the peer";
  case caf::sec::unexpected_message:
  case caf::sec::unexpected_response:
    return "the peer answered something unexpected";
  default:
    return "network error " + std::to_string(static_cast<int>(s));
  }
}

std::string exit_words(caf::exit_reason r) {
  switch (r) {
  case caf::exit_reason::normal:
  case caf::exit_reason::user_shutdown:
    return "ended";
  case caf::exit_reason::remote_link_unreachable:
  case caf::exit_reason::unreachable:
    return "connection closed";
  case caf::exit_reason::kill:
    return "killed";
  case caf::exit_reason::unhandled_exception:
    return "failed with an exception";
  default:
    return "ended abnormally";
  }
}

} // namespace

std::string plain_words(const caf::error& err) {
  if (!err) {
    // exit_reason::normal is no error at all, and has no context to read.
    return "ended";
  }
  if (const auto& ctx = err.context(); ctx.match_elements<std::string>()) {
    return ctx.get_as<std::string>(0);
  }
  if (err.category() == caf::atom("system")) {
    return sec_words(static_cast<caf::sec>(err.code()));
  }
  if (err.category() == caf::atom("exit")) {
    return exit_words(static_cast<caf::exit_reason>(err.code()));
  }
  return "error " + std::to_string(err.code());
}

} // namespace cohort
