// The exit code after a stop signal.
#include "app/exit_code.hpp"

#include "cohort/stop_signals.hpp"

#include <csignal>

namespace cohort::app {

int exit_code(int jobs_code) {
  switch (stop_signal()) {
  case SIGINT:
    return 130;
  case SIGTERM:
    return 143;
  default:
    return jobs_code;
  }
}

} // namespace cohort::app
