// word_codec: wordcount's byte formats: varints, and a task's counts encoded as a partial.
#pragma once

#include "jobs/word_table.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace cohort {

/// Appends `v` as an LEB128 varint (7 bits a byte, low bits first).
void put_varint(std::string& out, std::uint64_t v);
/// Appends a varint length and then the bytes.
void put_bytes(std::string& out, std::string_view bytes);

/// Reads what put_varint and put_bytes wrote; throws std::invalid_argument on truncated or bad
/// input, since the bytes crossed the network.
class byte_reader {
public:
  explicit byte_reader(std::string_view in) : in_(in) {}
  bool at_end() const { return pos_ == in_.size(); }
  std::uint8_t byte();
  std::uint64_t varint();
  /// A length-prefixed byte string, viewed in place.
  std::string_view bytes();
  /// What is left to read.
  std::string_view rest() const { return in_.substr(pos_); }

private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

/// A task's counts as partial data: varint(distinct), then per word varint(length) word
/// varint(count).
std::string encode_counts(const word_table& table);
/// Adds encoded counts to `table`. The whole input is checked first (lower-case words, counts
/// summing to `total`) so that a bad partial throws std::invalid_argument without touching the
/// table.
void decode_counts(std::string_view data, std::uint64_t total, word_table& table);

} // namespace cohort
