// Token checks: constant-time comparison, so answer times tell an attacker nothing.
#include "core/token.hpp"

#include <cstddef>

namespace cohort {

std::optional<std::string> token_mismatch(const std::optional<std::string>& expected,
                                          const std::string& given) {
  if (!expected) {
    return std::nullopt;
  }
  if (given.empty()) {
    return "no token: this node requires one (--token-file or COHORT_TOKEN)";
  }
  const auto& want = *expected;
  unsigned char diff = want.size() == given.size() ? 0 : 1;
  for (std::size_t i = 0; i < want.size(); ++i) {
    diff |= static_cast<unsigned char>(want[i] ^ given[i % given.size()]);
  }
  if (diff != 0) {
    return "wrong token";
  }
  return std::nullopt;
}

} // namespace cohort
