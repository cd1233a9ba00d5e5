// SIGINT and SIGTERM as a polled flag: the first signal decides, a later one does not overwrite
// it (SIGINT then SIGTERM must still exit 130). Signals are raised on this thread, so their order
// is the order of the calls.
#include "cohort/stop_signals.hpp"

#include <catch2/catch.hpp>

#include <csignal>

TEST_CASE("stop signals: the first signal decides", "[signals]") {
  cohort::install_stop_signals();
  CHECK(cohort::stop_signal() == 0);
  std::raise(SIGINT);
  CHECK(cohort::stop_signal() == SIGINT);
  std::raise(SIGTERM);
  CHECK(cohort::stop_signal() == SIGINT);
}
