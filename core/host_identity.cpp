// Host and worker naming.
#include "cohort/host_identity.hpp"

#include <unistd.h>

namespace cohort {

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') {
    return "localhost";
  }
  return buf;
}

std::string worker_id(const std::string& host, std::uint32_t n) {
  return host + "/" + std::to_string(getpid()) + "/" + std::to_string(n);
}

} // namespace cohort
