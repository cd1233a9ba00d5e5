// The cohort command line: argv, the --config file and the --jobs file read through the option
// schema into one checked app_config, and the --help text made from the same schema.
#pragma once

#include "app/app_config.hpp"
#include "cohort/registry.hpp"

#include <string>

namespace cohort::app {

/// Parses argv (argv[0] is the program) and everything it names: the --config file, the
/// --kinds-from plugins (their kinds added to `kinds`), the --jobs file (each job checked against
/// `kinds`), the token and TLS files (read or checked here, so a bad one stops the process before
/// anything starts). Throws usage_error.
app_config parse_command_line(int argc, const char* const* argv, registry& kinds);

/// The --help text: modes, every option with its default, and the job kinds.
std::string usage_text(const registry& kinds);

} // namespace cohort::app
