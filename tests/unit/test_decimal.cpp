// Unit tests of decimal: PostgreSQL's text forms read and printed, exact sums and their scales,
// comparisons by value, refusals, and random sums checked against 128-bit integers.
#include "jobs/decimal.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <stdexcept>
#include <string>

using namespace cohort;

namespace {

std::string sum_of(const std::string& a, const std::string& b) {
  auto d = decimal::parse(a);
  d += decimal::parse(b);
  return d.str();
}

std::string refusal(const std::string& text) {
  try {
    decimal::parse(text);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "accepted";
}

// `v` scaled by 10^-scale as PostgreSQL prints it, written without decimal.
std::string printed(__int128 v, int scale) {
  const bool negative = v < 0;
  std::string digits;
  for (unsigned __int128 m = negative ? -static_cast<unsigned __int128>(v) : v; m != 0; m /= 10) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
  }
  if (digits.size() <= static_cast<std::size_t>(scale)) {
    digits.insert(0, static_cast<std::size_t>(scale) + 1 - digits.size(), '0');
  }
  if (scale > 0) {
    digits.insert(digits.size() - static_cast<std::size_t>(scale), 1, '.');
  }
  return (negative ? "-" : "") + digits;
}

__int128 power_of_ten(int n) {
  __int128 p = 1;
  for (int i = 0; i < n; ++i) {
    p *= 10;
  }
  return p;
}

} // namespace

TEST_CASE("decimal: what PostgreSQL prints reads and prints back the same", "[decimal]") {
  for (const char* text : {"0", "1", "-1", "0.5", "-0.5", "1.50", "0.000100", "999999999",
                           "1000000000", "-123456789012345678901234567890.123456789",
                           "9223372036854775807", "-9223372036854775808", "0.00"}) {
    CHECK(decimal::parse(text).str() == text);
  }
  CHECK(decimal().str() == "0");
}

TEST_CASE("decimal: signs, leading zeros and bare points print as PostgreSQL would", "[decimal]") {
  CHECK(decimal::parse("-0").str() == "0");
  CHECK(decimal::parse("-0.00").str() == "0.00");
  CHECK(decimal::parse("+0.00").str() == "0.00");
  CHECK(decimal::parse("007").str() == "7");
  CHECK(decimal::parse("+5").str() == "5");
  CHECK(decimal::parse("-007.50").str() == "-7.50");
  CHECK(decimal::parse("000000000000000000000000001").str() == "1");
  CHECK(decimal::parse("5.").str() == "5");
  CHECK(decimal::parse(".5").str() == "0.5");
  CHECK(decimal::parse("-.05").str() == "-0.05");
}

TEST_CASE("decimal: anything else is refused, quoting the text on one line", "[decimal]") {
  for (const char* text :
       {"",          "-",    "+",     ".",   "-.",  "NaN",   "nan",     "Infinity",
        "-Infinity", "1e5",  "1E-2",  " 1",  "1 ",  "1.2.3", "--1",     "+-1",
        "1,5",       "0x10", "1_000", "..5", "5..", "1-",    "\xd9\xa1"}) {
    CAPTURE(text);
    CHECK_THAT(refusal(text), Catch::StartsWith("'" + std::string(text) + "' is not a decimal"));
  }
  CHECK(refusal("NaN") ==
        "'NaN' is not a decimal number (digits, with an optional sign and point)");
  CHECK_THAT(refusal("1\n2"), Catch::StartsWith("'1?2' is not"));
  const auto long_one = refusal(std::string(100, '9') + "x");
  CHECK_THAT(long_one, Catch::StartsWith("'" + std::string(40, '9') + "...' is not"));
}

TEST_CASE("decimal: a sum's scale is the larger of its terms'", "[decimal]") {
  CHECK(sum_of("1.5", "2.25") == "3.75");
  CHECK(sum_of("1.50", "1") == "2.50");
  CHECK(sum_of("1", "1.50") == "2.50");
  CHECK(sum_of("0.1", "0.2") == "0.3");
  CHECK(sum_of("5", "0.00") == "5.00");
  CHECK(sum_of("0", "0.000") == "0.000");
  CHECK(sum_of("1.000", "-1") == "0.000");
  CHECK(sum_of("2.5", "2.5") == "5.0");
}

TEST_CASE("decimal: carries and borrows cross limbs", "[decimal]") {
  CHECK(sum_of("999999999", "1") == "1000000000");
  CHECK(sum_of("999999999999999999", "1") == "1000000000000000000");
  CHECK(sum_of("999999999999999999999999999", "1") == "1000000000000000000000000000");
  CHECK(sum_of("1000000000000000000", "-1") == "999999999999999999");
  CHECK(sum_of("0.999999999", "0.000000001") == "1.000000000");
  CHECK(sum_of("1", "0.0000000001") == "1.0000000001");
  CHECK(sum_of("123456789", "0.000000000000000001") == "123456789.000000000000000001");
  CHECK(sum_of("99999999.99", "0.01") == "100000000.00");
  CHECK(sum_of("1000000000.000000000", "-0.000000001") == "999999999.999999999");
}

