// word_tokenizer: splits bytes into wordcount's words (maximal runs of ASCII letters, lower-cased).
#include "jobs/word_tokenizer.hpp"

#include <array>

namespace cohort {

namespace {

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
  for (; first != last; ++first) {
    out.push_back(static_cast<char>(*first | 0x20));
  }
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
    count(pending_.data(), pending_.data() + pending_.size());
    pending_.clear();
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
    count(p, q);
    p = q;
  }
}

void word_tokenizer::end_segment() {
  if (!pending_.empty()) {
    count(pending_.data(), pending_.data() + pending_.size());
    pending_.clear();
  }
  skipping_ = false;
}

void word_tokenizer::count(const char* first, const char* last) {
  // Most words fit the stack buffer; longer ones take a heap copy, which is rare enough not to matter.
  std::array<char, 64> small;
  std::string large;
  const auto length = static_cast<std::size_t>(last - first);
  char* out = small.data();
  if (length > small.size()) {
    large.resize(length);
    out = large.data();
  }
  for (std::size_t i = 0; i < length; ++i) {
    out[i] = static_cast<char>(first[i] | 0x20);
  }
  table_->add(std::string_view(out, length), 1);
  ++total_;
}

} // namespace cohort
