// CAF's own parsers ignore unknown keys and wrongly typed values, so cohort keeps the list of keys
// it passes on, converts each value itself, and reads them back once the system runs.
#include "node/caf_settings.hpp"

#include "cohort/units.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/settings.hpp>
#include <caf/timespan.hpp>

#include <stdexcept>

namespace cohort {

namespace {

enum class kind { count, policy, duration };

kind kind_of(const std::string& key) {
  if (key == "scheduler.max-threads" || key == "scheduler.max-throughput" ||
      key == "work-stealing.moderate-poll-attempts") {
    return kind::count;
  }
  if (key == "scheduler.policy") {
    return kind::policy;
  }
  if (key == "middleman.heartbeat-interval" || key == "middleman.connection-timeout") {
    return kind::duration;
  }
  throw std::invalid_argument("unknown CAF setting '" + key + "'");
}

[[noreturn]] void bad(const std::string& key, const std::string& value, const std::string& why) {
  throw std::invalid_argument("bad value '" + value + "' for " + key + ": " + why);
}

std::size_t count_of(const std::string& key, const std::string& value) {
  try {
    auto n = parse_u64(value);
    if (n == 0) {
      bad(key, value, "must be at least 1");
    }
    return static_cast<std::size_t>(n);
  } catch (const std::invalid_argument&) {
    bad(key, value, "expected a positive integer");
  }
}

caf::timespan duration_of(const std::string& key, const std::string& value) {
  try {
    auto d = parse_duration(value);
    return caf::timespan{d ? d->count() : 0};
  } catch (const std::invalid_argument&) {
    bad(key, value, "expected a duration such as 500ms or off");
  }
}

void check_value(const std::string& key, const std::string& value) {
  switch (kind_of(key)) {
  case kind::count:
    count_of(key, value);
    break;
  case kind::policy:
    if (value != "stealing" && value != "sharing") {
      bad(key, value, "expected stealing or sharing");
    }
    break;
  case kind::duration:
    duration_of(key, value);
    break;
  }
}

} // namespace

std::map<std::string, std::string> caf_keys(const scheduler_settings& scheduler,
                                            const network_settings& network, std::size_t threads) {
  std::map<std::string, std::string> keys;
  keys["scheduler.max-threads"] =
      std::to_string(scheduler.max_threads ? std::size_t{*scheduler.max_threads} : threads);
  keys["scheduler.policy"] = scheduler.policy == scheduler_policy::sharing ? "sharing" : "stealing";
  if (scheduler.max_throughput) {
    keys["scheduler.max-throughput"] = std::to_string(*scheduler.max_throughput);
  }
  // CAF 0.17's idle thread polls its queue 100 times, then 500 times with a 50 us sleep between
  // (20,000 wake-ups a second while any message arrives every few ms), before it waits on a
  // condition variable. Beside CPU-bound tasks that polling took 5-10% of a core; one moderate
  // poll leaves the spin and goes to the wait (docs/benchmarks.md, benchmark 1).
  keys["work-stealing.moderate-poll-attempts"] = "1";
  keys["middleman.heartbeat-interval"] = format_duration(network.heartbeat_interval);
  keys["middleman.connection-timeout"] = format_duration(network.connection_timeout);
  return keys;
}

void apply_caf_settings(caf::actor_system_config& cfg,
                        const std::map<std::string, std::string>& settings) {
  for (const auto& [key, value] : settings) {
    switch (kind_of(key)) {
    case kind::count:
      cfg.set(key, count_of(key, value));
      break;
    case kind::policy:
      check_value(key, value);
      cfg.set(key, caf::atom_from_string(value));
      break;
    case kind::duration:
      cfg.set(key, duration_of(key, value));
      break;
    }
  }
}

void verify_caf_settings(const caf::actor_system_config& cfg,
                         const std::map<std::string, std::string>& settings) {
  for (const auto& [key, value] : settings) {
    bool held = false;
    switch (kind_of(key)) {
    case kind::count:
      held = caf::get_or(cfg, key, std::size_t{0}) == count_of(key, value);
      break;
    case kind::policy:
      held = caf::get_or(cfg, key, caf::atom("")) == caf::atom_from_string(value);
      break;
    case kind::duration:
      held = caf::get_or(cfg, key, caf::timespan{-1}) == duration_of(key, value);
      break;
    }
    if (!held) {
      throw std::invalid_argument("CAF did not take " + key + " = " + value);
    }
  }
}

} // namespace cohort
