// Unit tests of the counting reducer shared by primes, sleep and chaos, and of the kinds' plans.
#include "cohort/checked_job.hpp"
#include "cohort/count_reducer.hpp"
#include "cohort/registry.hpp"

#include <catch2/catch.hpp>

using namespace cohort;

TEST_CASE("count_reducer sums partial counts under its key", "[reducer]") {
  count_reducer r("count");
  r.merge(partial{3, {}});
  r.merge(partial{0, {}});
  r.merge(partial{39, "ignored"});
  REQUIRE(r.render().dump() == R"({"count":42})");
}

TEST_CASE("primes chunks cover from..to without gaps or overlaps", "[reducer]") {
  auto kinds = builtin_registry();
  auto primes = kinds->find("primes");
  REQUIRE(primes != nullptr);
  for (auto [from, to, tasks] :
       {std::tuple{0ULL, 100ULL, 7ULL}, std::tuple{5ULL, 6ULL, 3ULL},
        std::tuple{0ULL, 18446744073709551615ULL, 2ULL}, std::tuple{1000ULL, 1000ULL, 1ULL}}) {
    params p;
    p.set("from", std::to_string(from));
    p.set("to", std::to_string(to));
    p.set("tasks", std::to_string(tasks));
    auto plan = primes->split(p);
    std::uint64_t at = from;
    for (std::uint64_t i = 0; i < plan->task_count(); ++i) {
      auto t = plan->make_task(i);
      REQUIRE(t.lo == at);
      REQUIRE(t.hi >= t.lo);
      at = t.hi;
    }
    REQUIRE(at == to);
  }
}

TEST_CASE("primes rejects from > to and unknown params, naming them", "[reducer]") {
  auto kinds = builtin_registry();
  auto primes = kinds->find("primes");
  params p;
  p.set("from", "10");
  p.set("to", "3");
  REQUIRE_THROWS_WITH(primes->validate(p), Catch::Contains("from=10") && Catch::Contains("to=3"));
  params q;
  q.set("to", "3");
  q.set("bogus", "1");
  job_request job;
  job.kind = "primes";
  job.args = q;
  REQUIRE_THROWS_WITH(check_job(*kinds, job),
                      "primes: unknown param 'bogus' (known: from, to, tasks)");
}

TEST_CASE("chaos marks faulty tasks and checks their indices", "[reducer]") {
  auto kinds = builtin_registry();
  auto chaos = kinds->find("chaos");
  params p;
  p.set("tasks", "5");
  p.set("throw", "1,3");
  p.set("ms", "10");
  auto plan = chaos->split(p);
  REQUIRE(plan->task_count() == 5);
  REQUIRE(plan->make_task(1).lo != 0);
  REQUIRE(plan->make_task(2).lo == 0);
  REQUIRE(plan->make_task(2).hi == 10000);
  params bad;
  bad.set("tasks", "5");
  bad.set("abort", "9");
  REQUIRE_THROWS_WITH(chaos->validate(bad), Catch::Contains("task 9"));
}
