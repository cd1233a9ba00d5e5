// Typed access to job parameters; every error names the parameter and the value it got.
#include "cohort/params.hpp"

#include "cohort/units.hpp"

namespace cohort {

namespace {

[[noreturn]] void bad(std::string_view key, const std::string& value, std::string_view expected) {
  throw param_error("param '" + std::string(key) + "': expected " + std::string(expected) +
                    ", got '" + value + "'");
}

} // namespace

std::optional<std::string> params::get(std::string_view key) const {
  auto i = values_.find(key);
  if (i == values_.end()) {
    return std::nullopt;
  }
  return i->second;
}

std::string params::get_string(std::string_view key, std::string fallback) const {
  auto v = get(key);
  return v ? *v : std::move(fallback);
}

std::uint64_t params::get_u64(std::string_view key, std::uint64_t fallback) const {
  auto v = get(key);
  if (!v) {
    return fallback;
  }
  try {
    return parse_u64(*v);
  } catch (const std::invalid_argument&) {
    bad(key, *v, "an unsigned integer");
  }
}

bool params::get_bool(std::string_view key, bool fallback) const {
  auto v = get(key);
  if (!v) {
    return fallback;
  }
  if (*v == "true") {
    return true;
  }
  if (*v == "false") {
    return false;
  }
  bad(key, *v, "true or false");
}

std::optional<std::chrono::nanoseconds>
params::get_duration(std::string_view key, std::optional<std::chrono::nanoseconds> fallback) const {
  auto v = get(key);
  if (!v) {
    return fallback;
  }
  try {
    return parse_duration(*v);
  } catch (const std::invalid_argument&) {
    bad(key, *v, "a duration such as 500ms or 2s");
  }
}

std::vector<std::uint64_t> params::get_index_list(std::string_view key) const {
  std::vector<std::uint64_t> out;
  auto v = get(key);
  if (!v || v->empty()) {
    return out;
  }
  std::string_view rest = *v;
  while (true) {
    auto comma = rest.find(',');
    auto item = rest.substr(0, comma);
    try {
      out.push_back(parse_u64(item));
    } catch (const std::invalid_argument&) {
      bad(key, *v, "a comma-separated list of task indices");
    }
    if (comma == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(comma + 1);
  }
  return out;
}

std::string params::describe() const {
  std::string out;
  for (const auto& [key, value] : values_) {
    if (!out.empty()) {
      out += ' ';
    }
    out += key + "=" + value;
  }
  return out;
}

} // namespace cohort
