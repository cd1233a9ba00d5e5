// decimal: exact decimal numbers of any size; see decimal.hpp.
#include "jobs/decimal.hpp"

#include <array>
#include <cstdint>
#include <stdexcept>

namespace cohort {

namespace {

using limbs = std::u32string;

constexpr std::uint32_t base = 1'000'000'000;
constexpr std::size_t limb_digits = 9;
constexpr std::array<std::uint32_t, limb_digits> powers_of_ten = {
    1, 10, 100, 1'000, 10'000, 100'000, 1'000'000, 10'000'000, 100'000'000};

void trim(limbs& a) {
  while (!a.empty() && a.back() == 0) {
    a.pop_back();
  }
}

// Below zero, zero or above zero as a is below, equal to or above b.
int compare(const limbs& a, const limbs& b) {
  if (a.size() != b.size()) {
    return a.size() < b.size() ? -1 : 1;
  }
  for (std::size_t i = a.size(); i-- > 0;) {
    if (a[i] != b[i]) {
      return a[i] < b[i] ? -1 : 1;
    }
  }
  return 0;
}

// a += b.
void add_to(limbs& a, const limbs& b) {
  if (a.size() < b.size()) {
    a.resize(b.size(), 0);
  }
  std::uint32_t carry = 0;
  for (std::size_t i = 0; i < a.size() && (i < b.size() || carry != 0); ++i) {
    const std::uint32_t s = a[i] + (i < b.size() ? b[i] : 0) + carry;
    carry = s >= base ? 1 : 0;
    a[i] = static_cast<char32_t>(s - carry * base);
  }
  if (carry != 0) {
    a.push_back(1);
  }
}

// a = |a - b|; `a_larger` tells that a is not below b.
void subtract(limbs& a, const limbs& b, bool a_larger) {
  if (a.size() < b.size()) {
    a.resize(b.size(), 0);
  }
  std::uint32_t borrow = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a_larger && i >= b.size() && borrow == 0) {
      break;
    }
    const std::uint32_t other = i < b.size() ? b[i] : 0;
    const std::uint32_t big = a_larger ? a[i] : other;
    const std::uint32_t small = (a_larger ? other : a[i]) + borrow;
    borrow = big < small ? 1 : 0;
    a[i] = static_cast<char32_t>(big + borrow * base - small);
  }
  trim(a);
}

// a *= 10^digits.
void shift_up(limbs& a, std::size_t digits) {
  if (a.empty()) {
    return;
  }
  a.insert(std::size_t{0}, digits / limb_digits, char32_t{0});
  const std::uint64_t factor = powers_of_ten[digits % limb_digits];
  if (factor == 1) {
    return;
  }
  std::uint64_t carry = 0;
  for (auto& limb : a) {
    const std::uint64_t p = limb * factor + carry;
    limb = static_cast<char32_t>(p % base);
    carry = p / base;
  }
  if (carry != 0) {
    a.push_back(static_cast<char32_t>(carry));
  }
}

// Compares the magnitudes a * 10^-a_scale and b * 10^-b_scale.
int compare_scaled(const limbs& a, std::size_t a_scale, const limbs& b, std::size_t b_scale) {
  if (a_scale < b_scale) {
    limbs up = a;
    shift_up(up, b_scale - a_scale);
    return compare(up, b);
  }
  if (b_scale < a_scale) {
    limbs up = b;
    shift_up(up, a_scale - b_scale);
    return compare(a, up);
  }
  return compare(a, b);
}

// The magnitude's digits, without leading zeros.
std::string digits_of(const limbs& a) {
  if (a.empty()) {
    return "0";
  }
  std::string out = std::to_string(a.back());
  // Each limb below the top one, as its nine digits.
  for (std::size_t i = a.size() - 1; i-- > 0;) {
    std::array<char, limb_digits> digits;
    std::uint32_t limb = a[i];
    for (std::size_t k = limb_digits; k-- > 0;) {
      digits[k] = static_cast<char>('0' + limb % 10);
      limb /= 10;
    }
    out.append(digits.data(), digits.size());
  }
  return out;
}

std::size_t leading_digits(std::string_view s) {
  std::size_t n = 0;
  while (n < s.size() && s[n] >= '0' && s[n] <= '9') {
    ++n;
  }
  return n;
}

} // namespace

