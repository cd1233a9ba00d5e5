// A reducer that sums partial.count and renders {"<key>": sum}: enough for any counting job kind;
// its snapshot is the sum in decimal.
#pragma once

#include "cohort/job.hpp"

#include <charconv>
#include <stdexcept>
#include <string>
#include <string_view>

namespace cohort {

class count_reducer final : public reducer {
public:
  explicit count_reducer(std::string key) : key_(std::move(key)) {}
  void merge(partial&& p) override { sum_ += p.count; }
  nlohmann::ordered_json render() const override {
    nlohmann::ordered_json out;
    out[key_] = sum_;
    return out;
  }
  std::optional<std::string> snapshot() const override { return std::to_string(sum_); }
  void restore(std::string_view bytes) override {
    std::uint64_t sum = 0;
    const auto* end = bytes.data() + bytes.size();
    const auto [at, ec] = std::from_chars(bytes.data(), end, sum);
    if (bytes.empty() || ec != std::errc{} || at != end) {
      throw std::invalid_argument("count_reducer: not a snapshot: '" + std::string(bytes) + "'");
    }
    sum_ = sum;
  }

private:
  std::string key_;
  std::uint64_t sum_ = 0;
};

} // namespace cohort
