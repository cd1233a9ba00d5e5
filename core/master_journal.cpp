// The master core's part in the journal: batches held until the journal has them, what it records
// of a job, and a job carried over from it after a restart.
#include "core/master_core.hpp"

#include "core/master_job.hpp"
#include "core/request_json.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <spdlog/spdlog.h>

namespace cohort {

using master_detail::joined;
using master_detail::seconds;

bool master_core::guarded(const job_state& j) const {
  return journaling() && !j.rerun_after_loss && !journal_failed_;
}

std::vector<outgoing_batch> master_core::hand_out() {
  auto out = std::exchange(released_, {});
  for (auto& b : outgoing_) {
    if (!guarded(*jobs_.at(b.job))) {
      out.push_back(std::move(b));
      continue;
    }
    tasks_started started{b.job, next_ticket_++, {}};
    for (const auto& t : b.tasks) {
      started.tasks.insert(t.index);
    }
    parked_.emplace(started.ticket, std::move(b));
    journal_.push_back(std::move(started));
  }
  outgoing_.clear();
  return out;
}

void master_core::journal_written(std::uint64_t ticket) {
  while (!parked_.empty() && parked_.begin()->first <= ticket) {
    released_.push_back(std::move(parked_.begin()->second));
    parked_.erase(parked_.begin());
  }
}

void master_core::journal_failed(clock::time_point now) {
  for (auto& [id, j] : jobs_) {
    if (guarded(*j)) {
      end_job(*j, job_status::failed, "task",
              "the journal failed, so it cannot record which of this job's tasks start, and "
              "they must not run twice",
              now);
    }
  }
  journal_failed_ = true;
  finish_ended();
}

std::optional<std::string> master_core::started_unmerged(const job_state& j,
                                                         const unfinished_job& held) const {
  index_set done;
  if (j.resumable) {
    if (held.state) {
      done = held.merged;
    }
    for (const auto& t : held.since) {
      done.insert(t.index);
    }
  }
  std::uint64_t first = 0;
  std::uint64_t count = 0;
  for (const auto& [begin, end] : held.started.ranges()) {
    for (auto i = begin; i < end; ++i) {
      if (!done.contains(i) && count++ == 0) {
        first = i;
      }
    }
  }
  if (count == 0) {
    return std::nullopt;
  }
  if (first >= j.plan->task_count()) {
    return "the journal holds task " + std::to_string(first) + " of a job of " +
           std::to_string(j.plan->task_count()) + " tasks";
  }
  auto what = "task " + std::to_string(first) + " (" + j.plan->describe(first) + ")";
  if (count > 1) {
    what += " and " + std::to_string(count - 1) + " more";
  }
  return what + (count > 1 ? " were" : " was") +
         " running when the master stopped; this job's tasks are not run again after a lost "
         "worker or master";
}

journal_record master_core::accepted(const job_state& j) const {
  return job_accepted{j.id, j.owner, request_to_json(j.req), j.resumable, j.plan_print};
}

std::optional<std::string> master_core::carry_over(job_state& j, const unfinished_job& held) {
  // Nothing of it applies, or nothing was kept: it runs again from its first task, its line says
  // so, and the journal forgets what it held of it.
  auto restart = [&] {
    j.restarted = true;
    journal_.push_back(accepted(j));
    return std::nullopt;
  };
  if (!held.plan.empty() && held.plan != j.plan_print) {
    if (!j.rerun_after_loss && held.started.size() > 0) {
      return "its tasks changed since the journal recorded it (tasks and inputs " + held.plan +
             ", now " + j.plan_print + "), and " + std::to_string(held.started.size()) +
             " had started; this job's tasks are not run again after a lost worker or master";
    }
    spdlog::warn("job {}: its tasks changed since the journal recorded it (tasks and inputs {}, "
                 "now {}): it runs again from its first task",
                 j.id, held.plan, j.plan_print);
    return restart();
  }
  if (!j.rerun_after_loss) {
    if (auto why = started_unmerged(j, held)) {
      return why;
    }
  }
  if (!j.resumable) {
    return restart();
  }
  const auto count = j.plan->task_count();
  index_set done;
  try {
    if (held.state) {
      j.red->restore(*held.state);
      done = held.merged;
    }
    if (!done.ranges().empty() && done.ranges().rbegin()->second > count) {
      return "the journal holds tasks beyond the job's " + std::to_string(count);
    }
    for (const auto& t : held.since) {
      if (t.index >= count) {
        return "the journal holds task " + std::to_string(t.index) + " of a job of " +
               std::to_string(count) + " tasks";
      }
      if (done.insert(t.index)) {
        j.red->merge(partial(t.answer));
      }
    }
  } catch (const std::exception& e) {
    return std::string("the journal's state of the job cannot be restored: ") + e.what();
  }
  j.merged = done;
  j.led->mark_merged(std::move(done));
  return std::nullopt;
}

std::vector<journal_record> master_core::take_journal(clock::time_point now) {
  for (auto id : std::exchange(unjournaled_jobs_, {})) {
    auto ji = jobs_.find(id);
    if (ji == jobs_.end()) {
      continue;
    }
    auto& j = *ji->second;
    if (!j.unjournaled.empty()) {
      journal_.push_back(tasks_merged{id, std::exchange(j.unjournaled, {})});
    }
    if (now - j.last_snapshot >= snapshot_every && !j.ended) {
      snapshot(j, now);
    }
  }
  return std::exchange(journal_, {});
}

void master_core::snapshot(job_state& j, clock::time_point now) {
  if (auto state = j.red->snapshot()) {
    journal_.push_back(job_snapshot{j.id, std::move(*state), j.merged});
  }
  j.last_snapshot = now;
}

void master_core::suspend_all(clock::time_point now) {
  if (!journaling()) {
    return;
  }
  for (auto& [id, j] : jobs_) {
    if (!j->unjournaled.empty()) {
      journal_.push_back(tasks_merged{id, std::exchange(j->unjournaled, {})});
    }
    if (j->resumable && !j->ended) {
      snapshot(*j, now);
    }
  }
  suspended_ = true;
}

} // namespace cohort
