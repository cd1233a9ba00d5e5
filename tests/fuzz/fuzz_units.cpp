// libFuzzer target: DUR, SIZE and plain numbers (core/units.cpp) and the typed getters of job
// params (core/params.cpp) on one value; what parses must also read back unchanged.
#include "cohort/params.hpp"
#include "cohort/units.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>

namespace {

// What `parse` makes of `text`, or none when it refuses it (std::invalid_argument).
template <class Parse>
auto accepted(Parse parse, std::string_view text) -> std::optional<decltype(parse(text))> {
  try {
    return parse(text);
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
}

void durations(std::string_view text) {
  auto d = accepted(cohort::parse_duration, text);
  if (!d) {
    return;
  }
  cohort::fuzz::require(!*d || (*d)->count() >= 0);
  cohort::fuzz::require(cohort::parse_duration(cohort::format_duration(*d)) == *d);
}

void sizes(std::string_view text) {
  auto n = accepted(cohort::parse_size, text);
  if (!n) {
    return;
  }
  cohort::fuzz::require(cohort::parse_size(std::to_string(*n)) == *n);
  cohort::fuzz::require(cohort::parse_size(std::to_string(*n) + "B") == *n);
}

void numbers(std::string_view text) {
  auto n = accepted(cohort::parse_u64, text);
  if (!n) {
    return;
  }
  auto digits = text.substr(std::min(text.find_first_not_of('0'), text.size() - 1));
  cohort::fuzz::require(std::to_string(*n) == digits);
}

void getters(std::string_view text) {
  cohort::params p;
  p.set("v", std::string(text));
  auto each = [](auto&& get) {
    try {
      get();
    } catch (const cohort::param_error&) {
    }
  };
  each([&] { return p.get_u64("v", 0); });
  each([&] { return p.get_bool("v", false); });
  each([&] { return p.get_duration("v", std::nullopt); });
  each([&] { return p.get_index_list("v"); });
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto text = cohort::fuzz::as_text(data, size);
  durations(text);
  sizes(text);
  numbers(text);
  getters(text);
  return 0;
}
