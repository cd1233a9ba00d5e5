// The worker actors of one process: how many, how much work each takes, what they carry and
// grant.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace cohort {

struct worker_settings {
  /// Worker actors in this process (--local-workers on a master, --workers on a worker): one per
  /// core by default.
  std::uint32_t count = std::max(1u, std::thread::hardware_concurrency());
  /// CPU-bound tasks per worker actor, queued or running.
  std::uint32_t slots = 1;
  /// Latency-bound tasks per worker actor; a job may ask for less.
  std::uint32_t concurrency = 10000;
  /// PostgreSQL connections this process opens at most per connection string (ctx.sql).
  std::uint32_t sql_connections = 8;
  /// Most answers in one message a worker actor sends back.
  std::uint32_t batch = 1000;
  /// Tags a job's --require (or a task's own tags) must find here.
  std::vector<std::string> tags;
  /// What the worker actors grant beyond tags ("exec": --allow-exec).
  std::vector<std::string> capabilities;
  /// Every task runs this many times slower (a test and benchmark aid).
  double slowdown = 1.0;
};

} // namespace cohort
