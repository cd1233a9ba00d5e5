// Unit tests of sql_totals: reductions read from text, SQL's NULL semantics, exact sums, min and
// max as printed, merging in any order, and the partial's encoding read back or refused.
#include "jobs/sql_totals.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>

using namespace cohort;

namespace {

using row = std::vector<std::optional<std::string>>;

std::string refusal(const std::string& text) {
  try {
    parse_reductions(text);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "accepted";
}

std::string decode_refusal(const std::string& bytes) {
  try {
    sql_totals::decode(bytes, parse_reductions("sum:amount,count:amount,max:id"));
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "accepted";
}

sql_totals bound(const std::string& reductions) {
  sql_totals t(parse_reductions(reductions));
  t.bind({"id", "amount", "name"});
  return t;
}

} // namespace

TEST_CASE("sql reductions: OP:COLUMN items, spaces around them ignored", "[sql]") {
  const auto all = parse_reductions("sum:amount,count:amount, max:id ,min:order total");
  REQUIRE(all.size() == 4);
  CHECK(all[0] == sql_reduction{"amount", sql_op::sum});
  CHECK(all[1] == sql_reduction{"amount", sql_op::count});
  CHECK(all[2] == sql_reduction{"id", sql_op::max});
  CHECK(all[3] == sql_reduction{"order total", sql_op::min});
  CHECK(reduction_name(all[2]) == "max:id");
  CHECK(reduction_name(all[3]) == "min:order total");
  for (const auto& r : all) {
    CHECK(parse_reductions(reduction_name(r)) == std::vector<sql_reduction>{r});
  }
  CHECK(parse_reductions("sum:" + std::string(63, 'c'))[0].column.size() == 63);
  CHECK(parse_reductions("max:\xc3\xa9t\xc3\xa9")[0].column == "\xc3\xa9t\xc3\xa9");
  CHECK(parse_reductions("sum:a:b")[0].column == "a:b");
}

TEST_CASE("sql reductions: a bad item is refused by name", "[sql]") {
  CHECK_THAT(refusal(""), Catch::StartsWith("no reductions given (expected OP:COLUMN"));
  CHECK_THAT(refusal("  "), Catch::StartsWith("no reductions given"));
  CHECK(refusal("amount") == "bad reduction 'amount': not OP:COLUMN");
  CHECK(refusal("avg:amount") ==
        "bad reduction 'avg:amount': unknown operation 'avg' (valid: sum, count, min, max)");
  CHECK_THAT(refusal("SUM:amount"), Catch::Contains("unknown operation 'SUM'"));
  CHECK_THAT(refusal("amount:sum"), Catch::Contains("unknown operation 'amount'"));
  CHECK_THAT(refusal(":a"), Catch::Contains("unknown operation ''"));
  CHECK(refusal("sum:") == "bad reduction 'sum:': no column name");
  CHECK(refusal(" sum: ") == "bad reduction 'sum:': no column name");
  CHECK_THAT(refusal("sum:" + std::string(64, 'c')), Catch::EndsWith("longer than 63 bytes"));
  CHECK(refusal("sum:a\tb") ==
        "bad reduction 'sum:a?b': the column name holds a control character");
  CHECK_THAT(refusal("sum:a,,max:b"), Catch::Contains("'sum:a,,max:b' hold an empty item"));
  CHECK_THAT(refusal("sum:a,"), Catch::Contains("hold an empty item"));
  CHECK_THAT(refusal(",sum:a"), Catch::Contains("hold an empty item"));
  CHECK(refusal("sum:a,max:b, sum:a") == "bad reduction 'sum:a': given twice");
}

TEST_CASE("sql totals: bind refuses a column the result does not have", "[sql]") {
  sql_totals t(parse_reductions("sum:amount,max:x"));
  try {
    t.bind({"a", "b"});
    FAIL("bound");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()) == "the query's result has no column 'amount' (it has: a, b)");
  }
  CHECK_THROWS_WITH(t.bind({}), "the query's result has no column 'amount' (it has none)");
  CHECK_THROWS_AS(t.add(row{}), std::logic_error);
  t.bind({"x", "amount", "x"});
  t.add(row{std::string("1"), std::string("2"), std::string("3")});
  CHECK(t.render().dump() == R"({"values":{"sum:amount":"2","max:x":"1"}})");
  CHECK_THROWS_WITH(t.add(row{std::string("1")}), "a row of 1 values in a result of 3 columns");
}

