// What a worker process's main thread waits for while its worker actors serve a master, set from
// actor threads: the master said goodbye (it shuts down normally), or it was lost.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

namespace cohort {

class master_watch {
public:
  enum class state { serving, bye, lost };

  /// The master shut down normally (a lost master's later loss does not change that).
  void said_bye();
  /// The master is gone: its process died, its connection was lost, or it quit.
  void lost(std::string reason);
  /// Waits up to `d` for the master to say goodbye or be lost.
  state wait_for(std::chrono::milliseconds d);
  /// Why the master was lost.
  std::string reason() const;
  /// Serving a new master.
  void reset();

private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  state state_ = state::serving;
  bool bye_ = false;
  std::string reason_;
};

} // namespace cohort
