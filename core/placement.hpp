// Placement: which worker gets a job's next batch, and who owns each stripe (designated policy).
#pragma once

#include "cohort/master_settings.hpp"
#include "core/dispatcher.hpp"
#include "core/worker_ref.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace cohort {

class placement {
public:
  /// Picks among present workers with room(w) > 0. least-loaded: the most room (ties rotate);
  /// round-robin: the next one after the last pick. room(w) already folds in credit, tags and job
  /// caps. Free slots are skipped.
  std::optional<worker_ref> pick(const dispatcher& d, dispatch_policy policy,
                                 const std::function<std::uint32_t(worker_ref)>& room);

  /// The designated owners of a job's stripes (stripe s: owners[s]): the present workers that fit
  /// it, in slot order.
  static std::vector<worker_ref> designate(const dispatcher& d, const worker_test& fits);
  /// The owner of `stripe`: its designated worker while that one is eligible; otherwise, its share
  /// is spread over the eligible workers (stripe mod their count). None when no worker is eligible.
  /// `eligible` must refuse a stale reference: an owner may have left.
  static std::optional<worker_ref> owner(const dispatcher& d, const std::vector<worker_ref>& owners,
                                         std::uint32_t stripe, const worker_test& eligible);

private:
  /// The slot of the last pick.
  std::uint32_t cursor_ = 0;
};

} // namespace cohort
