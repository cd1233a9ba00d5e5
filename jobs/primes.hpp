// The `primes` job kind: counts primes in [from, to) in chunks, with our own segmented sieve.
#pragma once

#include "cohort/job.hpp"

#include <memory>

namespace cohort {

std::shared_ptr<const job_kind> make_primes_kind();

} // namespace cohort
