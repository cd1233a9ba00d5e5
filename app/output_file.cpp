// Opening --output.
#include "app/output_file.hpp"

#include <cstdio>
#include <iostream>

namespace cohort::app {

std::ostream* open_output(const std::string& path, std::ofstream& file) {
  if (path.empty()) {
    return &std::cout;
  }
  file.open(path, std::ios::out | std::ios::trunc);
  if (!file) {
    std::fprintf(stderr, "cohort: cannot write --output file '%s'\n", path.c_str());
    return nullptr;
  }
  return &file;
}

void write_line(std::ostream& out, const std::string& line, terminal_progress* display) {
  if (display == nullptr) {
    out << line << '\n' << std::flush;
    return;
  }
  display->ended(line);
  display->above([&] { out << line << '\n' << std::flush; });
}

} // namespace cohort::app
