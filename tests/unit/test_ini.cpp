// The INI reader: sections as key prefixes, comments, line numbers, FILE:LINE on bad lines.
#include "app/ini.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using cohort::app::config_error;
using cohort::app::ini_entry;
using cohort::app::parse_ini;
using cohort::app::read_ini_file;

namespace {

std::vector<ini_entry> parse(const std::string& text) {
  std::istringstream in(text);
  return parse_ini(in, "test.ini");
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const config_error& e) {
    return e.what();
  }
  FAIL("no config_error thrown");
  return {};
}

} // namespace

TEST_CASE("ini: top-level keys, sections, comments and line numbers", "[ini]") {
  auto entries = parse("# a comment\n"
                       "local-workers = 2\n"
                       "\n"
                       "   ; another comment\n"
                       "[middleman]\n"
                       "heartbeat-interval=2s\n"
                       "  connection-timeout   =   5s  \n"
                       "[ scheduler ]\n"
                       "max-threads = 3\r\n");
  REQUIRE(entries.size() == 4);
  CHECK(entries[0].key == "local-workers");
  CHECK(entries[0].value == "2");
  CHECK(entries[0].line == 2);
  CHECK(entries[1].key == "middleman.heartbeat-interval");
  CHECK(entries[1].value == "2s");
  CHECK(entries[1].line == 6);
  CHECK(entries[2].key == "middleman.connection-timeout");
  CHECK(entries[2].value == "5s");
  CHECK(entries[2].line == 7);
  CHECK(entries[3].key == "scheduler.max-threads");
  CHECK(entries[3].value == "3");
  CHECK(entries[3].line == 9);
}

TEST_CASE("ini: values keep '=', '#' and inner blanks, empty values and repeats are kept",
          "[ini]") {
  auto entries = parse("param = msg=a b # not a comment\n"
                       "tags =\n"
                       "require = gpu\n"
                       "require = ssd\n");
  REQUIRE(entries.size() == 4);
  CHECK(entries[0].key == "param");
  CHECK(entries[0].value == "msg=a b # not a comment");
  CHECK(entries[1].value.empty());
  CHECK(entries[2].value == "gpu");
  CHECK(entries[3].value == "ssd");
  CHECK(entries[3].line == 4);
}

TEST_CASE("ini: an empty file has no entries", "[ini]") {
  CHECK(parse("").empty());
  CHECK(parse("\n# only a comment\n\n").empty());
}

TEST_CASE("ini: malformed lines name FILE:LINE", "[ini]") {
  CHECK(error_of("a = 1\njust words\n") ==
        "test.ini:2: expected 'key = value', '[section]' or a comment, got 'just words'");
  CHECK(error_of("[middleman\n") == "test.ini:1: malformed section header '[middleman'");
  CHECK(error_of("\n\n[]\n") == "test.ini:3: bad section name ''");
  CHECK(error_of("[a b]\n") == "test.ini:1: bad section name 'a b'");
  CHECK(error_of("= 5\n") == "test.ini:1: bad key ''");
  CHECK(error_of("two words = 5\n") == "test.ini:1: bad key 'two words'");
}

TEST_CASE("ini: reading files", "[ini]") {
  char dir_template[] = "/tmp/cohort-ini-XXXXXX";
  REQUIRE(mkdtemp(dir_template) != nullptr);
  std::filesystem::path dir = dir_template;
  auto path = (dir / "c.ini").string();
  std::ofstream(path) << "[scheduler]\nmax-threads = 2\n";

  auto entries = read_ini_file(path);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].key == "scheduler.max-threads");

  auto missing = (dir / "missing.ini").string();
  try {
    read_ini_file(missing);
    FAIL("no config_error thrown");
  } catch (const config_error& e) {
    CHECK(std::string(e.what()) ==
          "cannot read config file '" + missing + "': No such file or directory");
  }
  try {
    read_ini_file(dir.string());
    FAIL("no config_error thrown");
  } catch (const config_error& e) {
    CHECK(std::string(e.what()).find(dir.string()) != std::string::npos);
  }
  std::filesystem::remove_all(dir);
}
