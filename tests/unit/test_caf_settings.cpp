// The CAF settings cohort passes on: typed settings become CAF's keys, with the runtime's scheduler
// defaults, and CAF holds them.
#include "node/caf_settings.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/settings.hpp>
#include <catch2/catch.hpp>

#include <stdexcept>

using namespace cohort;
using namespace std::chrono_literals;

TEST_CASE("CAF keys: threads, a short idle poll and heartbeats by default", "[caf]") {
  auto s = caf_keys({}, {}, 3);
  CHECK(s.at("scheduler.max-threads") == "3");
  CHECK(s.at("scheduler.policy") == "stealing");
  CHECK(s.count("scheduler.max-throughput") == 0);
  CHECK(s.at("work-stealing.moderate-poll-attempts") == "1");
  CHECK(s.at("middleman.heartbeat-interval") == "500ms");
  CHECK(s.at("middleman.connection-timeout") == "2s");
}

TEST_CASE("CAF keys: what was given wins", "[caf]") {
  scheduler_settings sched;
  sched.max_threads = 8;
  sched.policy = scheduler_policy::sharing;
  sched.max_throughput = 100;
  network_settings net;
  net.heartbeat_interval = std::nullopt;
  net.connection_timeout = 6s;
  auto s = caf_keys(sched, net, 3);
  CHECK(s.at("scheduler.max-threads") == "8");
  CHECK(s.at("scheduler.policy") == "sharing");
  CHECK(s.at("scheduler.max-throughput") == "100");
  CHECK(s.at("middleman.heartbeat-interval") == "off");
  CHECK(s.at("middleman.connection-timeout") == "6s");
}

TEST_CASE("CAF keys reach CAF's config under the keys its scheduler reads", "[caf]") {
  caf::actor_system_config cfg;
  auto s = caf_keys({}, {}, 2);
  apply_caf_settings(cfg, s);
  CHECK(caf::get_or(cfg, "work-stealing.moderate-poll-attempts", std::size_t{0}) == 1);
  CHECK(caf::get_or(cfg, "scheduler.max-threads", std::size_t{0}) == 2);
  CHECK_NOTHROW(verify_caf_settings(cfg, s));
}

TEST_CASE("a poll count CAF cannot take is refused with the key", "[caf]") {
  caf::actor_system_config cfg;
  CHECK_THROWS_WITH(apply_caf_settings(cfg, {{"work-stealing.moderate-poll-attempts", "0"}}),
                    Catch::Contains("work-stealing.moderate-poll-attempts"));
}
