// The actor system of the actor-level unit tests: the protocol's message types and three threads.
#pragma once

#include "actors/messages.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <memory>

namespace cohort::test {

struct system_fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  system_fixture() {
    add_message_types(cfg);
    cfg.set("scheduler.max-threads", std::size_t{3});
    sys = std::make_unique<caf::actor_system>(cfg);
  }
};

} // namespace cohort::test
