// What a node throws when its surroundings refuse what it was asked to do: a port already in use,
// no spawn node where --spawn-on points. A runtime failure (exit 1), not bad input (exit 2).
#pragma once

#include <stdexcept>

namespace cohort {

struct startup_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

} // namespace cohort
