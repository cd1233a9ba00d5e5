// Words for the engines' errors.
#include "io/call_engine.hpp"

#include <cstdio>

namespace cohort::io_detail {

std::string duration_words(std::chrono::nanoseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%gs", std::chrono::duration<double>(d).count());
  return buf;
}

} // namespace cohort::io_detail
