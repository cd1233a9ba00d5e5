// Logarithmic latency buckets; see latency_histogram.hpp.
#include "jobs/latency_histogram.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace cohort {

void latency_histogram::add(double seconds) {
  double steps = std::log(std::max(seconds, smallest_s) / smallest_s) / std::log(growth);
  auto i = static_cast<std::size_t>(std::min(steps, static_cast<double>(buckets - 1)));
  ++counts_[i];
  ++total_;
}

double latency_histogram::quantile(double q) const {
  if (total_ == 0) {
    return 0;
  }
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total_)));
  rank = std::clamp<std::uint64_t>(rank, 1, total_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      return smallest_s * std::pow(growth, static_cast<double>(i) + 0.5);
    }
  }
  return smallest_s * std::pow(growth, static_cast<double>(buckets));
}

void latency_histogram::set_counts(std::vector<std::uint64_t> counts) {
  if (counts.size() != buckets) {
    throw std::invalid_argument("a latency histogram has " + std::to_string(buckets) +
                                " buckets, not " + std::to_string(counts.size()));
  }
  counts_ = std::move(counts);
  total_ = std::accumulate(counts_.begin(), counts_.end(), std::uint64_t{0});
}

} // namespace cohort
