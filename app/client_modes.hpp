// The client modes of the cohort binary: submit, wait, jobs, cancel and status, each a thin shell
// over the client API (cohort/client.hpp).
#pragma once

#include "app/app_config.hpp"
#include "app/terminal_progress.hpp"

namespace cohort::app {

/// Runs the client mode `cfg.mode` and returns the exit code: 0 all ok, 1 a job did not end ok
/// (or, for cancel, one was unknown or had ended; or the master could not be reached), 2 the
/// master refused the request as bad input, 130/143 after SIGINT/SIGTERM (its jobs cancelled).
/// Progress is drawn on `display` when given, else printed as plain lines with --progress.
int run_client(const app_config& cfg, terminal_progress* display);

} // namespace cohort::app
