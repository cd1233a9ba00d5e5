// The count of messages dropped because they proved nothing (forged, from strangers, replayed,
// malformed), process-wide, and the pace of the log line that reports them: at most one a second,
// so a flood costs a counter increment per message, not a log line.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace cohort {

class dropped_messages {
public:
  using clock = std::chrono::steady_clock;

  /// Counts one dropped message. Returns the line to log now ("dropped N messages ...; the last:
  /// WHAT"), or nothing when a line went out less than a second ago.
  std::optional<std::string> note(const std::string& what, clock::time_point now = clock::now());
  /// Every message dropped so far.
  std::uint64_t total() const { return total_.load(std::memory_order_relaxed); }

private:
  std::atomic<std::uint64_t> total_{0};
  std::mutex mutex_;
  clock::time_point last_line_{};
  std::uint64_t since_line_ = 0;
};

/// The process's count (the status page reads it).
dropped_messages& dropped();

} // namespace cohort