TEST_CASE("decimal: negatives sum to zero and below", "[decimal]") {
  CHECK(sum_of("-5", "5") == "0");
  CHECK(sum_of("-5.5", "5.50") == "0.00");
  CHECK(sum_of("3", "-10") == "-7");
  CHECK(sum_of("-3", "-4") == "-7");
  CHECK(sum_of("-3", "10") == "7");
  CHECK(sum_of("-1000000000", "1") == "-999999999");
  CHECK(sum_of("1", "-1000000000") == "-999999999");
  CHECK(sum_of("-0.01", "0.001") == "-0.009");
  CHECK(sum_of("0", "-0.5") == "-0.5");
  auto d = decimal::parse("10");
  for (int i = 0; i < 25; ++i) {
    d += decimal::parse("-0.5");
  }
  CHECK(d.str() == "-2.5");
  d += decimal::parse("2.5");
  CHECK(d.str() == "0.0");
}

TEST_CASE("decimal: values of 60 digits and more stay exact", "[decimal]") {
  const std::string nines(70, '9');
  CHECK(sum_of(nines + ".99", "0.01") == "1" + std::string(70, '0') + ".00");
  CHECK(sum_of("1" + std::string(70, '0'), "-" + nines + ".99") == "0.01");
  CHECK(sum_of("-" + nines, nines + ".000") == "0.000");
  auto d = decimal::parse("1");
  for (int i = 0; i < 200; ++i) {
    d += d;
  }
  CHECK(d.str() == "1606938044258990275541962092341162602522202993782792835301376");
  d += decimal::parse("-1606938044258990275541962092341162602522202993782792835301375.5");
  CHECK(d.str() == "0.5");
}

TEST_CASE("decimal: comparisons are by value, sign-aware", "[decimal]") {
  auto d = [](const char* text) {
    return decimal::parse(text);
  };
  CHECK(d("1.50") == d("1.5"));
  CHECK(d("0") == d("-0.00"));
  CHECK(d("007") == d("7.000"));
  CHECK(d("1.5") != d("1.51"));
  CHECK(d("-1") != d("1"));
  CHECK(d("-2") < d("-1"));
  CHECK(d("-1") < d("0"));
  CHECK(d("-0.001") < d("0"));
  CHECK(d("0") < d("0.001"));
  CHECK(d("10") < d("100"));
  CHECK(d("99999999999") < d("100000000000"));
  CHECK(d("1.5") < d("1.51"));
  CHECK(d("-1.5") < d("-1.49"));
  CHECK(d("-100000000000") < d("-99999999999.9"));
  CHECK_FALSE(d("1.50") < d("1.5"));
  CHECK_FALSE(d("1.5") < d("1.50"));
  CHECK_FALSE(d("1") < d("-1"));
  CHECK_FALSE(d("0") < d("-0"));
  CHECK(d(("1" + std::string(60, '0')).c_str()) < d(("1" + std::string(60, '0') + ".01").c_str()));
}

TEST_CASE("decimal: random sums agree with 128-bit integers", "[decimal]") {
  std::mt19937_64 rng(20240601);
  constexpr int max_scale = 6;
  decimal sum;
  __int128 reference = 0; // the sum scaled by 10^max_scale
  int scale_so_far = 0;
  std::vector<std::pair<decimal, __int128>> seen;
  for (int i = 1; i <= 100000; ++i) {
    const int scale = static_cast<int>(rng() % (max_scale + 1));
    auto magnitude = static_cast<__int128>(rng() % 1'000'000'000'000ULL);
    const __int128 value = rng() % 3 == 0 ? -magnitude : magnitude;
    const auto d = decimal::parse(printed(value, scale));
    sum += d;
    reference += value * power_of_ten(max_scale - scale);
    scale_so_far = std::max(scale_so_far, scale);
    if (i % 1000 == 0) {
      REQUIRE(sum.str() ==
              printed(reference / power_of_ten(max_scale - scale_so_far), scale_so_far));
    }
    if (i % 100 == 0) {
      seen.emplace_back(d, value * power_of_ten(max_scale - scale));
    }
  }
  for (std::size_t i = 1; i < seen.size(); ++i) {
    const auto& [a, a_ref] = seen[i - 1];
    const auto& [b, b_ref] = seen[i];
    REQUIRE((a < b) == (a_ref < b_ref));
    REQUIRE((a == b) == (a_ref == b_ref));
  }
}
