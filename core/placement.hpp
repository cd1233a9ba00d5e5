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
  /// What a worker may take of the job being placed: 0 when none.
  using room_test = std::function<std::uint32_t(worker_ref)>;

  /// Picks among present workers with room(w) > 0. least-loaded (and designated, which asks only
  /// for jobs whose tasks go by route): the most room, looking at the
  /// workers by free credit of `bound`, most first (equals in the order they reached it), and
  /// stopping at the first whose room is as much as its credit or `cap` allows: in the common case
  /// one worker is looked at, however many there are. round-robin: the next one after the last
  /// pick. room(w) folds in credit, tags and job caps and is at most `cap`.
  std::optional<worker_ref> pick(const dispatcher& d, dispatch_policy policy, task_bound bound,
                                 std::uint32_t cap, const room_test& room);

  /// The designated owners of a job's stripes (stripe s: owners[s]): the present workers that fit
  /// it, in slot order.
  static std::vector<worker_ref> designate(const dispatcher& d, const worker_test& fits);
  /// The owner of `stripe`: its designated worker while that one is eligible; otherwise, its share
  /// is spread over the eligible workers (stripe mod their count). None when no worker is eligible.
  /// `eligible` must refuse a stale reference: an owner may have left.
  static std::optional<worker_ref> owner(const dispatcher& d, const std::vector<worker_ref>& owners,
                                         std::uint32_t stripe, const worker_test& eligible);

private:
  /// The slot of the last round-robin pick.
  std::uint32_t cursor_ = 0;
};

} // namespace cohort
