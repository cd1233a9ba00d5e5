// The HTTP client of a process: one I/O thread running Boost.Asio, connections kept alive and
// pooled per origin (scheme, host and port), at most `per_origin_limit` open to one origin; calls
// beyond it wait for a connection to come free.
#pragma once

#include "cohort/http.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

namespace cohort {

class http_engine {
public:
  /// Connections open to one origin at most (each carries one request at a time, HTTP/1.1).
  static constexpr std::size_t per_origin_limit = 16384;
  /// An answer whose body is larger fails its call.
  static constexpr std::size_t max_body = std::size_t{64} << 20;

  /// The process's engine, its thread started at the first call.
  static http_engine& instance();
  /// Ends every call (none is answered), closes every connection and joins the I/O thread; the
  /// next instance() starts afresh. A node calls it before its actor system goes, since answers
  /// are delivered as messages to actors.
  static void stop();

  std::shared_ptr<http_call> start(http_request request, std::chrono::nanoseconds timeout,
                                   std::function<void(http_result)> done);

  ~http_engine();
  http_engine(const http_engine&) = delete;
  http_engine& operator=(const http_engine&) = delete;

private:
  http_engine();
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace cohort
