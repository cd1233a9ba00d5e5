// Unit tests of the embedding API's log settings.
#include "cohort/log.hpp"
#include "cohort/params.hpp"

#include <catch2/catch.hpp>
#include <spdlog/spdlog.h>

using namespace cohort;

TEST_CASE("set_log_level makes spdlog's default logger cohort's, at that level", "[log]") {
  set_log_level(log_level::warn);
  auto logger = spdlog::default_logger();
  CHECK(logger->name() == "cohort");
  CHECK(logger->level() == spdlog::level::warn);
  CHECK_FALSE(logger->should_log(spdlog::level::info));
  set_log_level(log_level::off);
  CHECK(spdlog::default_logger()->level() == spdlog::level::off);
  set_log_level(log_level::info);
  CHECK(spdlog::default_logger()->should_log(spdlog::level::info));
}

TEST_CASE("log levels are read by name, and an unknown one names those known", "[log]") {
  CHECK(parse_log_level("debug") == log_level::debug);
  CHECK(parse_log_level("error") == log_level::error);
  CHECK_THROWS_WITH(parse_log_level("loud"),
                    "unknown log level 'loud' (known: trace, debug, info, warn, error, off)");
}
