// The embedding API's log set-up: a stderr logger in cohort's format as spdlog's default.
#include "cohort/log.hpp"

#include "cohort/params.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <string>
#include <utility>

namespace cohort {

namespace {

constexpr std::array<std::pair<std::string_view, log_level>, 6> levels{{
    {"trace", log_level::trace},
    {"debug", log_level::debug},
    {"info", log_level::info},
    {"warn", log_level::warn},
    {"error", log_level::error},
    {"off", log_level::off},
}};

spdlog::level::level_enum to_spdlog(log_level l) {
  switch (l) {
  case log_level::trace:
    return spdlog::level::trace;
  case log_level::debug:
    return spdlog::level::debug;
  case log_level::info:
    return spdlog::level::info;
  case log_level::warn:
    return spdlog::level::warn;
  case log_level::error:
    return spdlog::level::err;
  case log_level::off:
    break;
  }
  return spdlog::level::off;
}

} // namespace

void set_log_level(log_level level) {
  auto logger =
      std::make_shared<spdlog::logger>("cohort", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern(log_pattern);
  logger->set_level(to_spdlog(level));
  spdlog::set_default_logger(std::move(logger));
}

log_level parse_log_level(std::string_view name) {
  for (const auto& [text, level] : levels) {
    if (text == name) {
      return level;
    }
  }
  throw param_error("unknown log level '" + std::string(name) +
                    "' (known: trace, debug, info, warn, error, off)");
}

} // namespace cohort
