// Our INI reader for --config files: sections become key prefixes, entries keep line numbers.
#pragma once

#include <istream>
#include <stdexcept>
#include <string>
#include <vector>

namespace cohort::app {

/// A config file that cannot be read or has a malformed line; the message starts with "FILE:LINE:
/// ".
struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// One `key = value` line; a key inside `[section]` is "section.key".
struct ini_entry {
  std::string key;
  std::string value;
  int line = 0;
};

/// Parses INI text: `[section]`, `key = value`, whole-line `#`/`;` comments, blank lines. A `#`
/// after a value is part of the value. `file` names the source in errors.
std::vector<ini_entry> parse_ini(std::istream& in, const std::string& file);

/// Reads and parses the file at `path`; throws config_error naming it when it cannot be read.
std::vector<ini_entry> read_ini_file(const std::string& path);

} // namespace cohort::app
