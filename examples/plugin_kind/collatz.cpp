// The job kind "collatz" (below=N: the start under N whose Collatz sequence takes the most steps
// to reach 1), a CPU-bound kind. Below 1000000 the answer is 837799, 524 steps.
#include "kinds.hpp"

#include <cohort/context.hpp>

#include <string>

namespace {

constexpr std::uint64_t per_task = 50000;
constexpr std::uint64_t most_below = 100'000'000;

std::uint64_t steps_from(std::uint64_t n) {
  std::uint64_t steps = 0;
  for (; n != 1; ++steps) {
    n = n % 2 == 0 ? n / 2 : 3 * n + 1;
  }
  return steps;
}

// A partial carries the longest chain of its range: steps in `count`, its start in `data`.
class longest_reducer final : public cohort::reducer {
public:
  void merge(cohort::partial&& p) override {
    const auto start = std::stoull(p.data);
    if (p.count > steps_ || (p.count == steps_ && start < start_)) {
      steps_ = p.count;
      start_ = start;
    }
  }
  nlohmann::ordered_json render() const override {
    nlohmann::ordered_json out;
    out["start"] = start_;
    out["steps"] = steps_;
    return out;
  }

private:
  std::uint64_t start_ = 1;
  std::uint64_t steps_ = 0;
};

class collatz_plan final : public cohort::job_plan {
public:
  explicit collatz_plan(std::uint64_t below) : below_(below) {}
  std::uint64_t task_count() const override { return (below_ - 1 + per_task - 1) / per_task; }
  cohort::task_spec make_task(std::uint64_t index) const override {
    cohort::task_spec t;
    t.lo = 1 + index * per_task;
    t.hi = std::min(below_, t.lo + per_task);
    return t;
  }
  std::unique_ptr<cohort::reducer> make_reducer() const override {
    return std::make_unique<longest_reducer>();
  }

private:
  std::uint64_t below_;
};

class collatz_kind final : public cohort::job_kind {
public:
  std::string_view name() const override { return "collatz"; }
  std::string_view summary() const override {
    return "the start below `below` with the longest Collatz sequence";
  }
  std::vector<cohort::param_spec> parameters() const override {
    return {{"below", cohort::param_type::count, "", "starts tried: 1 to below-1", true}};
  }
  cohort::task_bound bound(const cohort::params&) const override { return cohort::task_bound::cpu; }
  void validate(const cohort::params& p) const override {
    const auto below = p.get_u64("below", 0);
    if (below < 2 || below > most_below) {
      throw cohort::param_error("collatz: below must be from 2 to " + std::to_string(most_below));
    }
  }
  std::unique_ptr<cohort::job_plan> split(const cohort::params& p) const override {
    return std::make_unique<collatz_plan>(p.get_u64("below", 0));
  }
  cohort::task<cohort::partial> run(cohort::task_spec spec,
                                    cohort::task_context& ctx) const override {
    std::uint64_t best = spec.lo;
    std::uint64_t best_steps = 0;
    for (std::uint64_t start = spec.lo; start < spec.hi; ++start) {
      const auto steps = steps_from(start);
      if (steps > best_steps) {
        best = start;
        best_steps = steps;
      }
      if (start % 1000 == 0) {
        bool cancelled = co_await ctx.checkpoint();
        if (cancelled) {
          co_return cohort::partial{0, std::to_string(spec.lo)};
        }
      }
    }
    co_return cohort::partial{best_steps, std::to_string(best)};
  }
};

} // namespace

std::shared_ptr<cohort::job_kind> make_collatz_kind() {
  return std::make_shared<collatz_kind>();
}
