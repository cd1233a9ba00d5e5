// chaos: each task sleeps `ms` (jittered by `seed`), unless its index is listed under a fault:
// throw= raises, abort= kills the worker process, hang= never finishes, spin= burns CPU until
// cancelled, slow= takes ten times as long. mode=first applies a fault to the first attempt only.
#include "jobs/chaos.hpp"

#include "cohort/context.hpp"
#include "cohort/count_reducer.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace cohort {

namespace {

enum fault : std::uint64_t {
  fault_throw = 1,
  fault_abort = 2,
  fault_hang = 4,
  fault_spin = 8,
  fault_slow = 16,
  only_first_attempt = 32,
};

struct chaos_params {
  std::uint64_t tasks = 1;
  std::uint64_t ms = 0;
  std::uint64_t seed = 0;
  bool first_only = false;
  std::vector<std::pair<std::vector<std::uint64_t>, fault>> faults;
};

chaos_params read_params(const params& p) {
  chaos_params c;
  c.tasks = p.get_u64("tasks", 1);
  c.ms = p.get_u64("ms", 0);
  c.seed = p.get_u64("seed", 0);
  c.first_only = p.get_string("mode", "always") == "first";
  for (auto [key, f] : {std::pair{"throw", fault_throw}, std::pair{"abort", fault_abort},
                        std::pair{"hang", fault_hang}, std::pair{"spin", fault_spin},
                        std::pair{"slow", fault_slow}}) {
    auto list = p.get_index_list(key);
    for (auto i : list) {
      if (i >= c.tasks) {
        throw param_error("chaos: param '" + std::string(key) + "' names task " +
                          std::to_string(i) + " but the job has " + std::to_string(c.tasks) +
                          " tasks");
      }
    }
    std::sort(list.begin(), list.end());
    c.faults.emplace_back(std::move(list), f);
  }
  return c;
}

// A cheap, well-mixed hash (splitmix64's finaliser) so jitter is reproducible per seed and index.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class chaos_plan final : public job_plan {
public:
  explicit chaos_plan(chaos_params p) : p_(std::move(p)) {}
  std::uint64_t task_count() const override { return p_.tasks; }

  task_spec make_task(std::uint64_t index) const override {
    task_spec t;
    t.index = index;
    for (const auto& [list, f] : p_.faults) {
      if (std::binary_search(list.begin(), list.end(), index)) {
        t.lo |= f;
      }
    }
    if (t.lo != 0 && p_.first_only) {
      t.lo |= only_first_attempt;
    }
    // With a seed, durations spread uniformly over [ms/2, 3ms/2).
    std::uint64_t us = p_.ms * 1000;
    if (p_.seed != 0 && us > 0) {
      us = us / 2 + mix(p_.seed ^ mix(index)) % us;
    }
    t.hi = us;
    return t;
  }

  std::unique_ptr<reducer> make_reducer() const override {
    return std::make_unique<count_reducer>("completed");
  }

private:
  chaos_params p_;
};

class chaos_kind final : public job_kind {
public:
  std::string_view name() const override { return "chaos"; }
  bool test_aid() const override { return true; }
  std::string_view summary() const override {
    return "a test aid: tasks that wait ms milliseconds, or fail as told; result {\"completed\": "
           "N}";
  }
  bool from_clients() const override { return false; }
  std::vector<param_spec> parameters() const override {
    return {
        {"tasks", param_type::count, "1", "how many tasks"},
        {"ms", param_type::count, "0", "milliseconds each task waits"},
        {"seed", param_type::count, "0", "spread waits over [ms/2, 3ms/2), reproducibly (0: no)"},
        {"throw", param_type::index_list, "", "these tasks throw"},
        {"abort", param_type::index_list, "", "these tasks abort their worker process"},
        {"hang", param_type::index_list, "", "these tasks never finish"},
        {"spin", param_type::index_list, "", "these tasks burn CPU until cancelled"},
        {"slow", param_type::index_list, "", "these tasks take ten times as long"},
        {"mode",
         param_type::choice,
         "always",
         "faults on every attempt, or the first only",
         false,
         {"always", "first"}},
    };
  }
  task_bound bound(const params&) const override { return task_bound::latency; }
  void validate(const params& p) const override { read_params(p); }
  std::unique_ptr<job_plan> split(const params& p) const override {
    return std::make_unique<chaos_plan>(read_params(p));
  }

  task<partial> run(task_spec spec, task_context& ctx) const override {
    std::uint64_t faults = spec.lo;
    if ((faults & only_first_attempt) != 0 && ctx.attempt() > 1) {
      faults = 0;
    }
    if ((faults & fault_abort) != 0) {
      std::abort();
    }
    if ((faults & fault_throw) != 0) {
      throw std::runtime_error("chaos: task " + std::to_string(spec.index) + " throws on attempt " +
                               std::to_string(ctx.attempt()));
    }
    if ((faults & fault_hang) != 0) {
      co_await ctx.sleep(std::chrono::hours(24 * 365));
    }
    if ((faults & fault_spin) != 0) {
      volatile std::uint64_t sink = 0;
      while (true) {
        for (int i = 0; i < 100000; ++i) {
          sink = sink + static_cast<std::uint64_t>(i);
        }
        bool cancelled = co_await ctx.checkpoint();
        if (cancelled) {
          co_return partial{};
        }
      }
    }
    std::chrono::microseconds wait(spec.hi);
    if ((faults & fault_slow) != 0) {
      wait *= 10;
    }
    co_await ctx.sleep(wait);
    co_return partial{1, {}};
  }
};

} // namespace

std::shared_ptr<const job_kind> make_chaos_kind() {
  return std::make_shared<chaos_kind>();
}

} // namespace cohort
