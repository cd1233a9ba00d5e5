// The `exec` job kind: runs the commands of a JSON Lines file, one task each, on workers started
// with --allow-exec, and reports each command's exit, signal and output tails.
#pragma once

#include "cohort/job.hpp"

#include <memory>

namespace cohort {

std::shared_ptr<const job_kind> make_exec_kind();

} // namespace cohort
