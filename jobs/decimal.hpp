// decimal: an exact decimal number of any size, for summing PostgreSQL integers and numerics as
// they come in text form; never a double, so a sum matches psql's to the last digit.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cohort {

class decimal {
public:
  /// Zero, with no digits after the point.
  decimal() = default;

  /// Reads what PostgreSQL prints for integer, bigint and numeric: an optional '-' or '+', digits,
  /// and optionally '.' and digits. As PostgreSQL's own input does, it also reads "5." (scale 0)
  /// and ".5" (scale 1). No exponent, no spaces. Throws std::invalid_argument quoting the text for
  /// anything else, "NaN", "Infinity" and the empty text included.
  static decimal parse(std::string_view text);

  /// The value as PostgreSQL prints it: as many digits after the point as the scale (the digits
  /// after the point it was read with, or the larger of a sum's terms'), no leading zeros, and no
  /// sign on zero.
  std::string str() const;

  /// Exact; the sum's scale is the larger of the two (PostgreSQL's rule for numeric addition).
  decimal& operator+=(const decimal& other);

  /// By value, whatever the scales: 1.50 == 1.5.
  friend bool operator==(const decimal& a, const decimal& b);
  friend bool operator<(const decimal& a, const decimal& b);

private:
  // The magnitude in base 10^9, least significant limb first, with no zero limb on top (zero has
  // none). A std::u32string keeps up to three limbs (27 digits) inside the object, so reading and
  // adding column values does not allocate.
  std::u32string limbs_;
  std::size_t scale_ = 0;
  // Never set on zero.
  bool negative_ = false;
};

/// `text` for a one-line error message: control bytes as '?', cut at 40 bytes with "...".
std::string quote_for_message(std::string_view text);

} // namespace cohort
