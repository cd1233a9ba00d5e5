// The CAF settings cohort passes on: the runtime's scheduler defaults, and that CAF holds them.
#include "actors/caf_settings.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/settings.hpp>
#include <catch2/catch.hpp>

#include <stdexcept>

using namespace cohort;

TEST_CASE("scheduler defaults: threads and a short idle poll, unless given", "[caf]") {
  auto s = with_scheduler_defaults({}, 3);
  CHECK(s.at("scheduler.max-threads") == "3");
  CHECK(s.at("work-stealing.moderate-poll-attempts") == "1");

  auto given = with_scheduler_defaults(
      {{"scheduler.max-threads", "8"}, {"work-stealing.moderate-poll-attempts", "500"}}, 3);
  CHECK(given.at("scheduler.max-threads") == "8");
  CHECK(given.at("work-stealing.moderate-poll-attempts") == "500");
}

TEST_CASE("scheduler defaults reach CAF's config under the keys its scheduler reads", "[caf]") {
  caf::actor_system_config cfg;
  auto s = with_scheduler_defaults({}, 2);
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
