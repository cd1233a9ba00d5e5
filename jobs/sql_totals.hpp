// sql_totals: sums, counts, minima and maxima of SQL result columns, exact (jobs/decimal.hpp) and
// mergeable: each worker totals the rows of its queries, and the master merges the encoded totals.
#pragma once

#include "jobs/decimal.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cohort {

enum class sql_op { sum, count, min, max };

struct sql_reduction {
  std::string column;
  sql_op op;
  friend bool operator==(const sql_reduction&, const sql_reduction&) = default;
};

/// Reads "OP:COLUMN[,OP:COLUMN...]", OP one of sum, count, min, max (lower case): "sum:amount,
/// max:id". Spaces around an item and around its first ':' are ignored; a column name is 1-63
/// bytes with no ',' or control character (a ':' is part of it), and spaces inside it are kept.
/// Throws std::invalid_argument naming the bad item, an empty one, or one given twice.
std::vector<sql_reduction> parse_reductions(std::string_view text);

/// "sum:amount", as parse_reductions reads it.
std::string reduction_name(const sql_reduction& r);

/// The reductions of the rows added, with SQL's semantics: NULLs are skipped, count counts the
/// values that are not NULL, and the sum, min or max of no value is NULL.
class sql_totals {
public:
  explicit sql_totals(std::vector<sql_reduction> wanted);

  /// Finds each reduction's column in a query result's column names (the first of that name).
  /// Throws std::invalid_argument naming a column the result does not have.
  void bind(const std::vector<std::string>& columns);
  /// One row of the bound result, its values in text form by column (std::nullopt is NULL). Throws
  /// std::invalid_argument naming the column and value when sum, min or max meets a value that is
  /// not a number (decimal::parse), and then adds nothing of the row; std::logic_error before
  /// bind().
  void add(const std::vector<std::optional<std::string>>& row);
  std::uint64_t rows() const { return rows_; }

  /// Adds the rows of totals of the same reductions (else throws std::invalid_argument). Of equal
  /// minima or maxima printed differently (1.5 and 1.50), the text that sorts first is kept, so
  /// the order of rows and merges never shows.
  void merge(const sql_totals& other);

  /// The state as text: the row count, then one field per reduction, separated by ','; a count is
  /// its number, a sum the decimal's text, a min or max the value's text as added; an empty field
  /// is NULL. "10000000,624404999.99,10000000,9999999".
  std::string encode() const;
  /// Reads what encode() wrote, from a peer: throws std::invalid_argument on anything else (another
  /// number of fields, a bad number, a count above the row count, a value with no rows).
  static sql_totals decode(std::string_view bytes, std::vector<sql_reduction> wanted);

  /// {"values": {"sum:amount": "624404999.99", "count:amount": 10000000, "max:id": "9999999"}}:
  /// counts as numbers, sums, minima and maxima as strings (exact), null when NULL.
  nlohmann::ordered_json render() const;

private:
  struct state {
    std::uint64_t count = 0;
    // The sum, min or max; none while no value was seen.
    std::optional<decimal> value;
    // The min or max as it was added.
    std::string text;
  };

  static void keep_extreme(state& s, sql_op op, const decimal& value, const std::string& text);

  std::vector<sql_reduction> wanted_;
  std::vector<state> states_;
  std::uint64_t rows_ = 0;
  // Set by bind(): each reduction's column index, and the result's number of columns.
  std::vector<std::size_t> at_;
  std::size_t columns_ = 0;
  bool bound_ = false;
  // add()'s values read from a row before any is added, kept to reuse their room.
  std::vector<decimal> parsed_;
};

} // namespace cohort
