// What the unit tests' own job kinds share: the parts every kind must have, and a job of such a
// kind checked as a master takes it.
#pragma once

#include "cohort/checked_job.hpp"
#include "cohort/count_reducer.hpp"
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

/// A plan of `n` empty tasks whose reducer counts them as "completed".
class count_plan final : public job_plan {
public:
  explicit count_plan(std::uint64_t n) : n_(n) {}
  std::uint64_t task_count() const override { return n_; }
  task_spec make_task(std::uint64_t) const override { return {}; }
  std::unique_ptr<reducer> make_reducer() const override {
    return std::make_unique<count_reducer>("completed");
  }

private:
  std::uint64_t n_;
};

/// The kind "fake": `tasks` empty tasks of the given bound.
class fake_kind final : public test_kind_base {
public:
  explicit fake_kind(task_bound b = task_bound::cpu) : bound_(b) {}
  std::string_view name() const override { return "fake"; }
  task_bound bound(const params&) const override { return bound_; }
  void validate(const params&) const override {}
  std::unique_ptr<job_plan> split(const params& p) const override {
    return std::make_unique<count_plan>(p.get_u64("tasks", 1));
  }
  task<partial> run(task_spec, task_context&) const override { co_return partial{}; }

private:
  task_bound bound_;
};

/// `req` as a job of `kind` (which outlives it), checked the way every job is.
inline checked_job checked(const job_kind& kind, job_request req) {
  registry r;
  r.add(std::shared_ptr<const job_kind>(&kind, [](const job_kind*) {}));
  req.kind = std::string(kind.name());
  return check_job(r, std::move(req));
}

} // namespace cohort::test
