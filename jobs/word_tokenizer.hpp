// word_tokenizer: splits bytes into wordcount's words (maximal runs of ASCII letters, lower-cased).
#pragma once

#include "jobs/word_table.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cohort {

/// Whether `c` belongs to a word: ASCII letters only; every other byte (digits, UTF-8, CR...)
/// separates.
constexpr bool is_word_byte(char c) {
  return ((static_cast<unsigned>(static_cast<unsigned char>(c)) | 0x20u) - unsigned{'a'}) < 26u;
}

/// Counts the words of a stream of segments into a word_table. A segment is fed in blocks of any
/// size (a word may straddle two blocks) and closed with end_segment(); segments never share a
/// word.
class word_tokenizer {
public:
  explicit word_tokenizer(word_table& table) : table_(&table) {}

  /// Starts a segment. `mid_word`: its first letters end a word that an earlier chunk counts.
  void begin_segment(bool mid_word) { skipping_ = mid_word; }
  void feed(std::string_view bytes);
  /// Counts the word the segment ends with, if any. The table is up to date only after this call.
  void end_segment();

  /// Words counted so far.
  std::uint64_t total() const { return total_; }

private:
  // Short words wait in a small batch, their slots prefetched, before they go into the table: a
  // table of many distinct words misses the cache on most lookups, and a batch overlaps those
  // misses.
  static constexpr std::size_t batch_size = 16;

  void count(const char* first, const char* last, const char* block_end);
  void count_pending();
  void flush();

  word_table* table_;
  std::uint64_t total_ = 0;
  bool skipping_ = false;
  std::string pending_; // the lower-cased start of a word cut by the end of a block
  std::string lower_;   // scratch for words that take the slow path
  std::array<word_table::word_ref, batch_size> batch_;
  std::size_t batched_ = 0;
};

} // namespace cohort
