// The `http` job kind: sends the requests of a file (one URL a line, or JSON Lines), one task each,
// from workers started with --allow-net, and reports statuses, bytes, latency percentiles and the
// failures.
#pragma once

#include "cohort/job.hpp"

#include <memory>

namespace cohort {

std::shared_ptr<const job_kind> make_http_kind();

} // namespace cohort
