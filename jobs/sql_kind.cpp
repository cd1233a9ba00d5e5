// sql: the key range [from, to) is cut into `tasks` parts and every part runs on every shard
// (a `dsn` each), so there are tasks x shards tasks and task i is part i / shards on shard
// i % shards: shards holding disjoint rows, however they split them, give what their union would.
// The query gets the part's bounds as $1 (first key) and $2 (one past the last). Workers reduce
// their rows exactly (jobs/sql_totals) and the master merges the partial totals, or keeps the rows
// in task order. Queries are never copied speculatively: a copy is a second query to someone's
// database; a lost worker's ranges run again.
#include "jobs/sql_kind.hpp"

#include "cohort/sql.hpp"
#include "jobs/sql_totals.hpp"

#include <nlohmann/json.hpp>

#include <limits>
#include <map>
#include <stdexcept>

namespace cohort {

namespace {

using std::chrono::nanoseconds;

struct sql_job {
  std::string query;
  std::vector<std::string> shards;
  std::uint64_t from = 0;
  std::uint64_t to = 0;
  std::uint64_t parts = 0;
  /// Empty: the rows themselves.
  std::vector<sql_reduction> reductions;
  nanoseconds timeout{0};

  // In 128 bits: (to - from) * part overflows 64 for wide key ranges.
  std::uint64_t part_lo(std::uint64_t part) const {
    using wide = unsigned __int128;
    return from + static_cast<std::uint64_t>(static_cast<wide>(to - from) * part / parts);
  }
};

std::vector<std::string> split_shards(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('|', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    auto piece = text.substr(start, end - start);
    const auto first = piece.find_first_not_of(" \t");
    if (first != std::string::npos) {
      out.push_back(piece.substr(first, piece.find_last_not_of(" \t") - first + 1));
    }
    start = end + 1;
  }
  return out;
}

sql_job job_of(const params& p) {
  sql_job j;
  j.query = p.get_string("query", {});
  if (j.query.empty()) {
    throw param_error("sql: needs param 'query'");
  }
  if (j.query.find("$1") == std::string::npos || j.query.find("$2") == std::string::npos) {
    throw param_error("sql: param 'query' must use $1 and $2, the first key of a task's range and "
                      "one past its last");
  }
  // No dsn: one shard, where the worker's PG* environment leads.
  j.shards = split_shards(p.get_string("dsn", {}));
  if (j.shards.empty()) {
    j.shards.emplace_back();
  }
  for (std::size_t i = 0; i < j.shards.size(); ++i) {
    try {
      check_sql_connection(j.shards[i]);
    } catch (const std::invalid_argument& e) {
      throw param_error("sql: param 'dsn', shard " + std::to_string(i) + ": " + e.what());
    }
  }
  j.from = p.get_u64("from", 0);
  j.to = p.get_u64("to", 0);
  if (j.to <= j.from) {
    throw param_error("sql: from=" + std::to_string(j.from) + " to=" + std::to_string(j.to) +
                      ": 'to' (one past the last key) must be more than 'from'");
  }
  // $1 and $2 are bigints to the server.
  constexpr auto bigint_max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (j.to > bigint_max) {
    throw param_error("sql: to=" + std::to_string(j.to) +
                      ": keys are bigints, so 'to' is at most " + std::to_string(bigint_max));
  }
  const auto tasks = p.get_u64("tasks", 64);
  if (tasks == 0) {
    throw param_error("sql: param 'tasks' must be at least 1");
  }
  j.parts = std::min(tasks, j.to - j.from);
  if (j.parts > std::numeric_limits<std::uint64_t>::max() / j.shards.size()) {
    throw param_error("sql: tasks=" + std::to_string(tasks) + " on " +
                      std::to_string(j.shards.size()) + " shards: more tasks than a job can hold");
  }
  const auto reduce = p.get_string("reduce", "rows");
  if (reduce != "rows") {
    try {
      j.reductions = parse_reductions(reduce);
    } catch (const std::invalid_argument& e) {
      throw param_error(std::string("sql: param 'reduce': ") + e.what());
    }
  }
  const auto t = p.get_duration("timeout", std::chrono::minutes(10));
  if (!t || t->count() <= 0) {
    throw param_error("sql: param 'timeout': must be more than 0 (a query cannot wait forever)");
  }
  j.timeout = *t;
  return j;
}

// Rows travel and are kept as JSON: {"columns": [...], "rows": [[text or null, ...], ...]}.
nlohmann::ordered_json rows_json(const sql_result& r) {
  nlohmann::ordered_json out;
  out["columns"] = r.columns;
  auto rows = nlohmann::ordered_json::array();
  for (const auto& row : r.rows) {
    auto values = nlohmann::ordered_json::array();
    for (const auto& v : row) {
      values.push_back(v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr));
    }
    rows.push_back(std::move(values));
  }
  out["rows"] = std::move(rows);
  return out;
}

nlohmann::ordered_json read_rows(std::string_view bytes) {
  try {
    auto j = nlohmann::ordered_json::parse(bytes);
    if (!j.is_object() || !j.at("columns").is_array() || !j.at("rows").is_array()) {
      throw std::invalid_argument("not rows");
    }
    for (const auto& c : j["columns"]) {
      if (!c.is_string()) {
        throw std::invalid_argument("a column name is not text");
      }
    }
    for (const auto& row : j["rows"]) {
      if (!row.is_array() || row.size() != j["columns"].size()) {
        throw std::invalid_argument("a row does not match the columns");
      }
      for (const auto& v : row) {
        if (!v.is_string() && !v.is_null()) {
          throw std::invalid_argument("a value is neither text nor null");
        }
      }
    }
    return j;
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("sql: a worker's rows are not JSON: ") + e.what());
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("sql: a worker's rows: ") + e.what());
  }
}

