// What every executor has unless it says otherwise; see cohort/context.hpp.
#include "cohort/context.hpp"

#include <stdexcept>

namespace cohort {

std::function<void()> executor::park_for_io(task_context&, std::coroutine_handle<>) {
  throw std::logic_error("this executor cannot wait for I/O");
}

} // namespace cohort
