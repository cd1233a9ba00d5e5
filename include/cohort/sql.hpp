// co_await ctx.sql(connection, query, params, timeout): a PostgreSQL query from a task body. It
// runs on the worker process's SQL thread over pooled connections (libpq's asynchronous
// interface), and the task resumes on its worker actor with the rows: task code needs no locks.
#pragma once

#include "cohort/context.hpp"

#include <chrono>
#include <coroutine>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cohort {

/// A value in text form, as psql prints it; std::nullopt is SQL NULL.
using sql_value = std::optional<std::string>;

/// The rows, or why there are none ("ERROR: relation \"t\" does not exist", "timed out after
/// 2s", ...).
struct sql_result {
  std::vector<std::string> columns;
  std::vector<std::vector<sql_value>> rows;
  std::string error;
  /// From the call's start to its end.
  double latency_s = 0;
  bool ok() const { return error.empty(); }
};

/// One query in flight. cancel() aborts it: its connection is closed (the server stops the query
/// within a second, client_connection_check_interval) and its answer is never delivered.
class sql_call {
public:
  virtual ~sql_call() = default;
  virtual void cancel() = 0;
};

/// Throws std::invalid_argument naming what makes `connection` unusable: not a libpq connection
/// string, a password in it (passwords come from ~/.pgpass or PGPASSFILE, never from job
/// parameters), or several hosts.
void check_sql_connection(const std::string& connection);

/// Starts `query` with `params` bound to $1, $2, ... on this process's SQL thread (started at the
/// first call); `done` runs there once with the rows or the error, unless the call was cancelled
/// first. Connections are pooled per connection string, at most set_sql_connection_limit() of
/// them open per string; further queries wait for one.
std::shared_ptr<sql_call> start_sql(std::string connection, std::string query,
                                    std::vector<sql_value> params, std::chrono::nanoseconds timeout,
                                    std::function<void(sql_result)> done);

/// Connections open at most per connection string in this process (--sql-connections; 8 unless
/// set).
void set_sql_connection_limit(std::size_t limit);

/// What ctx.sql() returns. Destroyed while its task waits (the task was cancelled), it aborts the
/// query.
class sql_awaiter {
public:
  sql_awaiter(task_context& ctx, std::string connection, std::string query,
              std::vector<sql_value> params, std::chrono::nanoseconds timeout)
      : ctx_(ctx), connection_(std::move(connection)), query_(std::move(query)),
        params_(std::move(params)), timeout_(timeout) {}
  sql_awaiter(const sql_awaiter&) = delete;
  sql_awaiter& operator=(const sql_awaiter&) = delete;
  ~sql_awaiter();

  /// Checks the connection string (throws std::invalid_argument naming what is wrong, before the
  /// task suspends); never ready.
  bool await_ready() const;
  void await_suspend(std::coroutine_handle<> h);
  sql_result await_resume();

private:
  task_context& ctx_;
  std::string connection_;
  std::string query_;
  std::vector<sql_value> params_;
  std::chrono::nanoseconds timeout_;
  std::shared_ptr<sql_result> outcome_;
  std::shared_ptr<sql_call> call_;
};

inline sql_awaiter task_context::sql(std::string connection, std::string query,
                                     std::vector<sql_value> params,
                                     std::chrono::nanoseconds timeout) {
  return {*this, std::move(connection), std::move(query), std::move(params), timeout};
}

} // namespace cohort