class totals_reducer final : public reducer {
public:
  explicit totals_reducer(std::vector<sql_reduction> wanted)
      : wanted_(wanted), totals_(std::move(wanted)) {}

  void merge(partial&& p) override { totals_.merge(sql_totals::decode(p.data, wanted_)); }
  nlohmann::ordered_json render() const override { return totals_.render(); }
  std::optional<std::string> snapshot() const override { return totals_.encode(); }
  void restore(std::string_view bytes) override { totals_ = sql_totals::decode(bytes, wanted_); }

private:
  std::vector<sql_reduction> wanted_;
  sql_totals totals_;
};

// The rows of every task, rendered in task order: by range, then shard.
class rows_reducer final : public reducer {
public:
  void merge(partial&& p) override {
    auto j = read_rows(p.data);
    bytes_ += p.data.size();
    if (!parts_.emplace(p.count, std::move(j)).second) {
      throw std::invalid_argument("sql: two answers carry the rows of task " +
                                  std::to_string(p.count));
    }
  }

  nlohmann::ordered_json render() const override {
    nlohmann::ordered_json out;
    out["columns"] = nlohmann::ordered_json::array();
    auto rows = nlohmann::ordered_json::array();
    for (const auto& [index, part] : parts_) {
      if (out["columns"].empty()) {
        out["columns"] = part["columns"];
      }
      for (const auto& row : part["rows"]) {
        rows.push_back(row);
      }
    }
    out["rows"] = std::move(rows);
    return out;
  }

  std::uint64_t result_bytes() const override { return bytes_; }

private:
  // Task index -> its rows. The partial's count carries the index: rows of a task are no count.
  std::map<std::uint64_t, nlohmann::ordered_json> parts_;
  std::uint64_t bytes_ = 0;
};

class sql_plan final : public job_plan {
public:
  explicit sql_plan(sql_job j) : job_(std::move(j)) {}

  std::uint64_t task_count() const override { return job_.parts * job_.shards.size(); }

  task_spec make_task(std::uint64_t index) const override {
    const auto part = index / job_.shards.size();
    task_spec t;
    t.index = index;
    t.lo = job_.part_lo(part);
    t.hi = job_.part_lo(part + 1);
    return t;
  }

  std::string describe(std::uint64_t index) const override {
    const auto part = index / job_.shards.size();
    return "index=" + std::to_string(index) + " keys [" + std::to_string(job_.part_lo(part)) +
           ", " + std::to_string(job_.part_lo(part + 1)) + ") shard " +
           std::to_string(index % job_.shards.size());
  }

  std::unique_ptr<reducer> make_reducer() const override {
    if (job_.reductions.empty()) {
      return std::make_unique<rows_reducer>();
    }
    return std::make_unique<totals_reducer>(job_.reductions);
  }

private:
  sql_job job_;
};

class sql_kind final : public job_kind {
public:
  std::string_view name() const override { return "sql"; }
  std::string_view summary() const override {
    return "runs a PostgreSQL query over key ranges and shards on workers started with "
           "--allow-sql; result: exact totals {\"values\": {\"OP:COLUMN\": ...}} or {\"rows\"}";
  }
  std::vector<param_spec> parameters() const override {
    return {
        {"query", param_type::text, "", "the query; $1 is a task's first key, $2 one past its last",
         true},
        {"dsn", param_type::text, "",
         "libpq connection strings, one per shard, separated by | (no passwords: ~/.pgpass); "
         "none: the worker's PG* environment"},
        {"from", param_type::count, "0", "the first key"},
        {"to", param_type::count, "", "one past the last key", true},
        {"tasks", param_type::count, "64", "parts the keys are cut into; each runs on every shard"},
        {"reduce", param_type::text, "rows",
         "OP:COLUMN,... with OP sum, count, min or max (exact), or rows (every row, up to "
         "--max-result-size)"},
        {"timeout", param_type::duration, "10min", "a query without its answer by then fails"},
    };
  }
  task_bound bound(const params&) const override { return task_bound::latency; }
  std::string_view capability() const override { return "sql"; }
  bool speculates(const params&) const override { return false; }
  // More queries in flight than a worker process has connections (--sql-connections, 8 unless
  // set) only wait in its pool, while another worker could run them.
  std::optional<std::uint32_t> concurrency(const params&) const override { return 8; }

  void validate(const params& p) const override { job_of(p); }

  std::unique_ptr<job_plan> split(const params& p) const override {
    return std::make_unique<sql_plan>(job_of(p));
  }

  task<partial> run(task_spec spec, task_context& ctx) const override {
    const auto job = job_of(ctx.job_params());
    const auto& shard = job.shards.at(spec.index % job.shards.size());
    auto timeout = job.timeout;
    if (const auto limit = ctx.task_timeout(); limit && *limit < timeout) {
      timeout = *limit;
    }
    std::vector<sql_value> bounds{std::to_string(spec.lo), std::to_string(spec.hi)};
    auto r = co_await ctx.sql(shard, job.query, std::move(bounds), timeout);
    if (!r.ok()) {
      throw std::runtime_error(r.error);
    }
    if (job.reductions.empty()) {
      co_return partial{spec.index, rows_json(r).dump()};
    }
    sql_totals totals(job.reductions);
    totals.bind(r.columns);
    for (const auto& row : r.rows) {
      totals.add(row);
    }
    co_return partial{totals.rows(), totals.encode()};
  }
};

} // namespace

std::shared_ptr<const job_kind> make_sql_kind() {
  return std::make_shared<sql_kind>();
}

} // namespace cohort