TEST_CASE("sql totals: NULLs are skipped, count counts values, nothing sums to NULL", "[sql]") {
  auto t = bound("sum:amount,count:amount,min:amount,max:amount,count:name,sum:name");
  CHECK(t.render().dump() == R"({"values":{"sum:amount":null,"count:amount":0,"min:amount":null,)"
                             R"("max:amount":null,"count:name":0,"sum:name":null}})");
  t.add(row{std::string("1"), std::nullopt, std::nullopt});
  t.add(row{std::string("2"), std::string("2.50"), std::nullopt});
  t.add(row{std::nullopt, std::nullopt, std::nullopt});
  t.add(row{std::string("4"), std::string("-1"), std::nullopt});
  CHECK(t.rows() == 4);
  CHECK(t.render().dump() == R"({"values":{"sum:amount":"1.50","count:amount":2,"min:amount":"-1",)"
                             R"("max:amount":"2.50","count:name":0,"sum:name":null}})");
}

TEST_CASE("sql totals: min and max keep the text as printed", "[sql]") {
  auto t = bound("min:amount,max:amount,sum:amount");
  for (const char* v : {"1.50", "10.0", "007", "-3", "9.999", "-2.99999"}) {
    t.add(row{std::nullopt, std::string(v), std::nullopt});
  }
  CHECK(t.render().dump() == R"({"values":{"min:amount":"-3","max:amount":"10.0",)"
                             R"("sum:amount":"22.49901"}})");
  auto ties = bound("max:amount,min:amount");
  for (const char* v : {"7.0", "+7", "007", "7"}) {
    ties.add(row{std::nullopt, std::string(v), std::nullopt});
  }
  CHECK(ties.render().dump() == R"({"values":{"max:amount":"+7","min:amount":"+7"}})");
}

TEST_CASE("sql totals: a value that is no number is refused and adds nothing", "[sql]") {
  auto t = bound("sum:id,count:name,max:name");
  t.add(row{std::string("5"), std::string("7"), std::string("7")});
  try {
    t.add(row{std::string("6"), std::string("abc"), std::string("abc")});
    FAIL("added");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()) ==
          "column 'name': 'abc' is not a number (sum, min and max take integers and numerics)");
  }
  CHECK_THROWS_WITH(t.add(row{std::string("NaN"), std::nullopt, std::nullopt}),
                    Catch::StartsWith("column 'id': 'NaN' is not a number"));
  CHECK(t.rows() == 1);
  CHECK(t.render().dump() == R"({"values":{"sum:id":"5","count:name":1,"max:name":"7"}})");
  auto counts_only = bound("count:name");
  counts_only.add(row{std::nullopt, std::nullopt, std::string("abc")});
  CHECK(counts_only.render().dump() == R"({"values":{"count:name":1}})");
}

TEST_CASE("sql totals: partials merged in any order render the same", "[sql]") {
  const std::string wanted = "sum:amount,count:amount,min:amount,max:amount,max:id";
  std::mt19937_64 rng(7);
  const std::array<const char*, 4> highs = {"100.0", "100", "+100.00", "0100"};
  const std::array<const char*, 4> lows = {"-100.0", "-100", "-100.00", "-0100"};
  std::vector<sql_totals> parts;
  auto whole = bound(wanted);
  for (std::size_t p = 0; p < 4; ++p) {
    parts.push_back(bound(wanted));
    for (int i = 0; i < 50; ++i) {
      row r{std::to_string(rng() % 1000), std::nullopt, std::nullopt};
      if (rng() % 5 != 0) {
        const int cents = static_cast<int>(rng() % 20000) - 10000;
        r[1] = (cents < 0 ? "-" : "") + std::to_string(std::abs(cents) / 100) + "." +
               std::to_string(std::abs(cents) % 100 / 10) + std::to_string(std::abs(cents) % 10);
        if (rng() % 7 == 0) {
          r[1] = r[1]->substr(0, r[1]->size() - 1);
        }
      }
      parts.back().add(r);
      whole.add(r);
    }
    // Each part's extremes are equal to the others' but printed otherwise.
    for (const auto* v : {highs[p], lows[p]}) {
      const row r{std::string("0"), std::string(v), std::nullopt};
      parts.back().add(r);
      whole.add(r);
    }
  }
  const auto expected = whole.render().dump();
  std::vector<std::size_t> order = {0, 1, 2, 3};
  int orders = 0;
  do {
    sql_totals merged(parse_reductions(wanted));
    for (std::size_t i : order) {
      merged.merge(sql_totals::decode(parts[i].encode(), parse_reductions(wanted)));
    }
    REQUIRE(merged.render().dump() == expected);
    auto nested = parts[order[0]];
    auto pair = parts[order[2]];
    pair.merge(parts[order[3]]);
    nested.merge(parts[order[1]]);
    nested.merge(pair);
    REQUIRE(nested.render().dump() == expected);
    ++orders;
  } while (std::next_permutation(order.begin(), order.end()));
  CHECK(orders == 24);
  CHECK(whole.rows() == 208);
  CHECK(whole.render()["values"]["max:amount"] == "+100.00");
  CHECK(whole.render()["values"]["min:amount"] == "-0100");
  CHECK_THROWS_AS(whole.merge(bound("sum:amount")), std::invalid_argument);
}

