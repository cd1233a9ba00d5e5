// How the master names a worker actor: a slot of its worker table and that slot's generation.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace cohort {

/// A worker's slot is reused once the worker left; the generation tells the worker that left from
/// the one that took its slot, so a reference kept past a worker's leave matches nothing.
struct worker_ref {
  std::uint32_t slot = 0;
  std::uint32_t generation = 0;

  friend auto operator<=>(const worker_ref&, const worker_ref&) = default;
};

} // namespace cohort

template <> struct std::hash<cohort::worker_ref> {
  std::size_t operator()(const cohort::worker_ref& w) const noexcept {
    return std::hash<std::uint64_t>{}(std::uint64_t{w.generation} << 32 | w.slot);
  }
};
