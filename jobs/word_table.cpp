// word_table: the word -> count hash table that wordcount tasks fill and its reducer merges into.
#include "jobs/word_table.hpp"

#include <cstring>
#include <limits>
#include <stdexcept>
#include <utility>

namespace cohort {

namespace {

constexpr std::size_t initial_slots = 1024;

} // namespace

std::uint64_t word_hash(std::string_view word) {
  word_hasher h;
  for (char c : word) {
    h.add(static_cast<unsigned char>(c));
  }
  return h.value();
}

word_table::word_table() : slots_(initial_slots, slot{0, 0}), mask_(initial_slots - 1) {}

void word_table::add(std::string_view word, std::uint64_t hash, std::uint64_t n) {
  const auto tag = static_cast<std::uint32_t>(hash >> 32);
  for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
    slot& s = slots_[i];
    if (s.index == 0) {
      if (entries_.size() >= std::numeric_limits<std::uint32_t>::max() - 1 ||
          word.size() > std::numeric_limits<std::uint32_t>::max()) {
        throw std::length_error("word_table: too many or too long words");
      }
      entries_.push_back(entry{hash, arena_.size(), static_cast<std::uint32_t>(word.size()), n});
      arena_.append(word);
      s = slot{static_cast<std::uint32_t>(entries_.size()), tag};
      // Kept at most half full: probes stay short even for words that hash close together.
      if (entries_.size() * 2 > slots_.size()) {
        rehash(slots_.size() * 2);
      }
      return;
    }
    if (s.tag == tag) {
      entry& e = entries_[s.index - 1];
      if (e.length == word.size() && std::memcmp(arena_.data() + e.offset, word.data(), word.size()) == 0) {
        e.count += n;
        return;
      }
    }
  }
}

void word_table::reserve(std::size_t n) {
  std::size_t wanted = slots_.size();
  while (wanted < n * 2) {
    wanted *= 2;
  }
  entries_.reserve(n);
  if (wanted != slots_.size()) {
    rehash(wanted);
  }
}

void word_table::rehash(std::size_t slot_count) {
  std::vector<slot> fresh(slot_count, slot{0, 0});
  const std::size_t mask = slot_count - 1;
  for (std::size_t k = 0; k < entries_.size(); ++k) {
    const std::uint64_t hash = entries_[k].hash;
    std::size_t i = hash & mask;
    while (fresh[i].index != 0) {
      i = (i + 1) & mask;
    }
    fresh[i] = slot{static_cast<std::uint32_t>(k + 1), static_cast<std::uint32_t>(hash >> 32)};
  }
  slots_ = std::move(fresh);
  mask_ = mask;
}

} // namespace cohort
