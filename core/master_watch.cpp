// The master watch: a state and a condition variable.
#include "core/master_watch.hpp"

namespace cohort {

void master_watch::said_bye() {
  std::lock_guard<std::mutex> lock(mutex_);
  bye_ = true;
}

void master_watch::lost(std::string reason) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state_ != state::serving) {
      return;
    }
    state_ = bye_ ? state::bye : state::lost;
    reason_ = std::move(reason);
  }
  changed_.notify_all();
}

master_watch::state master_watch::wait_for(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, d, [this] { return state_ != state::serving; });
  return state_;
}

std::string master_watch::reason() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return reason_;
}

void master_watch::reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  state_ = state::serving;
  bye_ = false;
  reason_.clear();
}

} // namespace cohort
