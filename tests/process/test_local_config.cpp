// configs/local.ini: it loads, every value it sets is taken from it, and a job runs with it.
#include "tests/process/cohort_run.hpp"

#include <catch2/catch.hpp>

#include <sstream>

using namespace cohort::test;
using namespace std::chrono_literals;

namespace {

const std::string local_ini = std::string(COHORT_SOURCE_DIR) + "/configs/local.ini";

} // namespace

TEST_CASE("configs/local.ini loads and its values come from the file", "[config]") {
  auto r = run_cohort({"master", "--config", local_ini, "--print-config"}, 30s);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.err.empty());
  std::istringstream lines(r.out);
  std::string line;
  int from_file = 0;
  while (std::getline(lines, line)) {
    if (line.find("# " + local_ini + ":") != std::string::npos) {
      ++from_file;
    }
  }
  REQUIRE(from_file >= 10);
  REQUIRE(r.out.find("local-workers = 2  # " + local_ini) != std::string::npos);
  REQUIRE(r.out.find("scheduler.max-threads = 3  # " + local_ini) != std::string::npos);
}

TEST_CASE("a job runs with configs/local.ini and the command line wins over it", "[config]") {
  auto r = run_cohort({"master", "--config", local_ini, "--local-workers", "1", "--job", "primes",
                       "--param", "to=1000000"},
                      60s);
  REQUIRE(r.exit_code == 0);
  auto out = job_lines(r.out);
  REQUIRE(out.size() == 1);
  REQUIRE(out[0]["result"]["count"] == 78498);
  REQUIRE(out[0]["stats"]["workers"].size() == 1);
}
