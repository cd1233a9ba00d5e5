// sql_totals: exact, mergeable reductions of SQL result columns; see sql_totals.hpp.
#include "jobs/sql_totals.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <stdexcept>

namespace cohort {

namespace {

constexpr std::size_t max_column_name = 63;
constexpr std::string_view expected_form = "OP:COLUMN[,OP:COLUMN...]";

struct op_name {
  sql_op op;
  std::string_view name;
};

constexpr std::array<op_name, 4> op_names = {
    {{sql_op::sum, "sum"}, {sql_op::count, "count"}, {sql_op::min, "min"}, {sql_op::max, "max"}}};

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') {
    s.remove_prefix(1);
  }
  while (!s.empty() && s.back() == ' ') {
    s.remove_suffix(1);
  }
  return s;
}

[[noreturn]] void bad_reduction(std::string_view item, const std::string& why) {
  throw std::invalid_argument("bad reduction " + quote_for_message(item) + ": " + why);
}

sql_reduction parse_item(std::string_view item) {
  const auto colon = item.find(':');
  if (colon == std::string_view::npos) {
    bad_reduction(item, "not OP:COLUMN");
  }
  const std::string_view op = trim_spaces(item.substr(0, colon));
  const std::string_view column = trim_spaces(item.substr(colon + 1));
  if (column.empty()) {
    bad_reduction(item, "no column name");
  }
  if (column.size() > max_column_name) {
    bad_reduction(item, "the column name is longer than 63 bytes");
  }
  for (char c : column) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      bad_reduction(item, "the column name holds a control character");
    }
  }
  for (const auto& o : op_names) {
    if (o.name == op) {
      return {std::string(column), o.op};
    }
  }
  bad_reduction(item,
                "unknown operation " + quote_for_message(op) + " (valid: sum, count, min, max)");
}

[[noreturn]] void malformed(const std::string& what) {
  throw std::invalid_argument("sql totals: malformed partial: " + what);
}

std::uint64_t read_count(std::string_view field, const std::string& what) {
  std::uint64_t n = 0;
  const char* end = field.data() + field.size();
  const auto [stop, error] = std::from_chars(field.data(), end, n);
  if (field.empty() || error != std::errc() || stop != end) {
    malformed(what + " is not a count: " + quote_for_message(field));
  }
  return n;
}

} // namespace

std::vector<sql_reduction> parse_reductions(std::string_view text) {
  if (trim_spaces(text).empty()) {
    throw std::invalid_argument("no reductions given (expected " + std::string(expected_form) +
                                ", e.g. sum:amount,max:id)");
  }
  std::vector<sql_reduction> out;
  for (std::string_view rest = text;;) {
    const auto comma = rest.find(',');
    const std::string_view item = trim_spaces(rest.substr(0, comma));
    if (item.empty()) {
      throw std::invalid_argument("reductions " + quote_for_message(text) +
                                  " hold an empty item (expected " + std::string(expected_form) +
                                  ")");
    }
    auto r = parse_item(item);
    if (std::find(out.begin(), out.end(), r) != out.end()) {
      bad_reduction(item, "given twice");
    }
    out.push_back(std::move(r));
    if (comma == std::string_view::npos) {
      return out;
    }
    rest.remove_prefix(comma + 1);
  }
}

std::string reduction_name(const sql_reduction& r) {
  for (const auto& o : op_names) {
    if (o.op == r.op) {
      return std::string(o.name) + ":" + r.column;
    }
  }
  throw std::invalid_argument("not an sql_op: " + std::to_string(static_cast<int>(r.op)));
}

sql_totals::sql_totals(std::vector<sql_reduction> wanted)
    : wanted_(std::move(wanted)), states_(wanted_.size()), parsed_(wanted_.size()) {}

void sql_totals::bind(const std::vector<std::string>& columns) {
  at_.clear();
  for (const auto& r : wanted_) {
    const auto it = std::find(columns.begin(), columns.end(), r.column);
    if (it == columns.end()) {
      std::string names;
      for (const auto& c : columns) {
        names += (names.empty() ? "" : ", ") + c;
      }
      bound_ = false;
      throw std::invalid_argument("the query's result has no column " +
                                  quote_for_message(r.column) + " (it has" +
                                  (names.empty() ? " none" : ": " + names) + ")");
    }
    at_.push_back(static_cast<std::size_t>(it - columns.begin()));
  }
  columns_ = columns.size();
  bound_ = true;
}

