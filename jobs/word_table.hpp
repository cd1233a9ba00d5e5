// word_table: the word -> count hash table that wordcount tasks fill and its reducer merges into.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cohort {

/// Counts per distinct word. Open addressing with linear probing over 32-byte slots that hold words
/// of up to 16 bytes inline: counting a known word costs one hash and, usually, one cache line.
/// Longer words live in an arena.
class word_table {
public:
  static constexpr std::size_t inline_bytes = 16;

  /// A word made ready for lookup: hashed; a short word's bytes zero-padded into `head` (read as
  /// little-endian machine words), a long word's bytes at `text`.
  struct word_ref {
    std::uint64_t head[2];
    std::uint64_t hash;
    std::size_t length;
    const char* text;
  };

  /// Any word.
  static word_ref ref(std::string_view word);
  /// A word of 1 to 16 bytes given as its zero-padded bytes: lets a tokenizer skip copying them.
  /// Inline, as it runs once per word of the input.
  static word_ref short_ref(std::uint64_t head0, std::uint64_t head1, std::size_t length) {
    return word_ref{{head0, head1}, mix((head0 * golden) ^ (head1 + length)), length, nullptr};
  }

  word_table();

  /// Adds `n` to the count of a word; n = 0 adds nothing.
  void add(const word_ref& w, std::uint64_t n);
  void add(std::string_view word, std::uint64_t n) { add(ref(word), n); }
  /// Starts loading the slot where `w` probes first: a caller that knows its next words hides the
  /// cache misses of a large table behind its other work.
  void prefetch(const word_ref& w) const { __builtin_prefetch(&slots_[(w.hash >> 32) & mask_]); }

  std::size_t size() const { return size_; }
  /// Makes room for `n` distinct words without rehashing.
  void reserve(std::size_t n);

  /// Calls f(std::string_view word, std::uint64_t count) for every word, in no particular order.
  /// The views stay valid until the table next changes.
  template <class F> void for_each(F&& f) const {
    for (const slot& s : slots_) {
      if (s.count != 0) {
        f(word(s), s.count);
      }
    }
  }

private:
  static constexpr std::uint64_t golden = 0x9e3779b97f4a7c15ULL;

  static std::uint64_t mix(std::uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
  }

  // count 0 marks a free slot. tag (low hash bits) rejects most mismatches before the words are
  // compared. text holds a short word's bytes, zero-padded, or a long word's offset in the arena.
  struct slot {
    std::uint64_t count;
    std::uint32_t tag;
    std::uint32_t length;
    std::uint64_t text[2];
  };

  std::string_view word(const slot& s) const;
  void rehash(std::size_t slot_count);

  std::vector<slot> slots_;
  std::size_t mask_;
  std::size_t size_ = 0;
  std::string arena_;
};

} // namespace cohort
