// word_codec: wordcount's byte formats: varints, and a task's counts encoded as a partial.
#include "jobs/word_codec.hpp"

#include <stdexcept>

namespace cohort {

namespace {

[[noreturn]] void malformed(const char* what) {
  throw std::invalid_argument(std::string("wordcount: malformed data: ") + what);
}

} // namespace

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_bytes(std::string& out, std::string_view bytes) {
  put_varint(out, bytes.size());
  out.append(bytes);
}

std::uint8_t byte_reader::byte() {
  if (pos_ == in_.size()) {
    malformed("truncated");
  }
  return static_cast<std::uint8_t>(in_[pos_++]);
}

std::uint64_t byte_reader::varint() {
  std::uint64_t v = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    const std::uint8_t b = byte();
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      return v;
    }
  }
  malformed("varint too long");
}

std::string_view byte_reader::bytes() {
  const std::uint64_t n = varint();
  if (n > in_.size() - pos_) {
    malformed("truncated");
  }
  const std::string_view out = in_.substr(pos_, n);
  pos_ += n;
  return out;
}

std::string encode_counts(const word_table& table) {
  std::string out;
  // About what a word, its length and its count took in the text we measured.
  out.reserve(table.size() * 12 + 10);
  put_varint(out, table.size());
  table.for_each([&out](std::string_view word, std::uint64_t count) {
    put_bytes(out, word);
    put_varint(out, count);
  });
  return out;
}

void decode_counts(std::string_view data, std::uint64_t total, word_table& table) {
  byte_reader check(data);
  const std::uint64_t distinct = check.varint();
  std::uint64_t sum = 0;
  for (std::uint64_t i = 0; i < distinct; ++i) {
    const std::string_view word = check.bytes();
    if (word.empty()) {
      malformed("empty word");
    }
    for (char c : word) {
      if (c < 'a' || c > 'z') {
        malformed("not a lower-case word");
      }
    }
    const std::uint64_t n = check.varint();
    if (n == 0 || n > total - sum) {
      malformed("counts do not add up");
    }
    sum += n;
  }
  if (!check.at_end() || sum != total) {
    malformed("counts do not add up");
  }
  byte_reader in(data);
  in.varint();
  // Only the first partial sizes the table: reserving for each merge would defeat geometric growth.
  if (table.size() == 0) {
    table.reserve(distinct);
  }
  for (std::uint64_t i = 0; i < distinct; ++i) {
    const std::string_view word = in.bytes();
    table.add(word, in.varint());
  }
}

} // namespace cohort
