// The master's limits per job (--max-message-size, --max-tasks, --max-result-size); a job that
// exceeds one fails with reason `limit` and the others carry on.
#pragma once

#include <cstdint>

namespace cohort {

struct job_limits {
  /// Most bytes of task data in one batch, and of answers in one message.
  std::uint64_t max_message_size = std::uint64_t{64} << 20;
  /// Most tasks one job may have.
  std::uint64_t max_tasks = 100'000'000;
  /// Most bytes a job's result may hold (checked after each merge and on the rendered result).
  std::uint64_t max_result_size = std::uint64_t{256} << 20;
};

} // namespace cohort
