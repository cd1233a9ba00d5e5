// Regressions found by fuzzing the jobs file (tests/fuzz/fuzz_jobs_file, docs/fuzzing.md): a
// number beyond double's range escaped as nlohmann's out_of_range and aborted `cohort master
// --jobs`, and a deeply nested line overflowed the stack while its error message was rendered.
#include "app/jobs_file.hpp"

#include <catch2/catch.hpp>

#include <sstream>

namespace {

std::string error_of(const std::string& text) {
  std::istringstream in(text);
  try {
    cohort::app::parse_jobs(in, "jobs.jsonl", cohort::job_request{});
  } catch (const cohort::app::jobs_file_error& e) {
    return e.what();
  }
  FAIL("no jobs_file_error thrown");
  return {};
}

} // namespace

TEST_CASE("regression: a number beyond double's range is a line error", "[jobs_file][fuzz]") {
  CHECK(error_of("7e44444") == "jobs.jsonl:1: bad JSON: number overflow parsing '7e44444'");
  CHECK(error_of("{\"job\": \"sleep\"}\n{\"job\": \"sleep\", \"params\": {\"ms\": -1e999}}") ==
        "jobs.jsonl:2: bad JSON: number overflow parsing '-1e999'");
}

TEST_CASE("regression: a deeply nested line is a line error", "[jobs_file][fuzz]") {
  constexpr std::size_t depth = 200'000;
  CHECK(error_of(std::string(depth, '[') + std::string(depth, ']')) ==
        "jobs.jsonl:1: JSON nested deeper than 32 levels");
  CHECK(error_of("{\"job\": \"sleep\", \"params\": {\"x\": " + std::string(depth, '[') +
                 std::string(depth, ']') + "}}") ==
        "jobs.jsonl:1: JSON nested deeper than 32 levels");
}

TEST_CASE("regression: 32 levels of nesting still parse", "[jobs_file][fuzz]") {
  // The line's object is level 0, so a value 31 arrays deep inside "params" sits at depth 32.
  std::string deep = std::string(31, '[') + std::string(31, ']');
  CHECK(error_of("{\"job\": \"sleep\", \"params\": {\"x\": " + deep + "}}") ==
        "jobs.jsonl:1: field 'params.x' must be a string, number or bool, got " + deep);
}
