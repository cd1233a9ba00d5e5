// The `chaos` job kind: sleeping tasks with faults injected at chosen indices, to rehearse
// failures.
#pragma once

#include "cohort/job.hpp"

#include <memory>

namespace cohort {

std::shared_ptr<const job_kind> make_chaos_kind();

} // namespace cohort
