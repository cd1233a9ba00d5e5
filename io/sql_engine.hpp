// The PostgreSQL client of a process: one thread running Boost.Asio around libpq's asynchronous
// interface, connections pooled per connection string, at most `limit` open to one; queries
// beyond it wait for a connection to come free.
#pragma once

#include "cohort/sql.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

namespace cohort {

class sql_engine {
public:
  /// A result whose rows take more bytes fails its call (the connection is closed).
  static constexpr std::size_t max_result_bytes = std::size_t{256} << 20;
  static constexpr std::size_t default_limit = 8;

  /// The process's engine, its thread started at the first call.
  static sql_engine& instance();
  /// Ends every call (none is answered), closes every connection and joins the thread; the next
  /// instance() starts afresh.
  static void stop();
  /// Connections per connection string for engines started from now on.
  static void set_limit(std::size_t limit);

  std::shared_ptr<sql_call> start(std::string connection, std::string query,
                                  std::vector<sql_value> params, std::chrono::nanoseconds timeout,
                                  std::function<void(sql_result)> done);

  ~sql_engine();
  sql_engine(const sql_engine&) = delete;
  sql_engine& operator=(const sql_engine&) = delete;

private:
  explicit sql_engine(std::size_t limit);
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace cohort
