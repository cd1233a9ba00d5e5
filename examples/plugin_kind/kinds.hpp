// The kinds of the example plugin: collatz (CPU-bound) and pages (tasks that await HTTP calls).
#pragma once

#include <cohort/job.hpp>

#include <memory>

std::shared_ptr<cohort::job_kind> make_collatz_kind();
std::shared_ptr<cohort::job_kind> make_pages_kind();
