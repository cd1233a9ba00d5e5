// Actor test: nodes that connected and left leave nothing behind in the accepting node's BASP
// broker once forget_departed_nodes ran (CAF 0.17 alone keeps an entry per node for ever).
#include "node/departed_nodes.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/io/basp_broker.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <thread>

using namespace cohort;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<caf::actor_system> networked_system(caf::actor_system_config& cfg) {
  cfg.load<caf::io::middleman>();
  cfg.set("scheduler.max-threads", std::size_t{2});
  return std::make_unique<caf::actor_system>(cfg);
}

// The number of nodes the broker keeps a spawn-server entry for, read on the broker's thread.
std::size_t kept_nodes(caf::actor_system& sys) {
  auto& mm = sys.middleman();
  auto basp = mm.named_broker<caf::io::basp_broker>(caf::atom("BASP"));
  auto* broker = static_cast<caf::io::basp_broker*>(caf::actor_cast<caf::abstract_actor*>(basp));
  std::promise<std::size_t> size;
  mm.backend().dispatch([&, basp] { size.set_value(broker->spawn_servers.size()); });
  return size.get_future().get();
}

template <class Test> bool eventually(Test test) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!test()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

} // namespace

TEST_CASE("departed nodes: what CAF keeps for nodes that left is freed, connected ones stay",
          "[actor][departed_nodes]") {
  caf::actor_system_config server_cfg;
  auto server = networked_system(server_cfg);
  auto echo = server->spawn([]() -> caf::behavior {
    return {[](int x) {
      return x;
    }};
  });
  auto port = server->middleman().publish(echo, 0, "127.0.0.1");
  REQUIRE(port);

  constexpr std::size_t gone = 5;
  for (std::size_t i = 0; i < gone; ++i) {
    caf::actor_system_config cfg;
    auto client = networked_system(cfg);
    auto remote = client->middleman().remote_actor("127.0.0.1", *port);
    REQUIRE(remote);
    caf::scoped_actor self{*client};
    self->request(*remote, 5s, static_cast<int>(i))
        .receive([&](int x) { CHECK(x == static_cast<int>(i)); },
                 [](caf::error&) { FAIL("no answer"); });
  }
  caf::actor_system_config staying_cfg;
  auto staying = networked_system(staying_cfg);
  REQUIRE(staying->middleman().remote_actor("127.0.0.1", *port));

  // CAF alone: an entry for every node, gone or not.
  REQUIRE(eventually([&] { return kept_nodes(*server) == gone + 1; }));
  std::this_thread::sleep_for(200ms);
  CHECK(kept_nodes(*server) == gone + 1);

  forget_departed_nodes(*server, basp_broker_of(*server));
  CHECK(eventually([&] { return kept_nodes(*server) == 1; }));

  auto sweeper = spawn_departed_node_sweeper(*server, 20ms);
  staying.reset();
  CHECK(eventually([&] { return kept_nodes(*server) == 0; }));
  caf::anon_send_exit(sweeper, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
}
