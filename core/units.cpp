// DUR and SIZE parsing with exact integer arithmetic; errors name the text and what is wrong.
#include "cohort/units.hpp"

#include <cstdint>
#include <limits>
#include <stdexcept>

namespace cohort {

namespace {

struct unit {
  std::string_view name;
  std::uint64_t factor;
};

constexpr unit duration_units[] = {
    {"ns", 1},
    {"us", 1'000},
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"min", 60'000'000'000},
    {"h", 3'600'000'000'000},
};
constexpr std::string_view duration_unit_list = "ns, us, ms, s, min, h";

constexpr unit size_units[] = {
    {"B", 1},
    {"KiB", std::uint64_t{1} << 10},
    {"MiB", std::uint64_t{1} << 20},
    {"GiB", std::uint64_t{1} << 30},
};
constexpr std::string_view size_unit_list = "B, KiB, MiB, GiB";

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/// A number as written: whole digits, optional fraction digits, and the text after them.
struct decimal {
  std::string_view whole;
  std::string_view fraction;
  std::string_view rest;
};

/// Splits `digits[.digits]rest`; on failure returns the reason instead.
std::string_view split_decimal(std::string_view text, decimal& out) {
  if (text.empty()) {
    return "empty";
  }
  if (text.front() == '-') {
    return "negative";
  }
  std::size_t i = 0;
  while (i < text.size() && is_digit(text[i])) {
    ++i;
  }
  if (i == 0) {
    return "not a number";
  }
  out.whole = text.substr(0, i);
  if (i < text.size() && text[i] == '.') {
    std::size_t start = ++i;
    while (i < text.size() && is_digit(text[i])) {
      ++i;
    }
    if (i == start) {
      return "not a number";
    }
    out.fraction = text.substr(start, i - start);
  }
  out.rest = text.substr(i);
  return {};
}

/// whole.fraction * factor, exactly; the reason when it exceeds `max` or is not whole.
std::string_view scale(const decimal& d, std::uint64_t factor, std::uint64_t max,
                       std::string_view base_unit, std::uint64_t& out) {
  using u128 = unsigned __int128;
  u128 whole = 0;
  for (char c : d.whole) {
    whole = whole * 10 + static_cast<unsigned>(c - '0');
    if (whole > max) {
      return "too large";
    }
  }
  // 19 fraction digits keep numerator * factor inside 128 bits; later digits are below any unit.
  auto fraction = d.fraction.substr(0, 19);
  u128 numerator = 0;
  u128 denominator = 1;
  for (char c : fraction) {
    numerator = numerator * 10 + static_cast<unsigned>(c - '0');
    denominator *= 10;
  }
  bool rest_nonzero =
      d.fraction.size() > fraction.size() &&
      d.fraction.substr(fraction.size()).find_first_not_of('0') != std::string_view::npos;
  u128 part = numerator * factor;
  if (part % denominator != 0 || rest_nonzero) {
    return base_unit;
  }
  u128 total = whole * factor + part / denominator;
  if (total > max) {
    return "too large";
  }
  out = static_cast<std::uint64_t>(total);
  return {};
}

[[noreturn]] void fail(std::string_view what, std::string_view text, std::string_view reason) {
  throw std::invalid_argument("bad " + std::string(what) + " '" + std::string(text) +
                              "': " + std::string(reason));
}

} // namespace

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  if (text == "off") {
    return std::nullopt;
  }
  decimal d;
  if (auto reason = split_decimal(text, d); !reason.empty()) {
    fail("duration", text, reason);
  }
  if (d.rest.empty()) {
    fail("duration", text, "a unit is required (" + std::string(duration_unit_list) + ")");
  }
  for (const auto& u : duration_units) {
    if (u.name == d.rest) {
      std::uint64_t ns = 0;
      auto reason = scale(d, u.factor, std::numeric_limits<std::int64_t>::max(),
                          "not a whole number of nanoseconds", ns);
      if (!reason.empty()) {
        fail("duration", text, reason);
      }
      return std::chrono::nanoseconds(static_cast<std::int64_t>(ns));
    }
  }
  fail("duration", text,
       "unknown unit '" + std::string(d.rest) + "' (" + std::string(duration_unit_list) + ")");
}

std::uint64_t parse_size(std::string_view text) {
  decimal d;
  if (auto reason = split_decimal(text, d); !reason.empty()) {
    fail("size", text, reason);
  }
  // A bare number counts bytes, as the header promises: "1048576" and "1MiB" are the same size.
  std::uint64_t factor = 0;
  if (d.rest.empty()) {
    factor = 1;
  }
  for (const auto& u : size_units) {
    if (u.name == d.rest) {
      factor = u.factor;
    }
  }
  if (factor == 0) {
    fail("size", text,
         "unknown unit '" + std::string(d.rest) + "' (" + std::string(size_unit_list) + ")");
  }
  std::uint64_t bytes = 0;
  auto reason = scale(d, factor, std::numeric_limits<std::uint64_t>::max(),
                      "not a whole number of bytes", bytes);
  if (!reason.empty()) {
    fail("size", text, reason);
  }
  return bytes;
}

std::uint64_t parse_u64(std::string_view text) {
  if (text.empty()) {
    fail("number", text, "empty");
  }
  std::uint64_t value = 0;
  for (char c : text) {
    if (!is_digit(c)) {
      fail("number", text, "not a decimal integer");
    }
    auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
      fail("number", text, "too large");
    }
    value = value * 10 + digit;
  }
  return value;
}

std::string format_duration(std::optional<std::chrono::nanoseconds> d) {
  if (!d) {
    return "off";
  }
  auto ns = d->count();
  if (ns == 0) {
    return "0s";
  }
  // The largest unit that shows the value exactly, so parse_duration(format_duration(d)) == d;
  // every count is whole in ns, the last resort.
  for (auto u = std::rbegin(duration_units); u + 1 != std::rend(duration_units); ++u) {
    auto factor = static_cast<std::int64_t>(u->factor);
    if (ns % factor == 0) {
      return std::to_string(ns / factor) + std::string(u->name);
    }
  }
  return std::to_string(ns) + "ns";
}

} // namespace cohort
