// How fast a count grows: the rate over a sliding window of samples, and an ETA only once the
// samples span enough time to mean something (two samples a moment apart say nothing yet).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace cohort {

class rate_meter {
public:
  using clock = std::chrono::steady_clock;

  rate_meter() = default;
  rate_meter(clock::duration window, clock::duration min_span)
      : window_(window), min_span_(min_span) {}

  /// The running total `count` at `now`; times and counts do not go back.
  void sample(clock::time_point now, std::uint64_t count);
  /// Per second over the samples of the last window; nothing until they span min_span.
  std::optional<double> rate() const;
  /// Seconds until `remaining` more at rate(); nothing while there is no rate, or it is zero.
  std::optional<double> eta(std::uint64_t remaining) const;

private:
  clock::duration window_ = std::chrono::seconds(10);
  clock::duration min_span_ = std::chrono::seconds(2);
  /// A vector, not a deque: the master holds a meter per worker, and an empty std::deque already
  /// takes about 600 bytes of heap. The window holds about ten samples; dropping the oldest moves
  /// them.
  std::vector<std::pair<clock::time_point, std::uint64_t>> samples_;
};

} // namespace cohort
