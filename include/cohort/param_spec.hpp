// A job kind's parameter table: each parameter's name, type, default and one-line meaning. The
// table checks a job's params before anything runs, names them in errors, and lists them in
// `cohort kinds` and the reference.
#pragma once

#include "cohort/params.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cohort {

enum class param_type {
  count,      ///< an unsigned integer
  text,       ///< any text
  path,       ///< a file or directory name, not empty, read on the master
  output,     ///< a file the submitter writes the job's records to (job_plan::record), not empty
  flag,       ///< true or false
  duration,   ///< a DUR (500ms, 1.5s) or off
  size,       ///< a SIZE (4096, 64KiB)
  index_list, ///< task indices separated by commas (3,17,40)
  choice,     ///< one of `choices`
};

struct param_spec {
  param_spec(std::string n, param_type t, std::string f, std::string m, bool r = false,
             std::vector<std::string> c = {})
      : name(std::move(n)), type(t), fallback(std::move(f)), meaning(std::move(m)), required(r),
        choices(std::move(c)) {}

  std::string name;
  param_type type = param_type::text;
  /// The default as a user would write it; empty when there is none.
  std::string fallback;
  std::string meaning;
  bool required = false;
  /// The words a `choice` takes.
  std::vector<std::string> choices;
};

/// How errors and `cohort kinds` name a type: INT, TEXT, PATH, BOOL, DUR, SIZE, LIST or a|b|c.
std::string type_name(const param_spec& p);

/// Throws param_error "KIND: ..." for a key the table does not hold, a required one missing, or a
/// value that is not of its type.
void check_params(std::string_view kind, const std::vector<param_spec>& table, const params& p);

} // namespace cohort
