// libFuzzer target: jobs files (app/jobs_file.cpp), each job checked against the built-in kinds
// as `cohort master --jobs FILE` checks it.
#include "app/jobs_file.hpp"
#include "tests/fuzz/fuzz_support.hpp"
#include "tests/fuzz/main_like.hpp"

#include <sstream>

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cohort::fuzz::set_up();
  cohort::fuzz::builtin_kinds();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in{std::string(cohort::fuzz::as_text(data, size))};
  try {
    auto lines = cohort::app::parse_jobs(in, "fuzz.jsonl", cohort::job_request{});
    auto jobs = cohort::app::check_jobs(lines, "fuzz.jsonl", cohort::fuzz::builtin_kinds());
    cohort::fuzz::require(!jobs.empty());
    for (const auto& checked : jobs) {
      const auto& j = checked.request();
      cohort::fuzz::require(cohort::fuzz::builtin_kinds().find(j.kind) != nullptr);
      cohort::fuzz::require(j.max_attempts >= 1 && (!j.concurrency || *j.concurrency >= 1));
    }
  } catch (const cohort::app::jobs_file_error&) {
  }
  return 0;
}
