// Process tests of configs/master.ini and configs/worker.ini: each loads, and --print-config
// shows every key of the file with the file's value and line as its source.
#include "tests/process/cohort_run.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>

namespace {

using namespace cohort::test;
using namespace std::chrono_literals;

/// A `key = value` line of an INI file, its section's name prefixed to the key.
struct ini_setting {
  std::string key;
  std::string value;
  int line;
};

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) {
    return {};
  }
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

std::vector<ini_setting> read_settings(const std::string& path) {
  std::ifstream in(path);
  INFO(path);
  REQUIRE(in);
  std::vector<ini_setting> out;
  std::string prefix;
  std::string raw;
  int line = 0;
  while (std::getline(in, raw)) {
    ++line;
    const auto text = trim(raw);
    if (text.empty() || text.front() == '#' || text.front() == ';') {
      continue;
    }
    if (text.front() == '[') {
      prefix = trim(text.substr(1, text.size() - 2)) + ".";
      continue;
    }
    const auto eq = text.find('=');
    REQUIRE(eq != std::string::npos);
    out.push_back({prefix + trim(text.substr(0, eq)), trim(text.substr(eq + 1)), line});
  }
  return out;
}

/// Loads configs/NAME with --print-config in mode; every key of the file shows with its value and
/// FILE:LINE, and the file sets each of the keys in `required`.
void check_config(const std::string& mode, const std::string& name,
                  const std::vector<std::string>& required) {
  const auto path = std::string(COHORT_SOURCE_DIR) + "/configs/" + name;
  const std::vector<std::string> args{mode, "--config", path, "--print-config"};
  const auto r = run_cohort(args, 30s);
  INFO("cohort " << describe(args) << "\nstdout:\n" << r.out << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  const auto settings = read_settings(path);
  for (const auto& s : settings) {
    const auto shown =
        s.key + " = " + s.value + "  # " + path + ":" + std::to_string(s.line) + "\n";
    INFO("expected line: " << shown);
    CHECK(r.out.find(shown) != std::string::npos);
  }
  for (const auto& key : required) {
    INFO("key " << key);
    CHECK(std::any_of(settings.begin(), settings.end(),
                      [&key](const ini_setting& s) { return s.key == key; }));
  }
}

TEST_CASE("network: configs/master.ini loads and --print-config shows its values", "[network]") {
  check_config("master", "master.ini",
               {"listen", "local-workers", "min-workers", "wait-for-workers", "slots",
                "concurrency", "batch", "middleman.heartbeat-interval",
                "middleman.connection-timeout"});
}

TEST_CASE("network: configs/worker.ini loads and --print-config shows its values", "[network]") {
  check_config("worker", "worker.ini",
               {"master", "workers", "connect-timeout", "exit-with-master", "drain-timeout",
                "slots", "concurrency", "tags", "middleman.heartbeat-interval",
                "middleman.connection-timeout"});
}

} // namespace
