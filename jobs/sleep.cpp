// sleep: latency-bound tasks; ms=0 completes without suspending, which makes it the dispatch
// benchmark.
#include "jobs/sleep.hpp"

#include "cohort/context.hpp"
#include "cohort/count_reducer.hpp"

namespace cohort {

namespace {

struct sleep_params {
  std::uint64_t tasks;
  std::uint64_t ms;
};

sleep_params read_params(const params& p) {
  return {p.get_u64("tasks", 1), p.get_u64("ms", 0)};
}

class sleep_plan final : public job_plan {
public:
  explicit sleep_plan(sleep_params p) : p_(p) {}
  std::uint64_t task_count() const override { return p_.tasks; }
  task_spec make_task(std::uint64_t index) const override {
    task_spec t;
    t.index = index;
    t.lo = p_.ms;
    return t;
  }
  std::unique_ptr<reducer> make_reducer() const override {
    return std::make_unique<count_reducer>("completed");
  }

private:
  sleep_params p_;
};

class sleep_kind final : public job_kind {
public:
  std::string_view name() const override { return "sleep"; }
  std::string_view summary() const override {
    return "tasks that each wait ms milliseconds without holding a thread; result {\"completed\": "
           "N}";
  }
  std::vector<param_spec> parameters() const override {
    return {
        {"tasks", param_type::count, "1", "how many tasks"},
        {"ms", param_type::count, "0", "milliseconds each task waits (0: ends at once)"},
    };
  }
  task_bound bound(const params&) const override { return task_bound::latency; }
  void validate(const params& p) const override { read_params(p); }
  std::unique_ptr<job_plan> split(const params& p) const override {
    return std::make_unique<sleep_plan>(read_params(p));
  }
  task<partial> run(task_spec spec, task_context& ctx) const override {
    co_await ctx.sleep(std::chrono::milliseconds(spec.lo));
    co_return partial{1, {}};
  }
};

} // namespace

std::shared_ptr<const job_kind> make_sleep_kind() {
  return std::make_shared<sleep_kind>();
}

} // namespace cohort
