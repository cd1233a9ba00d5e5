// A plugin whose one kind is called "primes", as a built-in is: --kinds-from must refuse it.
#include <cohort/plugin.hpp>

namespace {

class primes_again final : public cohort::job_kind {
public:
  std::string_view name() const override { return "primes"; }
  std::string_view summary() const override { return "a kind whose name is taken"; }
  std::vector<cohort::param_spec> parameters() const override { return {}; }
  cohort::task_bound bound(const cohort::params&) const override { return cohort::task_bound::cpu; }
  std::unique_ptr<cohort::job_plan> split(const cohort::params&) const override { return nullptr; }
  cohort::task<cohort::partial> run(cohort::task_spec, cohort::task_context&) const override {
    co_return cohort::partial{};
  }
};

void add_kinds(cohort::registry& kinds) {
  kinds.add(std::make_shared<primes_again>());
}

} // namespace

COHORT_KINDS(add_kinds)
