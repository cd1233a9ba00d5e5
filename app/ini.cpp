// The INI reader: small and strict, because CAF's parser silently drops what it does not know.
#include "app/ini.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string_view>

namespace cohort::app {

namespace {

constexpr std::string_view blanks = " \t\r";

std::string_view trim(std::string_view s) {
  auto first = s.find_first_not_of(blanks);
  if (first == std::string_view::npos) {
    return {};
  }
  auto last = s.find_last_not_of(blanks);
  return s.substr(first, last - first + 1);
}

/// Names of sections and keys: what option names are made of.
bool is_name(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) {
      return false;
    }
  }
  return true;
}

[[noreturn]] void fail(const std::string& file, int line, const std::string& what) {
  throw config_error(file + ":" + std::to_string(line) + ": " + what);
}

} // namespace

std::vector<ini_entry> parse_ini(std::istream& in, const std::string& file) {
  std::vector<ini_entry> out;
  std::string prefix;
  std::string raw;
  int line = 0;
  while (std::getline(in, raw)) {
    ++line;
    auto text = trim(raw);
    if (text.empty() || text.front() == '#' || text.front() == ';') {
      continue;
    }
    if (text.front() == '[') {
      if (text.back() != ']') {
        fail(file, line, "malformed section header '" + std::string(text) + "'");
      }
      auto name = trim(text.substr(1, text.size() - 2));
      if (!is_name(name)) {
        fail(file, line, "bad section name '" + std::string(name) + "'");
      }
      prefix = std::string(name) + ".";
      continue;
    }
    auto eq = text.find('=');
    if (eq == std::string_view::npos) {
      fail(file, line,
           "expected 'key = value', '[section]' or a comment, got '" + std::string(text) + "'");
    }
    auto key = trim(text.substr(0, eq));
    if (!is_name(key)) {
      fail(file, line, "bad key '" + std::string(key) + "'");
    }
    out.push_back({prefix + std::string(key), std::string(trim(text.substr(eq + 1))), line});
  }
  if (in.bad()) {
    throw config_error(file + ": read error");
  }
  return out;
}

std::vector<ini_entry> read_ini_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    throw config_error("cannot read config file '" + path + "': " + std::strerror(errno));
  }
  return parse_ini(in, path);
}

} // namespace cohort::app
