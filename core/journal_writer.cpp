#include "core/journal_writer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace cohort {

namespace {
constexpr auto retention_every = std::chrono::hours(24);
// Transactions are at least this far apart: records handed over meanwhile share one, which keeps
// the writer's CPU off the workers' cores; a crash loses at most this much more work.
constexpr auto commit_every = std::chrono::milliseconds(100);
} // namespace

journal_writer::journal_writer(std::unique_ptr<journal> store, std::chrono::nanoseconds keep)
    : store_(std::move(store)), keep_(keep), thread_([this] { run(); }) {}

journal_writer::~journal_writer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void journal_writer::on_written(written_fn fn) {
  std::lock_guard lock(mutex_);
  written_fn_ = std::move(fn);
}

void journal_writer::post(std::vector<journal_record> records) {
  if (records.empty()) {
    return;
  }
  const bool urgent = std::any_of(records.begin(), records.end(), [](const journal_record& r) {
    return std::holds_alternative<tasks_started>(r);
  });
  bool was_empty = false;
  {
    std::lock_guard lock(mutex_);
    if (failed_) {
      return;
    }
    ++posted_;
    urgent_ = urgent_ || urgent;
    was_empty = queue_.empty();
    if (was_empty) {
      queue_ = std::move(records);
    } else {
      std::move(records.begin(), records.end(), std::back_inserter(queue_));
    }
  }
  if (was_empty || urgent) {
    wake_.notify_one();
  }
}

void journal_writer::flush() {
  std::unique_lock lock(mutex_);
  ++flushing_;
  wake_.notify_one();
  written_.wait(lock, [&] { return done_ == posted_ || failed_; });
  --flushing_;
}

void drop_expired(journal& store, std::chrono::nanoseconds keep) {
  try {
    const auto before = std::chrono::system_clock::now() -
                        std::chrono::duration_cast<std::chrono::system_clock::duration>(keep);
    if (const auto n = store.forget_finished_before(before); n > 0) {
      spdlog::info("journal {}: dropped {} jobs that finished before --journal-keep", store.path(),
                   n);
    }
  } catch (const journal_error& e) {
    spdlog::error("{}", e.what());
  }
}

void journal_writer::run() {
  // The master dropped them at its start (drop_expired).
  auto next_retention = std::chrono::steady_clock::now() + retention_every;
  std::unique_lock lock(mutex_);
  for (;;) {
    if (std::chrono::steady_clock::now() >= next_retention) {
      lock.unlock();
      drop_expired(*store_, keep_);
      lock.lock();
      next_retention = std::chrono::steady_clock::now() + retention_every;
    }
    wake_.wait_until(lock, next_retention, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) {
      if (stop_) {
        return;
      }
      continue;
    }
    auto batch = std::exchange(queue_, {});
    const auto upto = posted_;
    urgent_ = false;
    auto tell = written_fn_;
    lock.unlock();
    bool ok = true;
    try {
      store_->write(batch);
    } catch (const journal_error& e) {
      ok = false;
      spdlog::error("{}; the journal records nothing more, and a restart resumes from what it "
                    "holds",
                    e.what());
    }
    std::uint64_t ticket = 0;
    for (const auto& r : batch) {
      if (const auto* t = std::get_if<tasks_started>(&r)) {
        ticket = std::max(ticket, t->ticket);
      }
    }
    if (tell && (!ok || ticket != 0)) {
      tell(ticket, ok);
    }
    lock.lock();
    done_ = upto;
    failed_ = failed_ || !ok;
    written_.notify_all();
    wake_.wait_for(lock, commit_every, [&] { return stop_ || flushing_ > 0 || urgent_; });
  }
}

} // namespace cohort
