// Unit tests of capability words: what a kind needs against what a worker grants, and how
// messages name them.
#include "cohort/capabilities.hpp"

#include <catch2/catch.hpp>

using namespace cohort;

TEST_CASE("capabilities: words joined by commas, each granted or named as missing",
          "[dispatcher]") {
  CHECK(capability_words("") == std::vector<std::string>{});
  CHECK(capability_words("sql, net ") == std::vector<std::string>{"sql", "net"});
  CHECK(capability_words(",exec,") == std::vector<std::string>{"exec"});
  const std::vector<std::string> net_only{"net"};
  CHECK(missing_capability("", net_only).empty());
  CHECK(missing_capability("net", net_only).empty());
  CHECK(missing_capability("sql,net", net_only) == "sql");
  CHECK(missing_capability("sql,net", {"net", "sql", "exec"}).empty());
  CHECK(allow_flags("sql,net") == "--allow-sql --allow-net");
  CHECK(capability_names("exec") == "exec");
  CHECK(capability_names("sql,net") == "sql and net");
  CHECK(capability_names("a,b,c") == "a, b and c");
}
