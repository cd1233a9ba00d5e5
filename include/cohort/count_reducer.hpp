// A reducer that sums partial.count and renders {"<key>": sum}: enough for any counting job kind.
#pragma once

#include "cohort/job.hpp"

#include <string>

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

private:
  std::string key_;
  std::uint64_t sum_ = 0;
};

} // namespace cohort
