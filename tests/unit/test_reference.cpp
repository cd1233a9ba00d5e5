// docs/reference.md carries the option and kind tables the binary would write: a change to an
// option or a parameter that is not written into the reference fails here. Mend it with
// `build/tests/write_reference docs/reference.md`.
#include "app/reference_sections.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

TEST_CASE("docs/reference.md holds the generated option and kind tables", "[reference]") {
  std::ifstream in(std::string(COHORT_SOURCE_DIR) + "/docs/reference.md");
  REQUIRE(in);
  std::ostringstream doc;
  doc << in.rdbuf();
  auto sections = cohort::app::reference_sections(*cohort::builtin_registry());
  CHECK(cohort::app::with_sections(doc.str(), sections) == doc.str());
  for (const auto& s : sections) {
    CHECK(doc.str().find(s.text) != std::string::npos);
  }
}

TEST_CASE("the reference lists every option and every kind's parameters", "[reference]") {
  auto sections = cohort::app::reference_sections(*cohort::builtin_registry());
  REQUIRE(sections.size() == 2);
  const auto& options = sections[0].text;
  for (const char* o : {"`--job KIND`", "`--slots N`", "`--middleman.heartbeat-interval DUR`",
                        "`--slowdown F`", "`--token-file FILE`"}) {
    CHECK(options.find(o) != std::string::npos);
  }
  CHECK(options.find("| `--slots N` | `1` |") != std::string::npos);
  const auto& kinds = sections[1].text;
  for (const char* k : {"### primes", "### wordcount", "### sleep", "### chaos", "### exec"}) {
    CHECK(kinds.find(k) != std::string::npos);
  }
  CHECK(kinds.find("| `to` | `INT` | required |") != std::string::npos);
  CHECK(kinds.find("| `ship` | `bytes\\|path` | `bytes` |") != std::string::npos);
}
