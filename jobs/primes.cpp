// primes: equal chunks of [from, to), each sieved segment by segment with a checkpoint between
// segments.
#include "jobs/primes.hpp"

#include "cohort/context.hpp"
#include "cohort/count_reducer.hpp"
#include "jobs/prime_sieve.hpp"

#include <algorithm>

namespace cohort {

namespace {

// About 17 ms of sieving per chunk below 10^10 on a current core (measured: 2^25 took 4.4 ms, under
// the >= 10 ms a task should cost, and the hand-off per task showed), while 10^10 still makes 75
// tasks to balance over the workers.
constexpr std::uint64_t default_chunk = std::uint64_t{1} << 27;

struct range_params {
  std::uint64_t from;
  std::uint64_t to;
  std::uint64_t tasks;
};

range_params read_params(const params& p) {
  range_params r{p.get_u64("from", 0), p.get_u64("to", 0), 0};
  if (r.from > r.to) {
    throw param_error("primes: from=" + std::to_string(r.from) +
                      " is greater than to=" + std::to_string(r.to));
  }
  std::uint64_t width = r.to - r.from;
  if (p.has("tasks")) {
    r.tasks = p.get_u64("tasks", 1);
    if (r.tasks == 0) {
      throw param_error("primes: param 'tasks' must be at least 1");
    }
  } else {
    r.tasks = width / default_chunk + (width % default_chunk != 0 ? 1 : 0);
  }
  r.tasks = std::clamp<std::uint64_t>(r.tasks, 1, std::max<std::uint64_t>(width, 1));
  return r;
}

class primes_plan final : public job_plan {
public:
  explicit primes_plan(range_params r)
      : r_(r), chunk_((r.to - r.from) / r.tasks + ((r.to - r.from) % r.tasks != 0 ? 1 : 0)) {}

  std::uint64_t task_count() const override { return r_.tasks; }

  task_spec make_task(std::uint64_t index) const override {
    task_spec t;
    t.index = index;
    t.lo = r_.from + offset(index);
    t.hi = r_.from + offset(index + 1);
    return t;
  }

  std::string describe(std::uint64_t index) const override {
    auto t = make_task(index);
    return "from=" + std::to_string(t.lo) + " to=" + std::to_string(t.hi);
  }

  std::unique_ptr<reducer> make_reducer() const override {
    return std::make_unique<count_reducer>("count");
  }

private:
  // Start of chunk i within the range; 128-bit so ranges reaching 2^64-1 cannot overflow.
  std::uint64_t offset(std::uint64_t i) const {
    unsigned __int128 at = static_cast<unsigned __int128>(i) * chunk_;
    return static_cast<std::uint64_t>(std::min<unsigned __int128>(at, r_.to - r_.from));
  }

  range_params r_;
  std::uint64_t chunk_;
};

class primes_kind final : public job_kind {
public:
  std::string_view name() const override { return "primes"; }
  std::string_view summary() const override {
    return "counts the primes p with from <= p < to (a segmented sieve); result {\"count\": N}";
  }
  std::vector<param_spec> parameters() const override {
    return {
        {"from", param_type::count, "0", "lower end of the range, included"},
        {"to", param_type::count, "", "upper end of the range, excluded (below 2^64)", true},
        {"tasks", param_type::count, "",
         "how many tasks (default: one per 2^27 numbers, about 17 ms each)"},
    };
  }
  task_bound bound(const params&) const override { return task_bound::cpu; }
  void validate(const params& p) const override { read_params(p); }
  std::unique_ptr<job_plan> split(const params& p) const override {
    return std::make_unique<primes_plan>(read_params(p));
  }

  task<partial> run(task_spec spec, task_context& ctx) const override {
    prime_sieve sieve(spec.lo, spec.hi);
    partial out;
    while (!sieve.done()) {
      out.count += sieve.step();
      bool cancelled = co_await ctx.checkpoint();
      if (cancelled) {
        co_return partial{};
      }
    }
    co_return out;
  }
};

} // namespace

std::shared_ptr<const job_kind> make_primes_kind() {
  return std::make_shared<primes_kind>();
}

} // namespace cohort
