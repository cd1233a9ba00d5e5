// A set of task indexes kept as disjoint ranges: what a job has merged, as the journal records it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace cohort {

class index_set {
public:
  /// Adds `index`; false when it was in already.
  bool insert(std::uint64_t index);
  bool contains(std::uint64_t index) const;
  /// How many indexes it holds.
  std::uint64_t size() const { return size_; }
  /// The ranges [first, second), ascending, neither overlapping nor touching.
  const std::map<std::uint64_t, std::uint64_t>& ranges() const { return ranges_; }

  /// The number of ranges, then each as two varints: its gap from the previous end and its length.
  std::string encode() const;
  /// Reads what encode() wrote; throws codec_error on other bytes or an index at or past `limit`.
  static index_set decode(std::string_view bytes, std::uint64_t limit);

  index_set() = default;
  index_set(const index_set& other) : ranges_(other.ranges_), size_(other.size_) {}
  index_set& operator=(const index_set& other) {
    ranges_ = other.ranges_;
    size_ = other.size_;
    last_ = ranges_.end();
    return *this;
  }
  index_set(index_set&& other) noexcept
      : ranges_(std::move(other.ranges_)), size_(std::exchange(other.size_, 0)) {
    other.ranges_.clear();
    other.last_ = other.ranges_.end();
  }
  index_set& operator=(index_set&& other) noexcept {
    ranges_ = std::move(other.ranges_);
    size_ = std::exchange(other.size_, 0);
    last_ = ranges_.end();
    other.ranges_.clear();
    other.last_ = other.ranges_.end();
    return *this;
  }

private:
  std::map<std::uint64_t, std::uint64_t> ranges_;
  std::uint64_t size_ = 0;
  /// The range the last insert extended or made; end() when none.
  std::map<std::uint64_t, std::uint64_t>::iterator last_ = ranges_.end();
};

} // namespace cohort