void sql_totals::add(const std::vector<std::optional<std::string>>& row) {
  if (!bound_) {
    throw std::logic_error("sql_totals::add before bind");
  }
  if (row.size() != columns_) {
    throw std::invalid_argument("a row of " + std::to_string(row.size()) +
                                " values in a result of " + std::to_string(columns_) + " columns");
  }
  // Every number is read before any is added, so that a refused row leaves the totals as they were.
  for (std::size_t i = 0; i < wanted_.size(); ++i) {
    const auto& value = row[at_[i]];
    if (!value || wanted_[i].op == sql_op::count) {
      continue;
    }
    try {
      parsed_[i] = decimal::parse(*value);
    } catch (const std::invalid_argument&) {
      throw std::invalid_argument("column " + quote_for_message(wanted_[i].column) + ": " +
                                  quote_for_message(*value) +
                                  " is not a number (sum, min and max take integers and numerics)");
    }
  }
  for (std::size_t i = 0; i < wanted_.size(); ++i) {
    const auto& value = row[at_[i]];
    if (!value) {
      continue;
    }
    auto& s = states_[i];
    switch (wanted_[i].op) {
    case sql_op::count:
      ++s.count;
      break;
    case sql_op::sum:
      if (s.value) {
        *s.value += parsed_[i];
      } else {
        s.value = parsed_[i];
      }
      break;
    case sql_op::min:
    case sql_op::max:
      keep_extreme(s, wanted_[i].op, parsed_[i], *value);
      break;
    }
  }
  ++rows_;
}

void sql_totals::keep_extreme(state& s, sql_op op, const decimal& value, const std::string& text) {
  bool wins = !s.value;
  if (!wins && value == *s.value) {
    wins = text < s.text;
  } else if (!wins) {
    wins = op == sql_op::min ? value < *s.value : *s.value < value;
  }
  if (wins) {
    s.value = value;
    s.text = text;
  }
}

void sql_totals::merge(const sql_totals& other) {
  if (other.wanted_ != wanted_) {
    throw std::invalid_argument("sql totals: merging the totals of other reductions");
  }
  // Each count is at most its totals' rows, so no count overflows unless the rows do.
  if (other.rows_ > std::numeric_limits<std::uint64_t>::max() - rows_) {
    throw std::invalid_argument("sql totals: more than 2^64-1 rows");
  }
  for (std::size_t i = 0; i < wanted_.size(); ++i) {
    const auto& o = other.states_[i];
    auto& s = states_[i];
    switch (wanted_[i].op) {
    case sql_op::count:
      s.count += o.count;
      break;
    case sql_op::sum:
      if (o.value && s.value) {
        *s.value += *o.value;
      } else if (o.value) {
        s.value = o.value;
      }
      break;
    case sql_op::min:
    case sql_op::max:
      if (o.value) {
        keep_extreme(s, wanted_[i].op, *o.value, o.text);
      }
      break;
    }
  }
  rows_ += other.rows_;
}

std::string sql_totals::encode() const {
  std::string out = std::to_string(rows_);
  for (std::size_t i = 0; i < wanted_.size(); ++i) {
    const auto& s = states_[i];
    out += ',';
    if (wanted_[i].op == sql_op::count) {
      out += std::to_string(s.count);
    } else if (s.value) {
      out += wanted_[i].op == sql_op::sum ? s.value->str() : s.text;
    }
  }
  return out;
}

sql_totals sql_totals::decode(std::string_view bytes, std::vector<sql_reduction> wanted) {
  sql_totals t(std::move(wanted));
  const auto fields = static_cast<std::size_t>(std::count(bytes.begin(), bytes.end(), ',')) + 1;
  if (fields != t.wanted_.size() + 1) {
    malformed(std::to_string(fields) + " fields for " + std::to_string(t.wanted_.size()) +
              " reductions");
  }
  auto next_field = [&bytes] {
    const auto comma = bytes.find(',');
    const std::string_view field = bytes.substr(0, comma);
    bytes.remove_prefix(comma == std::string_view::npos ? bytes.size() : comma + 1);
    return field;
  };
  t.rows_ = read_count(next_field(), "the row count");
  for (std::size_t i = 0; i < t.wanted_.size(); ++i) {
    const std::string_view field = next_field();
    const auto name = reduction_name(t.wanted_[i]);
    auto& s = t.states_[i];
    if (t.wanted_[i].op == sql_op::count) {
      s.count = read_count(field, name);
      if (s.count > t.rows_) {
        malformed(name + " counts more values than there are rows");
      }
      continue;
    }
    if (field.empty()) {
      continue;
    }
    if (t.rows_ == 0) {
      malformed(name + " has a value with no rows");
    }
    try {
      s.value = decimal::parse(field);
    } catch (const std::invalid_argument& e) {
      malformed(name + ": " + e.what());
    }
    if (t.wanted_[i].op != sql_op::sum) {
      s.text = field;
    }
  }
  return t;
}

nlohmann::ordered_json sql_totals::render() const {
  nlohmann::ordered_json values = nlohmann::ordered_json::object();
  for (std::size_t i = 0; i < wanted_.size(); ++i) {
    const auto& s = states_[i];
    auto& field = values[reduction_name(wanted_[i])];
    if (wanted_[i].op == sql_op::count) {
      field = s.count;
    } else if (s.value) {
      field = wanted_[i].op == sql_op::sum ? s.value->str() : s.text;
    }
  }
  nlohmann::ordered_json out;
  out["values"] = std::move(values);
  return out;
}

} // namespace cohort
