// Job parameters: the k=v pairs of --param or a jobs-file line, with typed getters that name bad
// values.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cohort {

/// Thrown for a bad or unknown job parameter; the message names the parameter and its value.
struct param_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The parameters of one job, kept as strings exactly as the user wrote them.
class params {
public:
  using map_type = std::map<std::string, std::string, std::less<>>;

  params() = default;
  explicit params(map_type values) : values_(std::move(values)) {}

  void set(std::string key, std::string value) { values_[std::move(key)] = std::move(value); }
  bool has(std::string_view key) const { return values_.find(key) != values_.end(); }
  std::optional<std::string> get(std::string_view key) const;
  const map_type& all() const { return values_; }

  std::string get_string(std::string_view key, std::string fallback) const;
  std::uint64_t get_u64(std::string_view key, std::uint64_t fallback) const;
  bool get_bool(std::string_view key, bool fallback) const;
  /// A DUR ("500ms", "1.5s", "2min"); nullopt for "off" or when absent without fallback.
  std::optional<std::chrono::nanoseconds>
  get_duration(std::string_view key, std::optional<std::chrono::nanoseconds> fallback) const;
  /// A comma-separated list of task indices ("3,17,40"), empty when absent.
  std::vector<std::uint64_t> get_index_list(std::string_view key) const;

  /// "k=v k2=v2", sorted by key: how errors and logs name a job's parameters.
  std::string describe() const;

private:
  map_type values_;
};

} // namespace cohort
