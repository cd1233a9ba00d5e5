// libFuzzer target: our protocol messages (core/protocol.hpp) decoded from a remote peer's
// bytes. The first byte picks one message type, decoded alone and checked to re-encode stably, or
// a whole BASP payload, read as CAF 0.17.6 reads one (libcaf_io/caf/io/basp/
// remote_message_handler.hpp: the forwarding stages, then a caf::message of registered types)
// and then matched as the master and worker actors match it.
#include "actors/messages.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/message.hpp>
#include <caf/proxy_registry.hpp>
#include <caf/scoped_execution_unit.hpp>

namespace {

using cohort::fuzz::require;

/// Remote actor handles decode to null: BASP's backend would make proxies for them, which need a
/// connection.
struct no_proxies : caf::proxy_registry::backend {
  caf::strong_actor_ptr make_proxy(caf::node_id, caf::actor_id) override { return nullptr; }
  void set_last_hop(caf::node_id*) override {}
};

/// Created once and never destroyed: the types a node registers before it starts.
caf::actor_system* sys = nullptr;

template <class... Ts> std::vector<char> encode(caf::execution_unit& ctx, Ts&... xs) {
  std::vector<char> buf;
  caf::binary_serializer sink{&ctx, buf};
  require(!sink(xs...));
  return buf;
}

/// What decodes must encode, decode and encode again to the same bytes.
template <class T> void decode(caf::execution_unit& ctx, std::string_view bytes) {
  T x;
  caf::binary_deserializer source{&ctx, bytes.data(), bytes.size()};
  if (source(x)) {
    return;
  }
  auto once = encode(ctx, x);
  T y;
  caf::binary_deserializer again{&ctx, once.data(), once.size()};
  require(!again(y) && again.remaining() == 0);
  require(encode(ctx, y) == once);
}

/// Whether the message holds one of our types, as the handlers in actors/*.cpp take them.
bool ours(const caf::message& msg) {
  using namespace cohort;
  for (std::size_t i = 0; i < msg.size(); ++i) {
    if (msg.match_element<worker_hello>(i) || msg.match_element<job_desc>(i) ||
        msg.match_element<std::vector<task_spec>>(i) ||
        msg.match_element<std::vector<task_result>>(i) || msg.match_element<partial>(i)) {
      return true;
    }
  }
  return false;
}

/// CAF 0.17.6's own defects in decoding its built-in types (docs/fuzzing.md), left out so the
/// fuzzer spends its time on ours: a std::vector<char> is resized to the length the bytes claim
/// before they are checked (4 GiB from 5 bytes), and a caf::variant with a bad type index throws
/// std::runtime_error out of the deserializer, which terminates a node when BASP decodes it.
constexpr std::string_view caf_defects[] = {"@charbuf", "@config_value", "@downstream_msg",
                                            "@upstream_msg"};

bool names_caf_defect(std::string_view bytes) {
  for (auto name : caf_defects) {
    if (bytes.find(name) != std::string_view::npos) {
      return true;
    }
  }
  return false;
}

void decode_payload(caf::execution_unit& ctx, std::string_view bytes) {
  if (names_caf_defect(bytes)) {
    return;
  }
  std::vector<caf::strong_actor_ptr> stages;
  caf::message msg;
  caf::binary_deserializer source{&ctx, bytes.data(), bytes.size()};
  if (source(stages, msg)) {
    return;
  }
  // What a log line or an unmatched message prints.
  auto text = caf::to_string(msg);
  require(!ours(msg) || !text.empty());
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  static caf::actor_system_config cfg;
  cohort::add_message_types(cfg);
  cfg.set("scheduler.max-threads", 1);
  sys = new caf::actor_system(cfg);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  auto bytes = cohort::fuzz::as_text(data + 1, size - 1);
  no_proxies backend;
  caf::proxy_registry proxies{*sys, backend};
  caf::scoped_execution_unit ctx{sys};
  ctx.proxy_registry_ptr(&proxies);
  switch (data[0] % 8) {
  case 0:
    decode<cohort::worker_hello>(ctx, bytes);
    break;
  case 1:
    decode<cohort::job_desc>(ctx, bytes);
    break;
  case 2:
    decode<std::vector<cohort::task_spec>>(ctx, bytes);
    break;
  case 3:
    decode<std::vector<cohort::task_result>>(ctx, bytes);
    break;
  case 4:
    decode<cohort::partial>(ctx, bytes);
    break;
  default:
    decode_payload(ctx, bytes);
  }
  return 0;
}
