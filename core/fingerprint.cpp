#include "cohort/fingerprint.hpp"

namespace cohort {

fingerprint& fingerprint::add(std::string_view bytes) {
  constexpr std::uint64_t prime = 0x100000001b3ULL;
  for (unsigned char c : bytes) {
    state_ = (state_ ^ c) * prime;
  }
  return *this;
}

fingerprint& fingerprint::add(std::uint64_t value) {
  char bytes[8];
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  }
  return add(std::string_view(bytes, sizeof bytes));
}

std::string fingerprint::hex() const {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 0; i < 16; ++i) {
    out[15 - i] = digits[(state_ >> (4 * i)) & 15];
  }
  return out;
}

} // namespace cohort
