// Counting and pacing of dropped messages.
#include "core/dropped_messages.hpp"

#include <utility>

namespace cohort {

std::optional<std::string> dropped_messages::note(const std::string& what, clock::time_point now) {
  total_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mutex_);
  ++since_line_;
  if (last_line_ != clock::time_point{} && now - last_line_ < std::chrono::seconds(1)) {
    return std::nullopt;
  }
  last_line_ = now;
  auto n = std::exchange(since_line_, 0);
  return "dropped " + std::to_string(n) + (n == 1 ? " message" : " messages") +
         " that proved nothing (" + std::to_string(total()) + " in all); the last: " + what;
}

dropped_messages& dropped() {
  static dropped_messages counter;
  return counter;
}

} // namespace cohort
