// Where a command's JSON lines go: --output FILE, else stdout.
#pragma once

#include "app/terminal_progress.hpp"

#include <fstream>
#include <ostream>
#include <string>

namespace cohort::app {

/// `file` opened on `path` (truncated), or stdout when `path` is empty; nullptr when the file
/// cannot be written, said on stderr.
std::ostream* open_output(const std::string& path, std::ofstream& file);

/// Writes one output line and flushes; above the progress lines when `display` draws them, and the
/// line's job loses its progress line.
void write_line(std::ostream& out, const std::string& line, terminal_progress* display);

} // namespace cohort::app
