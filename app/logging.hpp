// The binary's log: spdlog on stderr in one format, written above the progress lines when a
// terminal shows them.
#pragma once

#include "app/terminal_progress.hpp"

#include <memory>
#include <string>

namespace cohort::app {

/// Makes the default logger print `level` and above on stderr, through `display` when given.
void set_up_logging(const std::string& level, std::shared_ptr<terminal_progress> display);

} // namespace cohort::app
