// word_tokenizer: splits bytes into wordcount's words (maximal runs of ASCII letters, lower-cased).
#include "jobs/word_tokenizer.hpp"

#include <cstring>

namespace cohort {

namespace {

// OR-ing 0x20 lower-cases an ASCII letter and leaves a lower-case one alone.
constexpr char lower_bit = 0x20;
constexpr std::uint64_t lower_bits = 0x2020202020202020ULL;

const char* skip_letters(const char* p, const char* end) {
  while (p != end && is_word_byte(*p)) {
    ++p;
  }
  return p;
}

const char* skip_separators(const char* p, const char* end) {
  while (p != end && !is_word_byte(*p)) {
    ++p;
  }
  return p;
}

void append_lower(std::string& out, const char* first, const char* last) {
  const std::size_t old = out.size();
  out.resize(old + static_cast<std::size_t>(last - first));
  for (char* o = out.data() + old; first != last; ++first, ++o) {
    *o = static_cast<char>(*first | lower_bit);
  }
}

// The bytes of a word of `length` <= 8 in the low bytes of a little-endian load.
std::uint64_t low_bytes(std::size_t length) {
  return length >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * length)) - 1;
}

} // namespace

void word_tokenizer::feed(std::string_view bytes) {
  const char* p = bytes.data();
  const char* const end = p + bytes.size();
  if (skipping_) {
    p = skip_letters(p, end);
    if (p == end) {
      return;
    }
    skipping_ = false;
  }
  if (!pending_.empty()) {
    const char* q = skip_letters(p, end);
    append_lower(pending_, p, q);
    if (q == end) {
      return;
    }
    count_pending();
    p = q;
  }
  for (;;) {
    p = skip_separators(p, end);
    if (p == end) {
      return;
    }
    const char* q = skip_letters(p, end);
    if (q == end) {
      append_lower(pending_, p, q);
      return;
    }
    count(p, q, end);
    p = q;
  }
}

void word_tokenizer::end_segment() {
  if (!pending_.empty()) {
    count_pending();
  }
  flush();
  skipping_ = false;
}

void word_tokenizer::count(const char* first, const char* last, const char* block_end) {
  ++total_;
  const auto length = static_cast<std::size_t>(last - first);
  const auto inline_bytes = word_table::inline_bytes;
  if (length <= inline_bytes && block_end - first >= static_cast<std::ptrdiff_t>(inline_bytes)) {
    // One 16-byte load, masked to the word, instead of a byte loop and a copy.
    std::uint64_t head[2];
    std::memcpy(head, first, sizeof head);
    head[0] = (head[0] | lower_bits) & low_bytes(length);
    head[1] = length <= 8 ? 0 : (head[1] | lower_bits) & low_bytes(length - 8);
    batch_[batched_] = word_table::short_ref(head[0], head[1], length);
    table_->prefetch(batch_[batched_]);
    if (++batched_ == batch_size) {
      flush();
    }
    return;
  }
  lower_.clear();
  append_lower(lower_, first, last);
  table_->add(lower_, 1);
}

void word_tokenizer::count_pending() {
  table_->add(pending_, 1);
  ++total_;
  pending_.clear();
}

void word_tokenizer::flush() {
  for (std::size_t i = 0; i < batched_; ++i) {
    table_->add(batch_[i], 1);
  }
  batched_ = 0;
}

} // namespace cohort
