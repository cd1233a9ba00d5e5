// word_table: the word -> count hash table that wordcount tasks fill and its reducer merges into.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cohort {

/// The hash of a word as word_table keys it; word_hasher computes the same value byte by byte.
std::uint64_t word_hash(std::string_view word);

/// Hashes a word one byte at a time, so the tokenizer hashes while it lower-cases.
class word_hasher {
public:
  void add(unsigned char c) { state_ = (state_ ^ c) * 0x100000001b3ULL; }
  std::uint64_t value() const {
    // FNV-1a alone leaves the low bits, which pick the slot, poorly mixed.
    std::uint64_t h = state_;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
  }

private:
  std::uint64_t state_ = 0xcbf29ce484222325ULL;
};

/// Counts per distinct word. Open addressing over small slots that point into a dense entry array, and
/// the words themselves in one arena: adding a known word touches two cache lines and allocates nothing.
class word_table {
public:
  struct entry {
    std::uint64_t hash;
    std::uint64_t offset;
    std::uint32_t length;
    std::uint64_t count;
  };

  word_table();

  /// Adds `n` to the count of `word`, which must be the word's hash per word_hash().
  void add(std::string_view word, std::uint64_t hash, std::uint64_t n);
  void add(std::string_view word, std::uint64_t n) { add(word, word_hash(word), n); }

  std::size_t size() const { return entries_.size(); }
  /// The entries in insertion order; word() gives an entry's text.
  const std::vector<entry>& entries() const { return entries_; }
  std::string_view word(const entry& e) const { return {arena_.data() + e.offset, e.length}; }
  /// Makes room for `n` distinct words without rehashing.
  void reserve(std::size_t n);

private:
  struct slot {
    std::uint32_t index; // entry index + 1; 0 marks a free slot
    std::uint32_t tag;   // high hash bits: most mismatches are rejected without touching the entry
  };

  void rehash(std::size_t slot_count);

  std::vector<slot> slots_;
  std::size_t mask_;
  std::vector<entry> entries_;
  std::string arena_;
};

} // namespace cohort
