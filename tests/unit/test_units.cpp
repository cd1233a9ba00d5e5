// DUR, SIZE and plain-number parsing: accepted forms, exact values, every rejection's message.
#include "cohort/units.hpp"

#include <catch2/catch.hpp>

#include <limits>
#include <stdexcept>

using namespace std::chrono_literals;
using cohort::format_duration;
using cohort::parse_duration;
using cohort::parse_size;
using cohort::parse_u64;

namespace {

template <typename F> std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  FAIL("no std::invalid_argument thrown");
  return {};
}

} // namespace

TEST_CASE("parse_duration reads every unit", "[units]") {
  CHECK(parse_duration("7ns") == 7ns);
  CHECK(parse_duration("7us") == 7us);
  CHECK(parse_duration("500ms") == 500ms);
  CHECK(parse_duration("30s") == 30s);
  CHECK(parse_duration("2min") == 2min);
  CHECK(parse_duration("3h") == 3h);
  CHECK(parse_duration("0s") == 0ns);
  CHECK(parse_duration("007ms") == 7ms);
}

TEST_CASE("parse_duration takes exact decimals", "[units]") {
  CHECK(parse_duration("1.5s") == 1500ms);
  CHECK(parse_duration("0.25min") == 15s);
  CHECK(parse_duration("0.000000001s") == 1ns);
  CHECK(parse_duration("1.500us") == 1500ns);
  // Zeros past nanosecond precision change nothing.
  CHECK(parse_duration("1.00000000000000000000000s") == 1s);
}

TEST_CASE("parse_duration: off is nullopt", "[units]") {
  CHECK_FALSE(parse_duration("off").has_value());
}

TEST_CASE("parse_duration rejects with a message naming the text", "[units]") {
  CHECK(error_of([] { parse_duration("5"); }) ==
        "bad duration '5': a unit is required (ns, us, ms, s, min, h)");
  CHECK(error_of([] { parse_duration(""); }) == "bad duration '': empty");
  CHECK(error_of([] { parse_duration("-1s"); }) == "bad duration '-1s': negative");
  CHECK(error_of([] { parse_duration("5sec"); }) ==
        "bad duration '5sec': unknown unit 'sec' (ns, us, ms, s, min, h)");
  CHECK(error_of([] { parse_duration("5MS"); }) ==
        "bad duration '5MS': unknown unit 'MS' (ns, us, ms, s, min, h)");
  CHECK(error_of([] { parse_duration("5 s"); }) ==
        "bad duration '5 s': unknown unit ' s' (ns, us, ms, s, min, h)");
  CHECK(error_of([] { parse_duration("abc"); }) == "bad duration 'abc': not a number");
  CHECK(error_of([] { parse_duration(" 5s"); }) == "bad duration ' 5s': not a number");
  CHECK(error_of([] { parse_duration("+5s"); }) == "bad duration '+5s': not a number");
  CHECK(error_of([] { parse_duration(".5s"); }) == "bad duration '.5s': not a number");
  CHECK(error_of([] { parse_duration("5.s"); }) == "bad duration '5.s': not a number");
  CHECK(error_of([] { parse_duration("Off"); }) == "bad duration 'Off': not a number");
  CHECK(error_of([] { parse_duration("1.5ns"); }) ==
        "bad duration '1.5ns': not a whole number of nanoseconds");
}

TEST_CASE("parse_duration rejects overflow", "[units]") {
  // int64 nanoseconds end after about 292 years (2562047 h).
  CHECK(parse_duration("2562047h") == std::chrono::hours(2562047));
  CHECK(error_of([] { parse_duration("2562048h"); }) == "bad duration '2562048h': too large");
  CHECK(error_of([] { parse_duration("9223372036854775808ns"); }) ==
        "bad duration '9223372036854775808ns': too large");
  CHECK(parse_duration("9223372036854775807ns") == std::chrono::nanoseconds::max());
  CHECK(error_of([] { parse_duration("99999999999999999999999999s"); }) ==
        "bad duration '99999999999999999999999999s': too large");
}

TEST_CASE("format_duration is the inverse of parse_duration", "[units]") {
  CHECK(format_duration(std::nullopt) == "off");
  CHECK(format_duration(0ns) == "0s");
  CHECK(format_duration(500ms) == "500ms");
  CHECK(format_duration(1500ms) == "1500ms");
  CHECK(format_duration(30s) == "30s");
  CHECK(format_duration(120s) == "2min");
  CHECK(format_duration(2h) == "2h");
  CHECK(format_duration(1001ns) == "1001ns");
  using ns = std::chrono::nanoseconds;
  for (ns d : {ns(1ns), ns(999us), ns(1500ms), ns(90s), ns(61min), ns(3h), ns::max()}) {
    CHECK(parse_duration(format_duration(d)) == d);
  }
}

TEST_CASE("parse_size reads units and bare bytes", "[units]") {
  CHECK(parse_size("0") == 0);
  CHECK(parse_size("100") == 100);
  CHECK(parse_size("100B") == 100);
  CHECK(parse_size("4KiB") == 4096);
  CHECK(parse_size("64MiB") == 64u << 20);
  CHECK(parse_size("2GiB") == std::uint64_t{2} << 30);
  CHECK(parse_size("1.5KiB") == 1536);
  CHECK(parse_size("0.5GiB") == 512u << 20);
}

TEST_CASE("parse_size rejects with a message naming the text", "[units]") {
  CHECK(error_of([] { parse_size("64MB"); }) ==
        "bad size '64MB': unknown unit 'MB' (B, KiB, MiB, GiB)");
  CHECK(error_of([] { parse_size("1TiB"); }) ==
        "bad size '1TiB': unknown unit 'TiB' (B, KiB, MiB, GiB)");
  CHECK(error_of([] { parse_size(""); }) == "bad size '': empty");
  CHECK(error_of([] { parse_size("-1KiB"); }) == "bad size '-1KiB': negative");
  CHECK(error_of([] { parse_size("KiB"); }) == "bad size 'KiB': not a number");
  CHECK(error_of([] { parse_size("1.5"); }) == "bad size '1.5': not a whole number of bytes");
  CHECK(error_of([] { parse_size("1.0001KiB"); }) ==
        "bad size '1.0001KiB': not a whole number of bytes");
  CHECK(error_of([] { parse_size("17179869184GiB"); }) == "bad size '17179869184GiB': too large");
  CHECK(parse_size("17179869183GiB") == std::uint64_t{17179869183} << 30);
}

TEST_CASE("parse_u64 takes plain decimals only", "[units]") {
  CHECK(parse_u64("0") == 0);
  CHECK(parse_u64("42") == 42);
  CHECK(parse_u64("18446744073709551615") == std::numeric_limits<std::uint64_t>::max());
  CHECK(error_of([] { parse_u64("18446744073709551616"); }) ==
        "bad number '18446744073709551616': too large");
  CHECK(error_of([] { parse_u64(""); }) == "bad number '': empty");
  CHECK(error_of([] { parse_u64("-1"); }) == "bad number '-1': not a decimal integer");
  CHECK(error_of([] { parse_u64("+1"); }) == "bad number '+1': not a decimal integer");
  CHECK(error_of([] { parse_u64(" 1"); }) == "bad number ' 1': not a decimal integer");
  CHECK(error_of([] { parse_u64("1 "); }) == "bad number '1 ': not a decimal integer");
  CHECK(error_of([] { parse_u64("0x10"); }) == "bad number '0x10': not a decimal integer");
  CHECK(error_of([] { parse_u64("1.0"); }) == "bad number '1.0': not a decimal integer");
}
