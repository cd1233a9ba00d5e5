// libFuzzer target: config files, through the INI reader (app/ini.cpp) and then as --config FILE
// of both modes (app/command_line.cpp), where every key and value is checked.
#include "app/ini.hpp"
#include "tests/fuzz/fuzz_support.hpp"
#include "tests/fuzz/main_like.hpp"

#include <fstream>
#include <sstream>

namespace {

const std::string& config_file() {
  static const std::string path = cohort::fuzz::scratch_dir() + "/fuzz.ini";
  return path;
}

void parse_as(const char* mode) {
  const char* argv[] = {"cohort", mode, "--config", config_file().c_str()};
  cohort::fuzz::parse_like_main(4, argv);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cohort::fuzz::set_up();
  cohort::fuzz::builtin_kinds();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(cohort::fuzz::as_text(data, size));
  std::vector<cohort::app::ini_entry> entries;
  try {
    std::istringstream in(text);
    entries = cohort::app::parse_ini(in, config_file());
  } catch (const cohort::app::config_error&) {
    return 0;
  }
  int line = 0;
  for (const auto& e : entries) {
    cohort::fuzz::require(!e.key.empty() && e.line > line);
    line = e.line;
    if (cohort::fuzz::is_file_key(e.key) && !cohort::fuzz::names_no_path(e.value)) {
      return 0;
    }
  }
  {
    std::ofstream out(config_file(), std::ios::binary | std::ios::trunc);
    out << text;
  }
  parse_as("master");
  parse_as("worker");
  return 0;
}
