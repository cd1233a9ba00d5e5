// An embedding example: a job kind of our own ("sumsq", the sum of i*i for 1 <= i <= n) defined
// outside cohort's jobs/, registered beside the built-ins and run on an in-process master. Exits 0
// when the merged result equals the closed form n(n+1)(2n+1)/6.
#include <cohort/context.hpp>
#include <cohort/job.hpp>
#include <cohort/registry.hpp>
#include <cohort/runtime.hpp>

#include <iostream>

namespace {

constexpr std::uint64_t per_task = 100000;

// Partials carry their sum in `count`; the reducer also keeps how many partials it merged, to show
// that a kind renders whatever it likes.
class sumsq_reducer final : public cohort::reducer {
public:
  void merge(cohort::partial&& p) override {
    sum_ += p.count;
    ++parts_;
  }
  nlohmann::ordered_json render() const override {
    nlohmann::ordered_json out;
    out["sum"] = sum_;
    out["parts"] = parts_;
    return out;
  }

private:
  std::uint64_t sum_ = 0;
  std::uint64_t parts_ = 0;
};

class sumsq_plan final : public cohort::job_plan {
public:
  explicit sumsq_plan(std::uint64_t n) : n_(n) {}
  std::uint64_t task_count() const override { return (n_ + per_task - 1) / per_task; }
  cohort::task_spec make_task(std::uint64_t index) const override {
    cohort::task_spec t;
    t.lo = index * per_task + 1;
    t.hi = std::min(n_, (index + 1) * per_task) + 1;
    return t;
  }
  std::unique_ptr<cohort::reducer> make_reducer() const override {
    return std::make_unique<sumsq_reducer>();
  }

private:
  std::uint64_t n_;
};

class sumsq_kind final : public cohort::job_kind {
public:
  std::string_view name() const override { return "sumsq"; }
  std::string_view summary() const override { return "the sum of i*i for 1 <= i <= n"; }
  std::vector<cohort::param_spec> parameters() const override {
    return {{"n", cohort::param_type::count, "", "the last number squared", true}};
  }
  cohort::task_bound bound(const cohort::params&) const override { return cohort::task_bound::cpu; }
  // The table has checked that n is given and is a whole number; what it cannot say is checked
  // here.
  void validate(const cohort::params& p) const override {
    if (p.get_u64("n", 0) > 3'000'000) {
      throw cohort::param_error("sumsq: n must be at most 3000000 (the sum must fit 64 bits)");
    }
  }
  std::unique_ptr<cohort::job_plan> split(const cohort::params& p) const override {
    return std::make_unique<sumsq_plan>(p.get_u64("n", 0));
  }
  cohort::task<cohort::partial> run(cohort::task_spec spec,
                                    cohort::task_context& ctx) const override {
    cohort::partial out;
    for (std::uint64_t i = spec.lo; i < spec.hi; ++i) {
      out.count += i * i;
      if (i % 10000 == 0) {
        bool cancelled = co_await ctx.checkpoint();
        if (cancelled) {
          co_return cohort::partial{};
        }
      }
    }
    co_return out;
  }
};

} // namespace

int main() {
  auto kinds = cohort::builtin_registry();
  kinds->add(std::make_shared<sumsq_kind>());
  cohort::runtime_options opts;
  opts.local.count = 2;
  // Warnings and errors only: no line per worker joining.
  opts.log = cohort::log_level::warn;
  cohort::runtime rt(opts, kinds);
  const std::uint64_t n = 2'000'000;
  cohort::job_request job;
  job.kind = "sumsq";
  job.args.set("n", std::to_string(n));
  auto outcomes = rt.run(std::vector{job});
  std::cout << outcomes[0].json << '\n';
  auto result = nlohmann::json::parse(outcomes[0].json);
  auto expected = n * (n + 1) / 2 * (2 * n + 1) / 3;
  if (result["status"] != "ok" || result["result"]["sum"] != expected) {
    std::cerr << "custom_job: expected sum " << expected << '\n';
    return 1;
  }
  return 0;
}
