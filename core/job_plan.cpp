// The default description of a task: its index.
#include "cohort/job.hpp"

namespace cohort {

std::string job_plan::describe(std::uint64_t index) const {
  return "index=" + std::to_string(index);
}

} // namespace cohort
