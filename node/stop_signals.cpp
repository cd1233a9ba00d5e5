// Signal handlers only store the first signal: everything else happens on a normal thread that
// polls it. The first signal decides the exit code; a second SIGINT exits at once with it.
#include "cohort/stop_signals.hpp"

#include <atomic>
#include <csignal>
#include <unistd.h>

namespace cohort {

namespace {

std::atomic<int> received{0};

int exit_code_of(int sig) {
  return sig == SIGINT ? 130 : 143;
}

extern "C" void on_stop_signal(int sig) {
  int none = 0;
  if (!received.compare_exchange_strong(none, sig) && sig == SIGINT) {
    _exit(exit_code_of(none));
  }
}

} // namespace

void install_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

int stop_signal() {
  return received.load();
}

} // namespace cohort
