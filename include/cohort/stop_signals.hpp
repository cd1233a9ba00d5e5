// SIGINT/SIGTERM as a polled flag: the first asks for an orderly stop, a second SIGINT exits at
// once.
#pragma once

namespace cohort {

void install_stop_signals();
/// 0 until SIGINT or SIGTERM arrived, then that signal's number.
int stop_signal();

} // namespace cohort
