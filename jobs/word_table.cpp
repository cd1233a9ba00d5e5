// word_table: the word -> count hash table that wordcount tasks fill and its reducer merges into.
#include "jobs/word_table.hpp"

#include <cstring>
#include <limits>
#include <stdexcept>
#include <utility>

namespace cohort {

namespace {

constexpr std::size_t initial_slots = 1024;

std::uint64_t mix(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

} // namespace

word_table::word_table() : slots_(initial_slots, slot{}), mask_(initial_slots - 1) {}

word_table::key word_table::inline_key(std::string_view word) {
  key k{{0, 0}};
  if (word.size() <= inline_bytes) {
    std::memcpy(k.text, word.data(), word.size());
  }
  return k;
}

std::uint64_t word_table::hash(std::string_view word, const key& k) {
  if (word.size() <= inline_bytes) {
    return mix((k.text[0] * 0x9e3779b97f4a7c15ULL) ^ (k.text[1] + word.size()));
  }
  std::uint64_t h = word.size();
  std::size_t at = 0;
  for (; at + 8 <= word.size(); at += 8) {
    std::uint64_t chunk;
    std::memcpy(&chunk, word.data() + at, 8);
    h = (h ^ chunk) * 0x9e3779b97f4a7c15ULL;
    h ^= h >> 29;
  }
  std::uint64_t rest = 0;
  std::memcpy(&rest, word.data() + at, word.size() - at);
  return mix(h ^ rest);
}

std::string_view word_table::word(const slot& s) const {
  if (s.length <= inline_bytes) {
    return {reinterpret_cast<const char*>(s.text.text), s.length};
  }
  return {arena_.data() + s.text.text[0], s.length};
}

void word_table::add(std::string_view word, std::uint64_t n) {
  if (n == 0) {
    return;
  }
  const key k = inline_key(word);
  const std::uint64_t h = hash(word, k);
  const auto tag = static_cast<std::uint32_t>(h);
  const bool is_inline = word.size() <= inline_bytes;
  for (std::size_t i = (h >> 32) & mask_;; i = (i + 1) & mask_) {
    slot& s = slots_[i];
    if (s.count == 0) {
      if (word.size() > std::numeric_limits<std::uint32_t>::max()) {
        throw std::length_error("word_table: word too long");
      }
      s = slot{n, tag, static_cast<std::uint32_t>(word.size()), k};
      if (!is_inline) {
        s.text.text[0] = arena_.size();
        arena_.append(word);
      }
      ++size_;
      // At most 70% full: linear probes stay short.
      if (size_ * 10 > slots_.size() * 7) {
        rehash(slots_.size() * 2);
      }
      return;
    }
    if (s.tag != tag || s.length != word.size()) {
      continue;
    }
    const bool same = is_inline ? s.text.text[0] == k.text[0] && s.text.text[1] == k.text[1]
                                : std::memcmp(arena_.data() + s.text.text[0], word.data(), word.size()) == 0;
    if (same) {
      s.count += n;
      return;
    }
  }
}

void word_table::reserve(std::size_t n) {
  std::size_t wanted = slots_.size();
  while (n * 10 > wanted * 7) {
    wanted *= 2;
  }
  if (wanted != slots_.size()) {
    rehash(wanted);
  }
}

void word_table::rehash(std::size_t slot_count) {
  std::vector<slot> old(slot_count, slot{});
  old.swap(slots_);
  mask_ = slot_count - 1;
  for (const slot& s : old) {
    if (s.count == 0) {
      continue;
    }
    const std::string_view w = word(s);
    std::size_t i = (hash(w, s.text) >> 32) & mask_;
    while (slots_[i].count != 0) {
      i = (i + 1) & mask_;
    }
    slots_[i] = s;
  }
}

} // namespace cohort