TEST_CASE("sql totals: the encoding reads back to the same state", "[sql]") {
  const auto wanted = parse_reductions("sum:amount,count:amount,max:id");
  sql_totals t(wanted);
  CHECK(t.encode() == "0,,0,");
  t.bind({"id", "amount"});
  t.add(row{std::string("10.0"), std::string("1.25")});
  t.add(row{std::string("9"), std::nullopt});
  t.add(row{std::string("-3"), std::string("5.25")});
  CHECK(t.encode() == "3,6.50,2,10.0");
  const auto back = sql_totals::decode(t.encode(), wanted);
  CHECK(back.encode() == t.encode());
  CHECK(back.rows() == 3);
  CHECK(back.render() == t.render());
  CHECK(back.render().dump() ==
        R"({"values":{"sum:amount":"6.50","count:amount":2,"max:id":"10.0"}})");
  CHECK(sql_totals::decode("0,,0,", wanted).render() == sql_totals(wanted).render());
  const auto big = "5," + std::string(80, '9') + ".5,5,-" + std::string(70, '1');
  CHECK(sql_totals::decode(big, wanted).encode() == big);
}

TEST_CASE("sql totals: decode refuses bytes encode did not write", "[sql]") {
  CHECK(decode_refusal("3,6.50,2,10.0") == "accepted");
  CHECK(decode_refusal("3,6.50,2") == "sql totals: malformed partial: 3 fields for 3 reductions");
  CHECK(decode_refusal("") == "sql totals: malformed partial: 1 fields for 3 reductions");
  CHECK_THAT(decode_refusal("3,6.50,2,10.0,"), Catch::EndsWith("5 fields for 3 reductions"));
  CHECK_THAT(decode_refusal("3,6.50,2,10.0,junk"), Catch::EndsWith("5 fields for 3 reductions"));
  CHECK(decode_refusal("x,6.50,2,10.0") ==
        "sql totals: malformed partial: the row count is not a count: 'x'");
  CHECK_THAT(decode_refusal(",6.50,2,10.0"), Catch::EndsWith("the row count is not a count: ''"));
  CHECK_THAT(decode_refusal("-3,6.50,2,10.0"), Catch::Contains("not a count"));
  CHECK_THAT(decode_refusal("+3,6.50,2,10.0"), Catch::Contains("not a count"));
  CHECK_THAT(decode_refusal(" 3,6.50,2,10.0"), Catch::Contains("not a count"));
  CHECK_THAT(decode_refusal("18446744073709551616,6.50,2,10.0"), Catch::Contains("not a count"));
  CHECK_THAT(decode_refusal("3,6.50,2x,10.0"),
             Catch::EndsWith("count:amount is not a count: '2x'"));
  CHECK_THAT(decode_refusal("3,6.50,4,10.0"),
             Catch::EndsWith("count:amount counts more values than there are rows"));
  CHECK_THAT(decode_refusal("0,6.50,0,"), Catch::EndsWith("sum:amount has a value with no rows"));
  CHECK_THAT(decode_refusal("3,6.5e1,2,10.0"),
             Catch::EndsWith("sum:amount: '6.5e1' is not a decimal number (digits, with an "
                             "optional sign and point)"));
  CHECK_THAT(decode_refusal("3,6.50,2,NaN"), Catch::Contains("max:id: 'NaN' is not a decimal"));
  CHECK_THAT(decode_refusal("3,6.50,2,1\n"), Catch::Contains("max:id: '1?' is not a decimal"));
  CHECK_THAT(decode_refusal(std::string("3,6.50,2,1\0", 11)), Catch::Contains("'1?' is not"));
}

TEST_CASE("sql totals: merged rows beyond 64 bits are refused", "[sql]") {
  const auto wanted = parse_reductions("count:a");
  auto most = sql_totals::decode("18446744073709551615,18446744073709551615", wanted);
  CHECK(most.render().dump() == R"({"values":{"count:a":18446744073709551615}})");
  CHECK_THROWS_WITH(most.merge(sql_totals::decode("1,1", wanted)),
                    "sql totals: more than 2^64-1 rows");
  CHECK(most.rows() == 18446744073709551615ULL);
  most.merge(sql_totals::decode("0,0", wanted));
  CHECK(most.rows() == 18446744073709551615ULL);
}
