// The `sleep` job kind: `tasks` tasks that each wait `ms` milliseconds without holding a thread.
#pragma once

#include "cohort/job.hpp"

#include <memory>

namespace cohort {

std::shared_ptr<const job_kind> make_sleep_kind();

} // namespace cohort
