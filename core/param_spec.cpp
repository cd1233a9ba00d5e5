// Parameter tables: the one check of a job's params by name and type, with errors that name the
// kind, the parameter and the value.
#include "cohort/param_spec.hpp"

#include "cohort/units.hpp"

#include <algorithm>
#include <stdexcept>

namespace cohort {

namespace {

std::string either(const std::vector<std::string>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) {
      out += i + 1 == words.size() ? " or " : ", ";
    }
    out += words[i];
  }
  return out;
}

/// What a value of this type looks like, for "expected ..."; empty when `text` is one.
std::string mismatch(const param_spec& p, const std::string& text) {
  try {
    switch (p.type) {
    case param_type::count:
      parse_u64(text);
      return {};
    case param_type::text:
      return {};
    case param_type::path:
      return text.empty() ? "a file or directory name" : "";
    case param_type::output:
      return text.empty() ? "a file name" : "";
    case param_type::flag:
      return text == "true" || text == "false" ? "" : "true or false";
    case param_type::duration:
      parse_duration(text);
      return {};
    case param_type::size:
      parse_size(text);
      return {};
    case param_type::index_list:
      params(params::map_type{{p.name, text}}).get_index_list(p.name);
      return {};
    case param_type::choice:
      return std::find(p.choices.begin(), p.choices.end(), text) != p.choices.end()
                 ? ""
                 : either(p.choices);
    }
  } catch (const std::invalid_argument&) {
  } catch (const param_error&) {
  }
  switch (p.type) {
  case param_type::count:
    return "an unsigned integer";
  case param_type::duration:
    return "a duration such as 500ms or 2s, or off";
  case param_type::size:
    return "a size such as 4096 or 64KiB";
  case param_type::index_list:
    return "a comma-separated list of task indices";
  default:
    return "something else";
  }
}

} // namespace

std::string type_name(const param_spec& p) {
  switch (p.type) {
  case param_type::count:
    return "INT";
  case param_type::text:
    return "TEXT";
  case param_type::path:
    return "PATH";
  case param_type::output:
    return "OUTPUT";
  case param_type::flag:
    return "BOOL";
  case param_type::duration:
    return "DUR";
  case param_type::size:
    return "SIZE";
  case param_type::index_list:
    return "LIST";
  case param_type::choice: {
    std::string out;
    for (const auto& c : p.choices) {
      out += (out.empty() ? "" : "|") + c;
    }
    return out;
  }
  }
  return "TEXT";
}

void check_params(std::string_view kind, const std::vector<param_spec>& table, const params& p) {
  auto prefix = std::string(kind) + ": ";
  for (const auto& entry : p.all()) {
    // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
    const auto& key = entry.first;
    const auto& value = entry.second;
    auto spec = std::find_if(table.begin(), table.end(),
                             [&key](const param_spec& s) { return s.name == key; });
    if (spec == table.end()) {
      std::string known;
      for (const auto& s : table) {
        known += (known.empty() ? "" : ", ") + s.name;
      }
      throw param_error(prefix + "unknown param '" + key + "' (known: " + known + ")");
    }
    if (auto expected = mismatch(*spec, value); !expected.empty()) {
      throw param_error(prefix + "param '" + key + "': expected " + expected + ", got '" + value +
                        "'");
    }
  }
  for (const auto& s : table) {
    if (s.required && !p.has(s.name)) {
      throw param_error(prefix + "param '" + s.name + "' is required");
    }
  }
}

} // namespace cohort
