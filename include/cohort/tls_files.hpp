// Mutual TLS between nodes (CAF's openssl module): this node's certificate and key, and the CA
// whose certificates it accepts.
#pragma once

#include <string>

namespace cohort {

struct tls_files {
  std::string cert;
  std::string key;
  std::string ca;
};

} // namespace cohort
