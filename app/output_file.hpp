// Where a command's JSON lines go: --output FILE, else stdout.
#pragma once

#include <fstream>
#include <ostream>
#include <string>

namespace cohort::app {

/// `file` opened on `path` (truncated), or stdout when `path` is empty; nullptr when the file
/// cannot be written, said on stderr.
std::ostream* open_output(const std::string& path, std::ofstream& file);

} // namespace cohort::app
