// Slots grouped by free credit in intrusive lists; see credit_index.hpp.
#include "core/credit_index.hpp"

namespace cohort {

void credit_index::set(std::uint32_t slot, std::uint32_t credit) {
  if (slot >= links_.size()) {
    if (credit == 0) {
      return;
    }
    links_.resize(slot + 1);
  }
  if (links_[slot].credit == credit) {
    return;
  }
  unlink(slot);
  auto& l = links_[slot];
  l.credit = credit;
  if (credit == 0) {
    return;
  }
  auto& b = buckets_[credit];
  l.prev = b.tail;
  l.next = none;
  if (b.tail == none) {
    b.head = slot;
  } else {
    links_[b.tail].next = slot;
  }
  b.tail = slot;
}

void credit_index::unlink(std::uint32_t slot) {
  auto& l = links_[slot];
  if (l.credit == 0) {
    return;
  }
  auto b = buckets_.find(l.credit);
  if (l.prev == none) {
    b->second.head = l.next;
  } else {
    links_[l.prev].next = l.next;
  }
  if (l.next == none) {
    b->second.tail = l.prev;
  } else {
    links_[l.next].prev = l.prev;
  }
  if (b->second.head == none) {
    buckets_.erase(b);
  }
  l = link{};
}

} // namespace cohort
