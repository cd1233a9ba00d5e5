// CAF's errors in the words of a user ("connection closed", "no answer in time"), never CAF's own
// rendering (`system_error(cannot_connect_to_node, ...)`).
#pragma once

#include <caf/fwd.hpp>

#include <string>

namespace cohort {

/// The peer's own words when it gave some, else what the error means.
std::string plain_words(const caf::error& err);

} // namespace cohort