decimal decimal::parse(std::string_view text) {
  std::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && (rest[0] == '-' || rest[0] == '+')) {
    negative = rest[0] == '-';
    rest.remove_prefix(1);
  }
  const std::string_view whole = rest.substr(0, leading_digits(rest));
  rest.remove_prefix(whole.size());
  std::string_view fraction;
  if (!rest.empty() && rest[0] == '.') {
    rest.remove_prefix(1);
    fraction = rest.substr(0, leading_digits(rest));
    rest.remove_prefix(fraction.size());
  }
  if (!rest.empty() || whole.size() + fraction.size() == 0) {
    throw std::invalid_argument(
        quote_for_message(text) +
        " is not a decimal number (digits, with an optional sign and point)");
  }
  decimal d;
  d.scale_ = fraction.size();
  auto digit = [&](std::size_t i) -> std::uint32_t {
    return static_cast<std::uint32_t>((i < whole.size() ? whole[i] : fraction[i - whole.size()]) -
                                      '0');
  };
  for (std::size_t end = whole.size() + fraction.size(); end > 0;) {
    const std::size_t begin = end > limb_digits ? end - limb_digits : 0;
    std::uint32_t limb = 0;
    for (std::size_t i = begin; i < end; ++i) {
      limb = limb * 10 + digit(i);
    }
    d.limbs_.push_back(static_cast<char32_t>(limb));
    end = begin;
  }
  trim(d.limbs_);
  d.negative_ = negative && !d.limbs_.empty();
  return d;
}

std::string decimal::str() const {
  std::string out = digits_of(limbs_);
  if (out.size() <= scale_) {
    out.insert(0, scale_ + 1 - out.size(), '0');
  }
  if (scale_ > 0) {
    out.insert(out.size() - scale_, 1, '.');
  }
  if (negative_) {
    out.insert(0, 1, '-');
  }
  return out;
}

decimal& decimal::operator+=(const decimal& other) {
  if (&other == this) {
    const decimal copy = other;
    return *this += copy;
  }
  if (other.scale_ > scale_) {
    shift_up(limbs_, other.scale_ - scale_);
    scale_ = other.scale_;
  }
  limbs shifted;
  const limbs* b = &other.limbs_;
  if (other.scale_ < scale_) {
    shifted = other.limbs_;
    shift_up(shifted, scale_ - other.scale_);
    b = &shifted;
  }
  if (negative_ == other.negative_) {
    add_to(limbs_, *b);
    return *this;
  }
  const int order = compare(limbs_, *b);
  subtract(limbs_, *b, order >= 0);
  negative_ = (order < 0 ? other.negative_ : negative_) && !limbs_.empty();
  return *this;
}

bool operator==(const decimal& a, const decimal& b) {
  return a.negative_ == b.negative_ && compare_scaled(a.limbs_, a.scale_, b.limbs_, b.scale_) == 0;
}

bool operator<(const decimal& a, const decimal& b) {
  if (a.negative_ != b.negative_) {
    return a.negative_;
  }
  const int order = compare_scaled(a.limbs_, a.scale_, b.limbs_, b.scale_);
  return a.negative_ ? order > 0 : order < 0;
}

std::string quote_for_message(std::string_view text) {
  constexpr std::size_t limit = 40;
  std::string out = "'";
  for (char c : text.substr(0, limit)) {
    const auto byte = static_cast<unsigned char>(c);
    out += byte < 0x20 || byte == 0x7f ? '?' : c;
  }
  if (text.size() > limit) {
    out += "...";
  }
  out += '\'';
  return out;
}

} // namespace cohort
