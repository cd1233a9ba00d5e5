// Stopping the engines of io/.
#include "io/io_threads.hpp"

#include "io/http_engine.hpp"
#include "io/sql_engine.hpp"

namespace cohort {

void stop_io_threads() {
  http_engine::stop();
  sql_engine::stop();
}

} // namespace cohort
