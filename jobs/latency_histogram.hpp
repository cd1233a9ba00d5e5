// Latencies kept as counts in logarithmic buckets (2% wide, from 1 us to about 40 hours): a
// million requests cost the same few kilobytes as ten, and a quantile is within 2% of the truth.
#pragma once

#include <cstdint>
#include <vector>

namespace cohort {

class latency_histogram {
public:
  static constexpr double smallest_s = 1e-6;
  static constexpr double growth = 1.02;
  static constexpr std::size_t buckets = 1300;

  latency_histogram() : counts_(buckets, 0) {}

  void add(double seconds);
  /// The latency below which a fraction `q` of those added lie (the middle of its bucket); 0 when
  /// none was added.
  double quantile(double q) const;
  std::uint64_t total() const { return total_; }

  const std::vector<std::uint64_t>& counts() const { return counts_; }
  /// Takes back what counts() gave; throws std::invalid_argument on another number of buckets.
  void set_counts(std::vector<std::uint64_t> counts);

private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t total_ = 0;
};

} // namespace cohort
