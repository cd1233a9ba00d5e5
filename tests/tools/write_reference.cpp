// Rewrites the generated sections of docs/reference.md (the options and the job kinds) from the
// option schema and the kinds' parameter tables. usage: write_reference DOCS/reference.md
#include "app/reference_sections.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: write_reference docs/reference.md\n");
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::fprintf(stderr, "write_reference: cannot read %s\n", argv[1]);
    return 1;
  }
  std::ostringstream doc;
  doc << in.rdbuf();
  in.close();
  try {
    auto text = cohort::app::with_sections(
        doc.str(), cohort::app::reference_sections(*cohort::builtin_registry()));
    std::ofstream(argv[1], std::ios::trunc) << text;
  } catch (const std::runtime_error& e) {
    std::fprintf(stderr, "write_reference: %s: %s\n", argv[1], e.what());
    return 1;
  }
  return 0;
}
