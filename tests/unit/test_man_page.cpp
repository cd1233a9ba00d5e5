// Unit tests of the man page: roff escaping, and every option and kind parameter of --help and
// docs/reference.md in it with the same words.
#include "app/man_page.hpp"
#include "app/option_schema.hpp"
#include "app/reference_sections.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace cohort;
using namespace cohort::app;

TEST_CASE("man page: roff text escapes backslashes and hyphens and guards leading dots", "[man]") {
  CHECK(roff_text("--listen") == "\\-\\-listen");
  CHECK(roff_text("a\\b") == "a\\eb");
  CHECK(roff_text(".hidden\n'quoted") == "\\&.hidden\n\\&'quoted");
  CHECK(roff_text("x.y") == "x.y");
}

TEST_CASE("man page: every option and every kind's parameter, with the reference's words",
          "[man]") {
  const auto kinds = builtin_registry();
  const auto page = man_page(*kinds, "9.9.9");
  CHECK(page.rfind(".TH COHORT 1 \"\" \"cohort 9.9.9\"", 0) == 0);
  std::ifstream in(std::string(COHORT_SOURCE_DIR) + "/docs/reference.md");
  std::stringstream doc;
  doc << in.rdbuf();
  // The reference is the generated text (test_reference checks it), so a row in both means the
  // page says what the reference says.
  for (const auto& o : option_schema()) {
    INFO(o.name);
    CHECK(page.find("\\fB" + roff_text("--" + std::string(o.name)) + "\\fR") != std::string::npos);
    CHECK(page.find(roff_text(o.help)) != std::string::npos);
    std::string cell;
    for (char c : std::string(o.help).substr(0, 20)) {
      cell += c == '|' ? std::string("\\|") : std::string(1, c);
    }
    CHECK(doc.str().find(cell) != std::string::npos);
  }
  for (const auto& name : kinds->names()) {
    const auto k = kinds->find(name);
    CHECK(page.find(".SS " + roff_text(name) + "\n") != std::string::npos);
    for (const auto& p : k->parameters()) {
      INFO(name << " " << p.name);
      CHECK(page.find("\\fB" + roff_text(p.name) + "\\fR=") != std::string::npos);
      CHECK(page.find(roff_text(p.meaning)) != std::string::npos);
    }
  }
}
