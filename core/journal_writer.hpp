// Writes the journal on a thread of its own, so the master actor hands records over and never
// waits on disk; whatever was handed over in the meantime goes in one transaction, at most ten a
// second (at once for tasks that wait to start). Drops finished jobs past their keep daily (the
// master does at its start, with drop_expired).
#pragma once

#include "core/journal.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace cohort {

/// Drops the finished jobs older than `keep` from `store` (--journal-keep), saying how many.
void drop_expired(journal& store, std::chrono::nanoseconds keep);

class journal_writer {
public:
  journal_writer(std::unique_ptr<journal> store, std::chrono::nanoseconds keep);
  /// Writes what was handed over, then stops.
  ~journal_writer();
  journal_writer(const journal_writer&) = delete;
  journal_writer& operator=(const journal_writer&) = delete;

  /// Called on the writer's thread after each transaction that held tasks_started records, with the
  /// highest ticket among them, and once with `ok` false when the journal failed.
  using written_fn = std::function<void(std::uint64_t ticket, bool ok)>;
  /// Set before the first post.
  void on_written(written_fn fn);

  void post(std::vector<journal_record> records);
  /// Waits until everything posted so far is written (or the journal failed).
  void flush();

private:
  void run();

  std::unique_ptr<journal> store_;
  std::chrono::nanoseconds keep_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable written_;
  std::vector<journal_record> queue_;
  std::uint64_t posted_ = 0;
  std::uint64_t done_ = 0;
  /// Callers waiting in flush(): the writer commits without pausing.
  int flushing_ = 0;
  bool stop_ = false;
  bool failed_ = false;
  /// Tasks wait for the queued records: commit without pausing.
  bool urgent_ = false;
  written_fn written_fn_;
  std::thread thread_;
};

} // namespace cohort
