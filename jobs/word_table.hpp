// word_table: the word -> count hash table that wordcount tasks fill and its reducer merges into.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cohort {

/// Counts per distinct word. Open addressing with linear probing over 32-byte slots that hold words of up
/// to 16 bytes inline: counting a known word costs one hash and, usually, one cache line. Longer words
/// live in an arena.
class word_table {
public:
  word_table();

  /// Adds `n` to the count of `word`; n = 0 adds nothing.
  void add(std::string_view word, std::uint64_t n);

  std::size_t size() const { return size_; }
  /// Makes room for `n` distinct words without rehashing.
  void reserve(std::size_t n);

  /// Calls f(std::string_view word, std::uint64_t count) for every word, in no particular order. The views
  /// stay valid until the table next changes.
  template <class F>
  void for_each(F&& f) const {
    for (const slot& s : slots_) {
      if (s.count != 0) {
        f(word(s), s.count);
      }
    }
  }

private:
  static constexpr std::size_t inline_bytes = 16;

  struct key {
    std::uint64_t text[2];
  };

  struct slot {
    std::uint64_t count; // 0 marks a free slot
    std::uint32_t tag;   // low hash bits: rejects most long-word mismatches without a look at the arena
    std::uint32_t length;
    key text;            // the word, zero-padded, when it fits; else text[0] is its offset in the arena
  };

  static key inline_key(std::string_view word);
  static std::uint64_t hash(std::string_view word, const key& k);
  std::string_view word(const slot& s) const;
  void rehash(std::size_t slot_count);

  std::vector<slot> slots_;
  std::size_t mask_;
  std::size_t size_ = 0;
  std::string arena_;
};

} // namespace cohort
