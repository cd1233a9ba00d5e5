// Worker choice for the next batch and designated ownership of stripes; see placement.hpp.
#include "core/placement.hpp"

#include <algorithm>

namespace cohort {

std::optional<worker_ref> placement::pick(const dispatcher& d, dispatch_policy policy,
                                          task_bound bound, std::uint32_t cap,
                                          const room_test& room) {
  std::optional<worker_ref> best;
  std::uint32_t best_room = 0;
  // Designated placement asks here only for jobs whose tasks go by route: those spread by load.
  if (policy != dispatch_policy::round_robin) {
    // Room is at most min(credit, cap): once a worker has that much, none after it has more.
    d.by_credit(bound, [&](worker_ref w, std::uint32_t credit) {
      auto most = std::min(credit, cap);
      if (best_room >= most) {
        return false;
      }
      if (auto r = room(w); r > best_room) {
        best = w;
        best_room = r;
      }
      return best_room < most;
    });
    return best;
  }
  auto n = d.slot_count();
  for (std::uint32_t k = 1; k <= n; ++k) {
    auto w = d.in_slot((cursor_ + k) % n);
    if (w && room(*w) > 0) {
      cursor_ = w->slot;
      return w;
    }
  }
  return std::nullopt;
}

std::vector<worker_ref> placement::designate(const dispatcher& d, const worker_test& fits) {
  std::vector<worker_ref> owners;
  for (auto w : d.workers()) {
    if (fits(w)) {
      owners.push_back(w);
    }
  }
  return owners;
}

std::optional<worker_ref> placement::owner(const dispatcher& d,
                                           const std::vector<worker_ref>& owners,
                                           std::uint32_t stripe, const worker_test& eligible) {
  if (stripe < owners.size() && eligible(owners[stripe])) {
    return owners[stripe];
  }
  std::vector<worker_ref> survivors;
  for (auto w : d.workers()) {
    if (eligible(w)) {
      survivors.push_back(w);
    }
  }
  if (survivors.empty()) {
    return std::nullopt;
  }
  return survivors[stripe % survivors.size()];
}

} // namespace cohort
