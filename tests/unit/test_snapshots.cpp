// Unit tests of the reducers' snapshots (--journal): a reducer restored from a snapshot renders,
// after the same later merges, what the reducer it was taken from renders; bytes that are no
// snapshot throw.
#include "cohort/count_reducer.hpp"
#include "cohort/registry.hpp"
#include "jobs/exec_format.hpp"
#include "jobs/word_codec.hpp"
#include "jobs/word_table.hpp"
#include "tests/unit/scratch_dir.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using namespace cohort;

namespace {

partial words(std::initializer_list<std::pair<const char*, std::uint64_t>> counts) {
  word_table t;
  std::uint64_t total = 0;
  for (const auto& [w, n] : counts) {
    t.add(w, n);
    total += n;
  }
  return partial{total, encode_counts(t)};
}

partial command_result(std::uint64_t index, int exit_code, std::string out) {
  exec_result r;
  r.index = index;
  r.exit_code = exit_code;
  r.stdout_tail = std::move(out);
  r.wall_ns = 1000 * (index + 1);
  return partial{1, encode_result(r)};
}

// Merges `before` into a reducer, restores a fresh one from its snapshot, merges `after` into both
// and compares what they render.
void check_round_trip(const job_plan& plan, std::vector<partial> before,
                      std::vector<partial> after) {
  auto original = plan.make_reducer();
  for (auto& p : before) {
    original->merge(partial(p));
  }
  const auto bytes = original->snapshot();
  REQUIRE(bytes);
  auto restored = plan.make_reducer();
  restored->restore(*bytes);
  for (auto& p : after) {
    original->merge(partial(p));
    restored->merge(std::move(p));
  }
  CHECK(restored->render().dump() == original->render().dump());
  CHECK(restored->snapshot() == original->snapshot());
}

std::unique_ptr<job_plan> plan_of(const std::string& kind,
                                  std::vector<std::pair<std::string, std::string>> ps) {
  static const auto kinds = builtin_registry();
  params p;
  for (const auto& [k, v] : ps) {
    p.set(k, v);
  }
  return kinds->find(kind)->split(p);
}

} // namespace

TEST_CASE("snapshots: counting kinds resume their sum", "[snapshot]") {
  for (const auto& kind : {"primes", "sleep"}) {
    INFO(kind);
    auto plan = plan_of(kind, {{"tasks", "4"}});
    check_round_trip(*plan, {{3, {}}, {5, {}}}, {{7, {}}});
    check_round_trip(*plan, {}, {{1, {}}});
  }
  count_reducer r("n");
  CHECK_THROWS_AS(r.restore(""), std::invalid_argument);
  CHECK_THROWS_AS(r.restore("12x"), std::invalid_argument);
  CHECK_THROWS_AS(r.restore("-1"), std::invalid_argument);
  CHECK_THROWS_AS(r.restore("99999999999999999999999"), std::invalid_argument);
  r.restore("18446744073709551615");
  CHECK(r.render()["n"] == 18446744073709551615ULL);
}

TEST_CASE("snapshots: wordcount resumes its table and total", "[snapshot]") {
  auto plan = plan_of("wordcount", {{"path", COHORT_SOURCE_DIR "/README.md"}, {"top", "3"}});
  check_round_trip(*plan, {words({{"alpha", 3}, {"beta", 1}}), words({{"beta", 4}})},
                   {words({{"gamma", 2}, {"alpha", 1}})});
  check_round_trip(*plan, {}, {words({{"one", 1}})});
  auto r = plan->make_reducer();
  CHECK_THROWS_AS(r->restore(""), std::invalid_argument);
  // A total that the counts do not sum to.
  std::string bad;
  put_varint(bad, 5);
  bad += words({{"alpha", 3}}).data;
  CHECK_THROWS_AS(r->restore(bad), std::invalid_argument);
  CHECK(r->render()["total"] == 0);
}

TEST_CASE("snapshots: exec resumes the commands that ended", "[snapshot]") {
  const test::scratch_dir dir;
  const auto file = dir.write("commands.jsonl", R"({"sh": "true"})"
                                                "\n"
                                                R"({"argv": ["echo", "x"]})"
                                                "\n"
                                                R"({"sh": "exit 3"})"
                                                "\n");
  auto plan = plan_of("exec", {{"file", file.string()}});
  check_round_trip(*plan, {command_result(2, 3, "three"), command_result(0, 0, "")},
                   {command_result(1, 0, "x\n")});
  check_round_trip(*plan, {}, {command_result(0, 0, "")});
  auto r = plan->make_reducer();
  CHECK_THROWS_AS(r->restore(""), std::invalid_argument);
  auto good = *plan->make_reducer()->snapshot();
  CHECK_THROWS_AS(r->restore(good + "x"), std::invalid_argument);
  std::string two;
  put_varint(two, 2);
  put_bytes(two, command_result(0, 0, "").data);
  CHECK_THROWS_AS(r->restore(two), std::invalid_argument);
  CHECK(r->render()["commands"].empty());
}
