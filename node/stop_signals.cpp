// Signal handlers only store the signal: everything else happens on a normal thread that polls it.
#include "cohort/stop_signals.hpp"

#include <atomic>
#include <csignal>
#include <unistd.h>

namespace cohort {

namespace {

std::atomic<int> received{0};

extern "C" void on_stop_signal(int sig) {
  if (received.exchange(sig) != 0 && sig == SIGINT) {
    _exit(130);
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
