// Worker slots ordered by free credit of one bound, so a least-loaded pick looks at the workers
// with the most credit first instead of walking every worker.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

namespace cohort {

/// Slots with free credit, grouped by it: the most credit first, and among equals the order in
/// which they reached it (a worker that just got a batch and its answer goes behind its equals, so
/// ties rotate). Slots with no credit are not held. Changing a slot's credit is O(log C) for C
/// distinct credit values; each slot costs 12 bytes.
class credit_index {
public:
  /// Sets the free credit of `slot`; 0 takes it out.
  void set(std::uint32_t slot, std::uint32_t credit);
  std::uint32_t credit(std::uint32_t slot) const {
    return slot < links_.size() ? links_[slot].credit : 0;
  }
  bool empty() const { return buckets_.empty(); }

  /// Calls `visit(slot, credit)` for the slots held, most credit first, until it returns false.
  /// A visit must not change the index.
  template <class Visit> void visit(Visit&& v) const {
    for (auto b = buckets_.rbegin(); b != buckets_.rend(); ++b) {
      for (auto s = b->second.head; s != none; s = links_[s].next) {
        if (!v(s, b->first)) {
          return;
        }
      }
    }
  }

private:
  static constexpr std::uint32_t none = UINT32_MAX;
  struct link {
    std::uint32_t credit = 0;
    std::uint32_t prev = none;
    std::uint32_t next = none;
  };
  struct bucket {
    std::uint32_t head = none;
    std::uint32_t tail = none;
  };

  void unlink(std::uint32_t slot);

  std::vector<link> links_;
  std::map<std::uint32_t, bucket> buckets_;
};

} // namespace cohort
