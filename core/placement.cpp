// Worker choice for the next batch and designated ownership of stripes; see placement.hpp.
#include "core/placement.hpp"

namespace cohort {

std::optional<worker_ref> placement::pick(const dispatcher& d, dispatch_policy policy,
                                          const std::function<std::uint32_t(worker_ref)>& room) {
  auto n = d.slot_count();
  std::optional<worker_ref> best;
  std::uint32_t best_room = 0;
  for (std::uint32_t k = 1; k <= n; ++k) {
    auto w = d.in_slot((cursor_ + k) % n);
    if (!w) {
      continue;
    }
    auto r = room(*w);
    if (r == 0) {
      continue;
    }
    if (policy == dispatch_policy::round_robin) {
      best = w;
      break;
    }
    if (r > best_room) {
      best = w;
      best_room = r;
    }
  }
  if (best) {
    cursor_ = best->slot;
  }
  return best;
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
