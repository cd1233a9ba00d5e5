// SIGINT/SIGTERM as a polled flag, for a program that runs cohort until told to stop: the first
// signal asks for an orderly stop and decides the exit code; a second SIGINT exits at once.
#pragma once

namespace cohort {

/// Installs the handlers for SIGINT and SIGTERM.
void install_stop_signals();
/// 0 until SIGINT or SIGTERM arrived, then the number of the first that did.
int stop_signal();

} // namespace cohort
