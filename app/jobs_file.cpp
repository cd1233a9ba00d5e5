// The jobs-file reader: strict per line (unknown fields, wrong types, duplicate keys are errors),
// because a typo in a batch of jobs should stop the batch before it starts.
#include "app/jobs_file.hpp"

#include "cohort/units.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <limits>
#include <set>
#include <string_view>

namespace cohort::app {

namespace {

using json = nlohmann::json;

constexpr std::string_view known_fields =
    "job, name, priority, params, require, task_timeout, deadline, max_attempts, speculate, "
    "concurrency";

/// A field's problem; the caller adds "FILE:LINE: ".
struct line_error {
  std::string what;
};

[[noreturn]] void bad_field(const std::string& field, const std::string& what) {
  throw line_error{"field '" + field + "' " + what};
}

std::string param_text(const std::string& name, const json& v) {
  if (v.is_string()) {
    return v.get<std::string>();
  }
  if (v.is_boolean()) {
    return v.get<bool>() ? "true" : "false";
  }
  if (v.is_number_unsigned()) {
    return std::to_string(v.get<std::uint64_t>());
  }
  if (v.is_number_integer()) {
    return std::to_string(v.get<std::int64_t>());
  }
  if (v.is_number_float()) {
    // Shortest text that reads back as the same double; the kind decides whether it accepts it.
    return v.dump();
  }
  bad_field("params." + name, "must be a string, number or bool, got " + v.dump());
}

std::optional<std::chrono::nanoseconds> timeout_field(const std::string& field, const json& v) {
  if (!v.is_string()) {
    bad_field(field, "must be a duration string such as \"500ms\" or \"off\", got " + v.dump());
  }
  std::optional<std::chrono::nanoseconds> d;
  try {
    d = parse_duration(v.get<std::string>());
  } catch (const std::invalid_argument& e) {
    throw line_error{"field '" + field + "': " + e.what()};
  }
  if (d && d->count() <= 0) {
    bad_field(field, "must be more than 0s (or \"off\"), got \"" + v.get<std::string>() + "\"");
  }
  return d;
}

std::uint32_t count_field(const std::string& field, const json& v) {
  if (!v.is_number_integer() || v.get<std::int64_t>() < 1 ||
      (v.is_number_unsigned() &&
       v.get<std::uint64_t>() > std::numeric_limits<std::uint32_t>::max())) {
    bad_field(field, "must be an integer from 1 to 4294967295, got " + v.dump());
  }
  return static_cast<std::uint32_t>(v.get<std::uint64_t>());
}

std::vector<std::string> require_field(const json& v) {
  if (!v.is_array()) {
    bad_field("require", "must be an array of tags, got " + v.dump());
  }
  std::vector<std::string> tags;
  for (const auto& tag : v) {
    if (!tag.is_string() || tag.get<std::string>().empty() ||
        tag.get<std::string>().find_first_of(" \t,") != std::string::npos) {
      bad_field("require", "must hold tags (non-empty, no blanks or commas), got " + tag.dump());
    }
    tags.push_back(tag.get<std::string>());
  }
  return tags;
}

/// Deeper than any job line needs; nlohmann's dump() recurses per level, and error messages dump.
constexpr int max_depth = 32;

/// Parses one line, rejecting duplicate keys that nlohmann would otherwise resolve silently.
json parse_line(const std::string& text) {
  std::vector<std::set<std::string>> keys;
  auto check = [&keys](int depth, json::parse_event_t event, json& parsed) {
    if (depth > max_depth) {
      throw line_error{"JSON nested deeper than " + std::to_string(max_depth) + " levels"};
    }
    if (event == json::parse_event_t::object_start) {
      keys.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      keys.pop_back();
    } else if (event == json::parse_event_t::key &&
               !keys.back().insert(parsed.get<std::string>()).second) {
      throw line_error{"duplicate key '" + parsed.get<std::string>() + "'"};
    }
    return true;
  };
  try {
    return json::parse(text, check);
  } catch (const json::parse_error& e) {
    // nlohmann's text reads "[json.exception.parse_error.101] parse error at line 1, column 5:
    // ..."; the line number is ours, so keep only the detail.
    std::string what = e.what();
    auto column = what.find("column ");
    auto detail = column == std::string::npos ? std::string::npos : what.find(": ", column);
    throw line_error{"bad JSON at column " + std::to_string(e.byte) + ": " +
                     (detail == std::string::npos ? what : what.substr(detail + 2))};
  } catch (const json::out_of_range& e) {
    // A number beyond double's range (1e999): "[json.exception.out_of_range.406] number overflow
    // parsing '1e999'".
    std::string what = e.what();
    auto detail = what.find("] ");
    throw line_error{"bad JSON: " + (detail == std::string::npos ? what : what.substr(detail + 2))};
  }
}

job_request parse_job(const std::string& text, const job_request& defaults) {
  auto line = parse_line(text);
  if (!line.is_object()) {
    throw line_error{"a job line must be a JSON object, got " + line.dump()};
  }
  job_request job = defaults;
  bool has_kind = false;
  for (const auto& [field, v] : line.items()) {
    if (field == "job") {
      if (!v.is_string() || v.get<std::string>().empty()) {
        bad_field("job", "must be a non-empty string, got " + v.dump());
      }
      job.kind = v.get<std::string>();
      has_kind = true;
    } else if (field == "name") {
      if (!v.is_string()) {
        bad_field("name", "must be a string, got " + v.dump());
      }
      job.name = v.get<std::string>();
    } else if (field == "priority") {
      if (!v.is_number_integer()) {
        bad_field("priority", "must be a whole number, got " + v.dump());
      }
      auto p = v.get<std::int64_t>();
      if (p < min_priority || p > max_priority) {
        bad_field("priority", "must be from " + std::to_string(min_priority) + " to " +
                                  std::to_string(max_priority) + ", got " + v.dump());
      }
      job.priority = static_cast<std::int32_t>(p);
    } else if (field == "params") {
      if (!v.is_object()) {
        bad_field("params", "must be an object, got " + v.dump());
      }
      for (const auto& [name, value] : v.items()) {
        if (name.empty()) {
          bad_field("params", "has a parameter with an empty name");
        }
        job.args.set(name, param_text(name, value));
      }
    } else if (field == "require") {
      job.require = require_field(v);
    } else if (field == "task_timeout") {
      job.task_timeout = timeout_field(field, v);
    } else if (field == "deadline") {
      job.deadline = timeout_field(field, v);
    } else if (field == "max_attempts") {
      job.max_attempts = count_field(field, v);
    } else if (field == "speculate") {
      if (!v.is_boolean()) {
        bad_field("speculate", "must be true or false, got " + v.dump());
      }
      job.speculate = v.get<bool>();
    } else if (field == "concurrency") {
      job.concurrency = count_field(field, v);
    } else {
      throw line_error{"unknown field '" + field + "' (known: " + std::string(known_fields) + ")"};
    }
  }
  if (!has_kind) {
    throw line_error{"missing field 'job'"};
  }
  return job;
}

} // namespace

std::vector<job_line> parse_jobs(std::istream& in, const std::string& file,
                                 const job_request& defaults) {
  std::vector<job_line> jobs;
  std::string text;
  int line = 0;
  while (std::getline(in, text)) {
    ++line;
    if (text.find_first_not_of(" \t\r") == std::string::npos) {
      continue;
    }
    try {
      jobs.push_back({line, parse_job(text, defaults)});
    } catch (const line_error& e) {
      throw jobs_file_error(file + ":" + std::to_string(line) + ": " + e.what);
    }
  }
  if (in.bad()) {
    throw jobs_file_error(file + ": read error");
  }
  if (jobs.empty()) {
    throw jobs_file_error(file + ": no jobs in the file");
  }
  return jobs;
}

std::vector<checked_job> check_jobs(const std::vector<job_line>& jobs, const std::string& file,
                                    const registry& kinds) {
  std::vector<checked_job> out;
  for (const auto& j : jobs) {
    try {
      out.push_back(check_job(kinds, j.job));
    } catch (const param_error& e) {
      throw jobs_file_error(file + ":" + std::to_string(j.line) + ": " + e.what());
    }
  }
  return out;
}

std::vector<job_line> read_jobs_file(const std::string& path, const job_request& defaults) {
  if (path == "-") {
    return parse_jobs(std::cin, "-", defaults);
  }
  std::ifstream in(path);
  if (!in) {
    throw jobs_file_error("cannot read jobs file '" + path + "': " + std::strerror(errno));
  }
  return parse_jobs(in, path, defaults);
}

} // namespace cohort::app
