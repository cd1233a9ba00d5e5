#include "core/index_set.hpp"

#include "core/byte_codec.hpp"

#include <iterator>

namespace cohort {

bool index_set::insert(std::uint64_t index) {
  // Answers come in runs of ascending indexes: extending the range last extended is the common
  // case.
  if (last_ != ranges_.end() && index == last_->second) {
    auto next = std::next(last_);
    if (next == ranges_.end() || next->first > index + 1) {
      ++last_->second;
      ++size_;
      return true;
    }
  }
  // The range starting after index, and the one before it (which may hold it).
  auto next = ranges_.upper_bound(index);
  if (next != ranges_.begin()) {
    auto prev = std::prev(next);
    if (index < prev->second) {
      return false;
    }
    if (index == prev->second) {
      prev->second = index + 1;
      if (next != ranges_.end() && next->first == prev->second) {
        prev->second = next->second;
        ranges_.erase(next);
      }
      last_ = prev;
      ++size_;
      return true;
    }
  }
  if (next != ranges_.end() && next->first == index + 1) {
    const auto end = next->second;
    if (last_ == next) {
      last_ = ranges_.end();
    }
    ranges_.erase(next);
    last_ = ranges_.emplace(index, end).first;
  } else {
    last_ = ranges_.emplace(index, index + 1).first;
  }
  ++size_;
  return true;
}

bool index_set::contains(std::uint64_t index) const {
  auto next = ranges_.upper_bound(index);
  return next != ranges_.begin() && index < std::prev(next)->second;
}

std::string index_set::encode() const {
  codec_writer w(2 + ranges_.size() * 4);
  w.u64(ranges_.size());
  std::uint64_t at = 0;
  for (const auto& [lo, hi] : ranges_) {
    w.u64(lo - at);
    w.u64(hi - lo);
    at = hi;
  }
  return w.take();
}

index_set index_set::decode(std::string_view bytes, std::uint64_t limit) {
  codec_reader r(bytes);
  const auto n = r.count(2);
  index_set out;
  std::uint64_t at = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto gap = r.u64();
    const auto length = r.u64();
    // Ranges neither touch nor overlap (a gap of 0 is allowed only before the first), and none is
    // empty or reaches past the limit.
    if ((i > 0 && gap == 0) || length == 0 || gap > limit - at || length > limit - at - gap) {
      throw codec_error("index ranges: range " + std::to_string(i + 1) + " is empty, touches " +
                        "the one before or reaches past " + std::to_string(limit));
    }
    const auto lo = at + gap;
    out.ranges_.emplace_hint(out.ranges_.end(), lo, lo + length);
    out.size_ += length;
    at = lo + length;
  }
  r.finish();
  return out;
}

} // namespace cohort
