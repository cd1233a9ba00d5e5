// word_table: the word -> count hash table that wordcount tasks fill and its reducer merges into.
#include "jobs/word_table.hpp"

#include <bit>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <utility>

namespace cohort {

static_assert(std::endian::native == std::endian::little,
              "word_table keys short words by little-endian loads");

namespace {

constexpr std::size_t initial_slots = 1024;

} // namespace

word_table::word_ref word_table::ref(std::string_view word) {
  if (word.size() <= inline_bytes) {
    std::uint64_t head[2] = {0, 0};
    std::memcpy(head, word.data(), word.size());
    return short_ref(head[0], head[1], word.size());
  }
  std::uint64_t h = word.size();
  std::size_t at = 0;
  for (; at + 8 <= word.size(); at += 8) {
    std::uint64_t chunk;
    std::memcpy(&chunk, word.data() + at, 8);
    h = (h ^ chunk) * golden;
    h ^= h >> 29;
  }
  std::uint64_t rest = 0;
  std::memcpy(&rest, word.data() + at, word.size() - at);
  return word_ref{{0, 0}, mix(h ^ rest), word.size(), word.data()};
}

word_table::word_table() : slots_(initial_slots, slot{}), mask_(initial_slots - 1) {}

std::string_view word_table::word(const slot& s) const {
  if (s.length <= inline_bytes) {
    return {reinterpret_cast<const char*>(s.text), s.length};
  }
  return {arena_.data() + s.text[0], s.length};
}

void word_table::add(const word_ref& w, std::uint64_t n) {
  if (n == 0) {
    return;
  }
  const auto tag = static_cast<std::uint32_t>(w.hash);
  const bool is_short = w.length <= inline_bytes;
  for (std::size_t i = (w.hash >> 32) & mask_;; i = (i + 1) & mask_) {
    slot& s = slots_[i];
    if (s.count == 0) {
      if (w.length > std::numeric_limits<std::uint32_t>::max()) {
        throw std::length_error("word_table: word too long");
      }
      s = slot{n, tag, static_cast<std::uint32_t>(w.length), {w.head[0], w.head[1]}};
      if (!is_short) {
        s.text[0] = arena_.size();
        arena_.append(w.text, w.length);
      }
      ++size_;
      // At most 70% full: linear probes stay short.
      if (size_ * 10 > slots_.size() * 7) {
        rehash(slots_.size() * 2);
      }
      return;
    }
    if (s.tag != tag || s.length != w.length) {
      continue;
    }
    const bool same = is_short ? s.text[0] == w.head[0] && s.text[1] == w.head[1]
                               : std::memcmp(arena_.data() + s.text[0], w.text, w.length) == 0;
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
    std::size_t i = (ref(word(s)).hash >> 32) & mask_;
    while (slots_[i].count != 0) {
      i = (i + 1) & mask_;
    }
    slots_[i] = s;
  }
}

} // namespace cohort
