// worker_core: batch bookkeeping, the pace of answers sent ahead, and drain, for one worker actor.
#include "core/worker_core.hpp"

#include <algorithm>
#include <iterator>

namespace cohort {

worker_core::worker_core(std::shared_ptr<const registry> kinds, task_runner::waker& waker,
                         settings s)
    : settings_(std::move(s)),
      runner_(std::move(kinds), waker, settings_.slowdown, settings_.channel) {
  settings_.batch = std::max<std::uint32_t>(1, settings_.batch);
  runner_.grant(settings_.capabilities);
  // The actor has one thread: CPU-bound tasks beyond the first would only take turns on it, so
  // the rest of its --slots wait in order and start without a round trip to the master.
  runner_.limit_cpu(1);
}

std::uint64_t worker_core::start_batch(const job_desc& job, std::uint64_t master_batch,
                                       std::vector<task_spec> tasks) {
  auto id =
      draining_ ? runner_.hand_back(std::move(tasks)) : runner_.start_batch(job, std::move(tasks));
  master_batches_.emplace(id, master_batch);
  return id;
}

void worker_core::part_timer_fired() {
  part_armed_ = false;
  part_due_ = true;
}

std::vector<std::uint64_t> worker_core::drain() {
  draining_ = true;
  drain_reported_ = false;
  // The master runs what is handed back elsewhere: it goes without waiting for the pace of parts.
  part_due_ = true;
  return runner_.cancel_waiting();
}

worker_core::output worker_core::take_output() {
  output out;
  for (auto& b : runner_.take_finished()) {
    auto master_batch = master_batches_.extract(b.batch).mapped();
    auto last = split_ahead(b.batch, master_batch, std::move(b.results), out);
    out.answers.push_back({b.batch, std::move(last)});
  }
  if (runner_.has_progress() && (part_due_ || !part_armed_)) {
    auto now = settings_.now();
    if (part_due_ || now - last_part_ >= part_interval) {
      send_progress(out, now);
    } else {
      part_armed_ = true;
      out.part_timer = part_interval - (now - last_part_);
    }
  }
  part_due_ = false;
  if (draining_ && !drain_reported_ && runner_.in_flight() == 0) {
    drain_reported_ = true;
    out.drained = true;
  }
  return out;
}

// Only a part actually sent starts the wait for the next one.
void worker_core::send_progress(output& out, clock::time_point now) {
  auto parts = runner_.take_progress();
  if (!parts.empty()) {
    last_part_ = now;
  }
  for (auto& b : parts) {
    auto master_batch = master_batches_.at(b.batch);
    auto last = split_ahead(b.batch, master_batch, std::move(b.results), out);
    out.ahead.push_back({b.batch, master_batch, std::move(last)});
  }
}

std::vector<task_result> worker_core::split_ahead(std::uint64_t batch, std::uint64_t master_batch,
                                                  std::vector<task_result> answers,
                                                  output& out) const {
  const std::size_t most = settings_.batch;
  if (answers.size() <= most) {
    return answers;
  }
  const auto tail = (answers.size() - 1) / most * most;
  auto first = std::make_move_iterator(answers.begin());
  for (std::size_t from = 0; from < tail; from += most) {
    out.ahead.push_back(
        {batch, master_batch,
         std::vector<task_result>(first + static_cast<std::ptrdiff_t>(from),
                                  first + static_cast<std::ptrdiff_t>(from + most))});
  }
  answers.erase(answers.begin(), answers.begin() + static_cast<std::ptrdiff_t>(tail));
  return answers;
}

} // namespace cohort
