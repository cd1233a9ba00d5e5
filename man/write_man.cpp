// Writes `man cohort` (roff) to standard output, from the binary's own option and kind tables; the
// build runs it and installs the page. usage: write_man > cohort.1
#include "app/man_page.hpp"
#include "cohort/version.hpp"

#include <cstdio>

int main() {
  const auto page = cohort::app::man_page(*cohort::builtin_registry(), cohort::version);
  return std::fwrite(page.data(), 1, page.size(), stdout) == page.size() ? 0 : 1;
}
