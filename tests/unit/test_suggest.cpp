// Unit tests of the typo suggestion: close words are found, far ones are not.
#include "app/suggest.hpp"

#include <catch2/catch.hpp>

using cohort::app::did_you_mean;
using cohort::app::nearest;

TEST_CASE("suggest: a typo finds the option it was meant to be", "[suggest]") {
  const std::vector<std::string> known{"listen", "log-level", "local-workers", "slots", "master"};
  CHECK(nearest("lisen", known) == "listen");
  CHECK(nearest("lsiten", known) == "listen");
  CHECK(nearest("slot", known) == "slots");
  CHECK(nearest("local-worker", known) == "local-workers");
  CHECK(nearest("mastre", known) == "master");
}

TEST_CASE("suggest: a word far from every candidate gets no suggestion", "[suggest]") {
  const std::vector<std::string> known{"listen", "slots"};
  CHECK_FALSE(nearest("frobnicate", known));
  CHECK_FALSE(nearest("x", {"listen"}));
  CHECK_FALSE(nearest("abc", {}));
  CHECK(did_you_mean("frobnicate", known).empty());
  CHECK(did_you_mean("lisen", known, "--") == "; did you mean --listen?");
}
