// The public face of SQL calls: connection checks, start_sql and the task's awaiter.
#include "cohort/sql.hpp"

#include "io/sql_engine.hpp"
#include "io/sql_target.hpp"

namespace cohort {

void check_sql_connection(const std::string& connection) {
  parse_sql_target(connection);
}

std::shared_ptr<sql_call> start_sql(std::string connection, std::string query,
                                    std::vector<sql_value> params, std::chrono::nanoseconds timeout,
                                    std::function<void(sql_result)> done) {
  return sql_engine::instance().start(std::move(connection), std::move(query), std::move(params),
                                      timeout, std::move(done));
}

void set_sql_connection_limit(std::size_t limit) {
  sql_engine::set_limit(limit);
}

sql_awaiter::~sql_awaiter() {
  if (call_) {
    call_->cancel();
  }
}

bool sql_awaiter::await_ready() const {
  check_sql_connection(connection_);
  return false;
}

void sql_awaiter::await_suspend(std::coroutine_handle<> h) {
  outcome_ = std::make_shared<sql_result>();
  auto wake = ctx_.exec_->park_for_io(ctx_, h);
  call_ = start_sql(std::move(connection_), std::move(query_), std::move(params_), timeout_,
                    [out = outcome_, wake = std::move(wake)](sql_result r) {
                      *out = std::move(r);
                      wake();
                    });
}

sql_result sql_awaiter::await_resume() {
  call_.reset();
  return std::move(*outcome_);
}

} // namespace cohort
