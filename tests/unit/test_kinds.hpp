// What the unit tests' own job kinds share: the parts every kind must have, and a job of such a
// kind checked as a master takes it.
#pragma once

#include "cohort/checked_job.hpp"
#include "cohort/job.hpp"
#include "cohort/registry.hpp"

#include <memory>
#include <string>
#include <vector>

namespace cohort::test {

/// A base for test kinds: a summary, and a table holding the one parameter tests give ("tasks").
class test_kind_base : public job_kind {
public:
  std::string_view summary() const override { return "a kind of the unit tests"; }
  std::vector<param_spec> parameters() const override {
    return {{"tasks", param_type::count, "1", "how many tasks"}};
  }
};

/// `req` as a job of `kind` (which outlives it), checked the way every job is.
inline checked_job checked(const job_kind& kind, job_request req) {
  registry r;
  r.add(std::shared_ptr<const job_kind>(&kind, [](const job_kind*) {}));
  req.kind = std::string(kind.name());
  return check_job(r, std::move(req));
}

} // namespace cohort::test
