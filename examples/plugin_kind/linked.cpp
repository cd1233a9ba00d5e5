// The job kind "linked" (dsn=D query=Q keys=N): for each key 0..N-1, a task awaits the query with
// $1 bound to its key, then awaits a GET of every URL the query's rows name (their first column),
// and counts the pages and the bytes of those answered 2xx. It needs a worker that grants both
// "sql" and "net" (--allow-sql --allow-net).
#include "kinds.hpp"

#include <cohort/context.hpp>
#include <cohort/http.hpp>
#include <cohort/sql.hpp>

#include <stdexcept>
#include <string>

namespace {

constexpr std::uint64_t most_keys = 10'000'000;

// A partial carries the pages a key named in `count` and "OK BYTES" (of the 2xx ones) in `data`.
class linked_reducer final : public cohort::reducer {
public:
  void merge(cohort::partial&& p) override {
    const auto space = p.data.find(' ');
    if (space == std::string::npos) {
      throw std::invalid_argument("linked: a partial is not 'OK BYTES'");
    }
    ++keys_;
    pages_ += p.count;
    ok_ += std::stoull(p.data.substr(0, space));
    bytes_ += std::stoull(p.data.substr(space + 1));
  }
  nlohmann::ordered_json render() const override {
    nlohmann::ordered_json out;
    out["keys"] = keys_;
    out["pages"] = pages_;
    out["ok"] = ok_;
    out["bytes"] = bytes_;
    return out;
  }

private:
  std::uint64_t keys_ = 0;
  std::uint64_t pages_ = 0;
  std::uint64_t ok_ = 0;
  std::uint64_t bytes_ = 0;
};

class linked_plan final : public cohort::job_plan {
public:
  explicit linked_plan(std::uint64_t keys) : keys_(keys) {}
  std::uint64_t task_count() const override { return keys_; }
  cohort::task_spec make_task(std::uint64_t index) const override {
    cohort::task_spec t;
    t.lo = index;
    return t;
  }
  std::unique_ptr<cohort::reducer> make_reducer() const override {
    return std::make_unique<linked_reducer>();
  }

private:
  std::uint64_t keys_;
};

class linked_kind final : public cohort::job_kind {
public:
  std::string_view name() const override { return "linked"; }
  std::string_view summary() const override {
    return "the pages whose URLs a PostgreSQL query gives for each key 0 to keys-1";
  }
  std::vector<cohort::param_spec> parameters() const override {
    return {{"dsn", cohort::param_type::text, "", "a libpq connection string", true},
            {"query", cohort::param_type::text, "",
             "a query whose rows' first column is a URL; $1 is the key", true},
            {"keys", cohort::param_type::count, "", "keys queried: 0 to keys-1", true}};
  }
  cohort::task_bound bound(const cohort::params&) const override {
    return cohort::task_bound::latency;
  }
  // Both: the task reaches a database and the web.
  std::string_view capability() const override { return "sql,net"; }
  void validate(const cohort::params& p) const override {
    try {
      cohort::check_sql_connection(p.get_string("dsn", ""));
    } catch (const std::invalid_argument& e) {
      throw cohort::param_error(std::string("linked: dsn: ") + e.what());
    }
    const auto keys = p.get_u64("keys", 0);
    if (keys == 0 || keys > most_keys) {
      throw cohort::param_error("linked: keys must be from 1 to " + std::to_string(most_keys));
    }
  }
  std::unique_ptr<cohort::job_plan> split(const cohort::params& p) const override {
    return std::make_unique<linked_plan>(p.get_u64("keys", 0));
  }
  cohort::task<cohort::partial> run(cohort::task_spec spec,
                                    cohort::task_context& ctx) const override {
    std::vector<cohort::sql_value> key{std::to_string(spec.lo)};
    // The task suspends on the query, then on each call; none holds a thread, and a cancelled
    // task's query or call is aborted.
    auto rows = co_await ctx.sql(ctx.job_params().get_string("dsn", ""),
                                 ctx.job_params().get_string("query", ""), std::move(key),
                                 std::chrono::seconds(30));
    if (!rows.ok()) {
      throw std::runtime_error("key " + std::to_string(spec.lo) + ": " + rows.error);
    }
    std::uint64_t ok = 0;
    std::uint64_t bytes = 0;
    for (const auto& row : rows.rows) {
      if (row.empty() || !row[0]) {
        continue;
      }
      cohort::http_request request;
      request.url = *row[0];
      auto answer = co_await ctx.http(std::move(request), std::chrono::seconds(10));
      if (!answer.ok()) {
        throw std::runtime_error(*row[0] + ": " + answer.error); // retried elsewhere
      }
      if (answer.response->status / 100 == 2) {
        ++ok;
        bytes += answer.response->body.size();
      }
    }
    co_return cohort::partial{rows.rows.size(), std::to_string(ok) + " " + std::to_string(bytes)};
  }
};

} // namespace

std::shared_ptr<cohort::job_kind> make_linked_kind() {
  return std::make_shared<linked_kind>();
}
