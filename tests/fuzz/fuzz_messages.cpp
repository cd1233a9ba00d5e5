// libFuzzer target: what a remote peer's bytes can become. The first byte picks a type CAF decodes
// for us (a worker's hello, a handshake's answer, an envelope), each decoded alone and checked to
// re-encode stably; the body of an envelope as core/wire.hpp decodes it (and re-encodes); an
// envelope offered to a session that never sealed it (it must never open); or a whole BASP
// payload, read as CAF 0.17.6 reads one (libcaf_io/caf/io/basp/remote_message_handler.hpp: the
// forwarding stages, then a caf::message of registered types) and matched as the actors match it.
#include "actors/messages.hpp"
#include "core/session.hpp"
#include "core/wire.hpp"
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
    if (msg.match_element<worker_hello>(i) || msg.match_element<handshake_answer>(i) ||
        msg.match_element<envelope>(i)) {
      return true;
    }
  }
  return false;
}

/// CAF 0.17.6's own defects in decoding its built-in types (docs/fuzzing.md), left out so the
/// fuzzer spends its time on ours: a std::vector<char> is resized to the length the bytes claim
/// before they are checked (4 GiB from 5 bytes), a caf::variant with a bad type index throws
/// std::runtime_error out of the deserializer, which terminates a node when BASP decodes it, and
/// a caf::duration decoded with a time unit out of range crashes to_string.
constexpr std::string_view caf_defects[] = {"@charbuf", "@config_value", "@downstream_msg",
                                            "@upstream_msg", "@duration"};

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

/// Our wire decoding: refuses with wire_error, or gives a message that encodes to the same bytes.
void decode_body(std::string_view bytes) {
  try {
    auto m = cohort::decode(bytes);
    require(cohort::encode(m) == bytes);
  } catch (const cohort::wire_error&) {
  }
}

/// An envelope no one sealed under this session's key never opens, whatever it holds.
void open_forged(caf::execution_unit& ctx, std::string_view bytes) {
  cohort::envelope e;
  caf::binary_deserializer source{&ctx, bytes.data(), bytes.size()};
  if (source(e)) {
    return;
  }
  static const cohort::key128 key = cohort::random_key();
  cohort::session s(e.session, key, cohort::direction::to_master, cohort::direction::to_worker);
  require(!s.open(e));
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
    decode<cohort::handshake_answer>(ctx, bytes);
    break;
  case 2:
    decode<cohort::envelope>(ctx, bytes);
    break;
  case 3:
    decode_body(bytes);
    break;
  case 4:
    open_forged(ctx, bytes);
    break;
  default:
    decode_payload(ctx, bytes);
  }
  return 0;
}
