// sleep: latency-bound tasks; ms=0 completes without suspending, which makes it the dispatch
// benchmark.
#include "jobs/sleep.hpp"

#include "cohort/context.hpp"
#include "cohort/count_reducer.hpp"
#include "cohort/units.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace cohort {

namespace {

struct sleep_params {
  std::uint64_t tasks;
  std::uint64_t ns;
};

/// `ms`: a DUR like every other duration, or a bare integer, which stays milliseconds.
std::uint64_t wait_ns(const params& p) {
  const auto text = p.get("ms").value_or("0");
  if (!text.empty() &&
      std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return p.get_u64("ms", 0) * 1'000'000;
  }
  try {
    const auto d = parse_duration(text);
    if (!d) {
      throw param_error("sleep: param 'ms': a wait cannot be off, got '" + text + "'");
    }
    return static_cast<std::uint64_t>(d->count());
  } catch (const std::invalid_argument& e) {
    throw param_error("sleep: param 'ms': " + std::string(e.what()));
  }
}

sleep_params read_params(const params& p) {
  return {p.get_u64("tasks", 1), wait_ns(p)};
}

class sleep_plan final : public job_plan {
public:
  explicit sleep_plan(sleep_params p) : p_(p) {}
  std::uint64_t task_count() const override { return p_.tasks; }
  task_spec make_task(std::uint64_t index) const override {
    task_spec t;
    t.index = index;
    t.lo = p_.ns;
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
    return "tasks that each wait `ms` without holding a thread; result {\"completed\": N}";
  }
  std::vector<param_spec> parameters() const override {
    return {
        {"tasks", param_type::count, "1", "how many tasks"},
        {"ms", param_type::text, "0",
         "how long each task waits: a DUR (250ms, 1.5s), or a bare integer of milliseconds (0: "
         "ends at once)"},
    };
  }
  task_bound bound(const params&) const override { return task_bound::latency; }
  void validate(const params& p) const override { read_params(p); }
  std::unique_ptr<job_plan> split(const params& p) const override {
    return std::make_unique<sleep_plan>(read_params(p));
  }
  task<partial> run(task_spec spec, task_context& ctx) const override {
    co_await ctx.sleep(std::chrono::nanoseconds(static_cast<std::int64_t>(spec.lo)));
    co_return partial{1, {}};
  }
};

} // namespace

std::shared_ptr<const job_kind> make_sleep_kind() {
  return std::make_shared<sleep_kind>();
}

} // namespace cohort
