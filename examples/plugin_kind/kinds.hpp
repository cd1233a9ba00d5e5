// The kinds of the example plugin: collatz (CPU-bound), pages (tasks that await HTTP calls) and
// linked (tasks that await a query, then HTTP calls).
#pragma once

#include <cohort/job.hpp>

#include <memory>

std::shared_ptr<cohort::job_kind> make_collatz_kind();
std::shared_ptr<cohort::job_kind> make_pages_kind();
std::shared_ptr<cohort::job_kind> make_linked_kind();
