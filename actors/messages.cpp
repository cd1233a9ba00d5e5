// Message-type registration and the process's local proof.
#include "actors/messages.hpp"

#include "core/message_auth.hpp"

#include <caf/sec.hpp>

namespace cohort {

namespace {

std::uint64_t process_key() {
  static const std::uint64_t key = [] {
    auto k = random_key();
    std::uint64_t x = 0;
    for (int i = 0; i < 8; ++i) {
      x = (x << 8) | k[static_cast<std::size_t>(i)];
    }
    return x;
  }();
  return key;
}

} // namespace

local_proof local() {
  return {process_key()};
}

bool is_local(const local_proof& p) {
  return p.key == process_key();
}

caf::error refused(const std::string& why) {
  return caf::make_error(caf::sec::runtime_error, why);
}

void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<worker_hello>("cohort::worker_hello");
  cfg.add_message_type<handshake_answer>("cohort::handshake_answer");
  cfg.add_message_type<envelope>("cohort::envelope");
}

} // namespace cohort
