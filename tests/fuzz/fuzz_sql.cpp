// libFuzzer target: the sql totals' inputs from outside the process. A selector byte picks one
// number as a database prints it (decimal::parse), the reductions of a job (parse_reductions), or a
// worker's totals as the master reads them (sql_totals::decode).
#include "jobs/decimal.hpp"
#include "jobs/sql_totals.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <optional>
#include <stdexcept>

namespace {

// Digits after the point in the text of a number.
std::size_t scale_of(std::string_view text) {
  const auto point = text.find('.');
  return point == std::string_view::npos ? 0 : text.size() - point - 1;
}

// What parses prints what reads back equal, and adding it to itself and then its negation gives
// it back.
void number(std::string_view text) {
  cohort::decimal d;
  try {
    d = cohort::decimal::parse(text);
  } catch (const std::invalid_argument&) {
    return;
  }
  const auto printed = d.str();
  const auto again = cohort::decimal::parse(printed);
  cohort::fuzz::require(again == d && again.str() == printed);
  cohort::fuzz::require(scale_of(printed) == scale_of(text));
  const auto zero = cohort::decimal::parse("0");
  auto twice = d;
  twice += d;
  cohort::fuzz::require(zero < d ? d < twice : d < zero ? twice < d : twice == d);
  const auto negated =
      cohort::decimal::parse(printed[0] == '-' ? printed.substr(1) : "-" + printed);
  cohort::fuzz::require(negated == d ? d == zero : (zero < d) == (negated < zero));
  twice += negated;
  cohort::fuzz::require(twice == d && twice.str() == printed);
}

// Reductions read back from their names.
void reductions(std::string_view text) {
  std::vector<cohort::sql_reduction> all;
  try {
    all = cohort::parse_reductions(text);
  } catch (const std::invalid_argument&) {
    return;
  }
  std::string names;
  for (const auto& r : all) {
    names += (names.empty() ? "" : ",") + cohort::reduction_name(r);
  }
  cohort::fuzz::require(!all.empty() && cohort::parse_reductions(names) == all);
}

// A peer's bytes: refused with std::invalid_argument, or read into totals that encode back to the
// same state, which merging with no rows leaves as it was.
void totals(std::string_view bytes) {
  static const auto wanted =
      cohort::parse_reductions("sum:amount,count:amount,min:amount,max:id,count:name");
  std::optional<cohort::sql_totals> t;
  try {
    t = cohort::sql_totals::decode(bytes, wanted);
  } catch (const std::invalid_argument&) {
    return;
  }
  const auto encoded = t->encode();
  auto back = cohort::sql_totals::decode(encoded, wanted);
  cohort::fuzz::require(back.encode() == encoded && back.rows() == t->rows() &&
                        back.render() == t->render());
  back.merge(cohort::sql_totals(wanted));
  cohort::fuzz::require(back.encode() == encoded);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const auto text = cohort::fuzz::as_text(data + 1, size - 1);
  switch (data[0] % 3) {
  case 0:
    number(text);
    break;
  case 1:
    reductions(text);
    break;
  default:
    totals(text);
    break;
  }
  return 0;
}
