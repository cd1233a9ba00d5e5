// What the unit tests of the master core share: a batch answered ok, and the line of the one job
// that ended.
#pragma once

#include "core/master_core.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <vector>

namespace cohort::test {

/// An ok answer, counting 1, for every task of `b`.
inline std::vector<task_result> answers(const outgoing_batch& b) {
  std::vector<task_result> out;
  for (const auto& t : b.tasks) {
    out.push_back({t.index, t.attempt, task_outcome::ok, partial{1, {}}, {}});
  }
  return out;
}

/// The line of the one job that ended since the last call.
inline nlohmann::json ended_json(master_core& m) {
  auto ended = m.take_ended();
  REQUIRE(ended.size() == 1);
  return nlohmann::json::parse(ended[0].outcome.json);
}

} // namespace cohort::test
