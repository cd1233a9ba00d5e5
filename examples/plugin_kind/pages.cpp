// The job kind "pages" (url=U pages=N): GETs U with {} replaced by each page number 0..N-1, one
// task a page, and sums the bytes of the pages answered 2xx. Its tasks await HTTP calls, so a
// worker actor keeps --concurrency of them in flight; it runs on --allow-net workers only.
#include "kinds.hpp"

#include <cohort/context.hpp>
#include <cohort/http.hpp>

#include <stdexcept>
#include <string>

namespace {

constexpr std::uint64_t most_pages = 10'000'000;

// A partial carries a page's body size in `count` and its status in `data`.
class pages_reducer final : public cohort::reducer {
public:
  void merge(cohort::partial&& p) override {
    ++pages_;
    if (p.data.size() == 3 && p.data[0] == '2') {
      ++ok_;
      bytes_ += p.count;
    }
  }
  nlohmann::ordered_json render() const override {
    nlohmann::ordered_json out;
    out["pages"] = pages_;
    out["ok"] = ok_;
    out["bytes"] = bytes_;
    return out;
  }

private:
  std::uint64_t pages_ = 0;
  std::uint64_t ok_ = 0;
  std::uint64_t bytes_ = 0;
};

class pages_plan final : public cohort::job_plan {
public:
  explicit pages_plan(std::uint64_t pages) : pages_(pages) {}
  std::uint64_t task_count() const override { return pages_; }
  cohort::task_spec make_task(std::uint64_t index) const override {
    cohort::task_spec t;
    t.lo = index;
    t.hi = index + 1;
    return t;
  }
  std::unique_ptr<cohort::reducer> make_reducer() const override {
    return std::make_unique<pages_reducer>();
  }

private:
  std::uint64_t pages_;
};

class pages_kind final : public cohort::job_kind {
public:
  std::string_view name() const override { return "pages"; }
  std::string_view summary() const override {
    return "the bytes of pages 0 to pages-1 of url ({} is the page number)";
  }
  std::vector<cohort::param_spec> parameters() const override {
    return {{"url", cohort::param_type::text, "", "an http:// or https:// URL holding {}", true},
            {"pages", cohort::param_type::count, "", "pages fetched: 0 to pages-1", true},
            {"timeout", cohort::param_type::duration, "10s",
             "a page without its answer by then fails", false}};
  }
  // Latency-bound: the credit is --concurrency, and a waiting task holds no thread.
  cohort::task_bound bound(const cohort::params&) const override {
    return cohort::task_bound::latency;
  }
  std::string_view capability() const override { return "net"; }
  void validate(const cohort::params& p) const override {
    const auto url = p.get_string("url", "");
    if (url.find("{}") == std::string::npos) {
      throw cohort::param_error("pages: url must hold {} where the page number goes");
    }
    const auto pages = p.get_u64("pages", 0);
    if (pages == 0 || pages > most_pages) {
      throw cohort::param_error("pages: pages must be from 1 to " + std::to_string(most_pages));
    }
  }
  std::unique_ptr<cohort::job_plan> split(const cohort::params& p) const override {
    return std::make_unique<pages_plan>(p.get_u64("pages", 0));
  }
  cohort::task<cohort::partial> run(cohort::task_spec spec,
                                    cohort::task_context& ctx) const override {
    auto url = ctx.job_params().get_string("url", "");
    url.replace(url.find("{}"), 2, std::to_string(spec.lo));
    // timeout=off waits as long as the worker lives.
    const auto timeout = ctx.job_params()
                             .get_duration("timeout", std::chrono::seconds(10))
                             .value_or(std::chrono::hours(24 * 365));
    cohort::http_request request;
    request.url = url;
    // The task suspends here without holding a thread; it resumes on its worker actor with the
    // answer. Cancelled meanwhile, the call is aborted and the task never resumes.
    auto answer = co_await ctx.http(std::move(request), timeout);
    if (!answer.ok()) {
      throw std::runtime_error(url + ": " + answer.error); // the master retries it elsewhere
    }
    if (answer.response->status >= 500) {
      throw std::runtime_error(url + ": status " + std::to_string(answer.response->status));
    }
    co_return cohort::partial{answer.response->body.size(),
                              std::to_string(answer.response->status)};
  }
};

} // namespace

std::shared_ptr<cohort::job_kind> make_pages_kind() {
  return std::make_shared<pages_kind>();
}
