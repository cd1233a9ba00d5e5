// libFuzzer target: the command line (app/command_line.cpp), --param K=V and every DUR, SIZE and
// number option included; the input is one argv word per line.
#include "tests/fuzz/fuzz_support.hpp"
#include "tests/fuzz/main_like.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cohort::fuzz::set_up();
  cohort::fuzz::builtin_kinds();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto text = cohort::fuzz::as_text(data, size);
  if (!cohort::fuzz::names_no_path(text)) {
    return 0;
  }
  auto words = cohort::fuzz::split(text, '\n');
  std::vector<const char*> argv{"cohort"};
  for (const auto& w : words) {
    argv.push_back(w.c_str());
  }
  argv.push_back(nullptr);
  cohort::fuzz::parse_like_main(static_cast<int>(argv.size() - 1), argv.data());
  return 0;
}
