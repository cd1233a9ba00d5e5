// Unit tests of the sql kind's plan without a server: its checks of the parameters, how keys are
// cut into ranges and spread over shards, and how the master reads workers' answers.
#include "jobs/sql_kind.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>

using namespace cohort;

namespace {

params sql_params(std::uint64_t to, std::uint64_t tasks, std::string dsn = "host=127.0.0.1") {
  params p;
  p.set("query", "select count(*) as n from t where id >= $1 and id < $2");
  p.set("dsn", std::move(dsn));
  p.set("to", std::to_string(to));
  p.set("tasks", std::to_string(tasks));
  p.set("reduce", "sum:n");
  return p;
}

std::string refusal(const params& p) {
  try {
    make_sql_kind()->validate(p);
  } catch (const param_error& e) {
    return e.what();
  }
  return "accepted";
}

} // namespace

TEST_CASE("sql kind: keys are cut into contiguous ranges, each on every shard, even near 2^63",
          "[sql]") {
  constexpr auto top = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  const auto plan = make_sql_kind()->split(sql_params(top, 64, "host=a | host=b"));
  REQUIRE(plan->task_count() == 128);
  std::uint64_t next = 0;
  for (std::uint64_t i = 0; i < plan->task_count(); i += 2) {
    const auto a = plan->make_task(i);
    const auto b = plan->make_task(i + 1);
    CHECK(a.lo == next);
    CHECK(a.hi > a.lo);
    CHECK((b.lo == a.lo && b.hi == a.hi));
    next = a.hi;
  }
  CHECK(next == top);
  CHECK(plan->describe(3) == "index=3 keys [" + std::to_string(plan->make_task(3).lo) + ", " +
                                 std::to_string(plan->make_task(3).hi) + ") shard 1");
  // Fewer keys than tasks: a key a task.
  CHECK(make_sql_kind()->split(sql_params(5, 64))->task_count() == 5);
}

TEST_CASE("sql kind: bad parameters are refused naming them", "[sql]") {
  CHECK(refusal(sql_params(10, 2)) == "accepted");
  CHECK_THAT(refusal(sql_params(static_cast<std::uint64_t>(1) << 63, 2)),
             Catch::Contains("keys are bigints"));
  CHECK_THAT(refusal(sql_params(0, 2)), Catch::Contains("must be more than 'from'"));
  CHECK_THAT(refusal(sql_params(10, 0)), Catch::Contains("'tasks' must be at least 1"));
  CHECK_THAT(refusal(sql_params(10, 2, "host=a password=x")),
             Catch::Contains("shard 0: a PostgreSQL connection string must not hold a password"));
  auto no_bounds = sql_params(10, 2);
  no_bounds.set("query", "select 1");
  CHECK_THAT(refusal(no_bounds), Catch::Contains("must use $1 and $2"));
  auto bad_reduce = sql_params(10, 2);
  bad_reduce.set("reduce", "avg:n");
  CHECK_THAT(refusal(bad_reduce), Catch::Contains("unknown operation 'avg'"));
  const auto huge = static_cast<std::uint64_t>(1) << 62;
  CHECK_THAT(refusal(sql_params(huge, huge, "host=a|host=b|host=c|host=d")),
             Catch::Contains("more tasks than a job can hold"));
  auto no_dsn = sql_params(10, 2);
  no_dsn.set("dsn", "");
  CHECK(make_sql_kind()->split(no_dsn)->task_count() == 2);
}

TEST_CASE("sql kind: rows come back in task order, and answers that are not rows are refused",
          "[sql]") {
  auto p = sql_params(4, 2);
  p.set("reduce", "rows");
  const auto plan = make_sql_kind()->split(p);
  auto r = plan->make_reducer();
  r->merge({1, R"({"columns":["id"],"rows":[["2"],["3"]]})"});
  r->merge({0, R"({"columns":["id"],"rows":[["0"],[null]]})"});
  CHECK(r->render().dump() == R"({"columns":["id"],"rows":[["0"],[null],["2"],["3"]]})");
  CHECK_THROWS_AS(r->merge({0, "[1]"}), std::invalid_argument);
  CHECK_THROWS_WITH(r->merge({1, R"({"columns":["id"],"rows":[]})"}),
                    "sql: two answers carry the rows of task 1");
  CHECK_THROWS_AS(r->merge({0, R"({"columns":["id"],"rows":[["1","2"]]})"}), std::invalid_argument);
  CHECK_THROWS_AS(r->merge({0, R"({"columns":["id"],"rows":[[1]]})"}), std::invalid_argument);
}
