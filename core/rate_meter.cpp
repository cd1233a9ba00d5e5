#include "core/rate_meter.hpp"

namespace cohort {

void rate_meter::sample(clock::time_point now, std::uint64_t count) {
  samples_.emplace_back(now, count);
  // Keep one sample at or before the window's start, so the window is covered whole.
  std::size_t old = 0;
  while (samples_.size() - old > 2 && samples_[old + 1].first <= now - window_) {
    ++old;
  }
  samples_.erase(samples_.begin(), samples_.begin() + static_cast<std::ptrdiff_t>(old));
}

std::optional<double> rate_meter::rate() const {
  if (samples_.size() < 2) {
    return std::nullopt;
  }
  const auto& [t0, c0] = samples_.front();
  const auto& [t1, c1] = samples_.back();
  if (t1 - t0 < min_span_) {
    return std::nullopt;
  }
  return static_cast<double>(c1 - c0) / std::chrono::duration<double>(t1 - t0).count();
}

std::optional<double> rate_meter::eta(std::uint64_t remaining) const {
  auto r = rate();
  if (!r || *r <= 0) {
    return std::nullopt;
  }
  return static_cast<double>(remaining) / *r;
}

} // namespace cohort
