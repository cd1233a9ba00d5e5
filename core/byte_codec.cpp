#include "core/byte_codec.hpp"

#include <limits>

namespace cohort {

std::uint8_t codec_reader::byte() {
  if (in_.empty()) {
    throw codec_error("truncated: a byte expected");
  }
  auto b = static_cast<std::uint8_t>(in_.front());
  in_.remove_prefix(1);
  return b;
}

std::uint64_t codec_reader::u64() {
  std::uint64_t x = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in_.empty()) {
      throw codec_error("truncated number");
    }
    auto b = static_cast<std::uint8_t>(in_.front());
    in_.remove_prefix(1);
    if (shift == 63 && b > 1) {
      throw codec_error("number beyond 64 bits");
    }
    x |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      if (b == 0 && shift > 0) {
        throw codec_error("number not in its shortest form");
      }
      return x;
    }
  }
  throw codec_error("number beyond 64 bits");
}

std::uint32_t codec_reader::u32() {
  auto x = u64();
  if (x > std::numeric_limits<std::uint32_t>::max()) {
    throw codec_error("number beyond 32 bits");
  }
  return static_cast<std::uint32_t>(x);
}

std::string codec_reader::text() {
  auto n = u64();
  if (n > in_.size()) {
    throw codec_error("string of " + std::to_string(n) + " bytes with " +
                      std::to_string(in_.size()) + " left");
  }
  std::string s(in_.substr(0, n));
  in_.remove_prefix(n);
  return s;
}

std::size_t codec_reader::count(std::size_t min_size) {
  auto n = u64();
  if (n > in_.size() / min_size) {
    throw codec_error("count " + std::to_string(n) + " beyond the bytes left");
  }
  return static_cast<std::size_t>(n);
}

std::size_t codec_reader::count(std::size_t min_size, std::size_t most) {
  auto n = count(min_size);
  if (n > most) {
    throw codec_error("count " + std::to_string(n) + " beyond the limit of " +
                      std::to_string(most));
  }
  return n;
}

void codec_reader::finish() const {
  if (!in_.empty()) {
    throw codec_error(std::to_string(in_.size()) + " bytes after the end");
  }
}

} // namespace cohort
