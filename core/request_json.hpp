// A job request as the journal stores it: one JSON object with the jobs-file fields (durations in
// nanoseconds), so that a master started again checks and runs it as it was given.
#pragma once

#include "cohort/job_request.hpp"

#include <string>
#include <string_view>

namespace cohort {

std::string request_to_json(const job_request& r);
/// Throws std::invalid_argument naming what is missing or malformed.
job_request request_from_json(std::string_view text);

} // namespace cohort
