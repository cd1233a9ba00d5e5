#include "core/status_board.hpp"

namespace cohort {

void status_board::worker_joined(worker_ref w, clock::time_point now) {
  auto& s = workers_.insert_or_assign(w, worker_stats{}).first->second;
  s.last_heard = now;
  s.rate.sample(now, 0);
}

void status_board::worker_left(worker_ref w) {
  workers_.erase(w);
}

void status_board::heard(worker_ref w, clock::time_point now) {
  if (auto i = workers_.find(w); i != workers_.end()) {
    i->second.last_heard = now;
  }
}

void status_board::merged(worker_ref w, std::string_view kind, clock::duration ran,
                          clock::time_point now) {
  if (auto i = workers_.find(w); i != workers_.end()) {
    ++i->second.merged;
    i->second.last_heard = now;
  }
  ++tasks_[{std::string(kind), "ok"}];
  task_seconds_.add(std::chrono::duration<double>(ran).count());
}

void status_board::attempt_ended(std::string_view kind, std::string_view outcome) {
  ++tasks_[{std::string(kind), std::string(outcome)}];
}

bool status_board::sample_due(clock::time_point now) {
  if (last_sample_ && now - *last_sample_ < std::chrono::seconds(1)) {
    return false;
  }
  last_sample_ = now;
  return true;
}

void status_board::sample_workers(clock::time_point now) {
  for (auto& [w, s] : workers_) {
    s.rate.sample(now, s.merged);
  }
}

void status_board::job_sampled(std::uint64_t job, std::uint64_t done, clock::time_point now) {
  jobs_[job].sample(now, done);
}

void status_board::job_ended(std::uint64_t job) {
  jobs_.erase(job);
  ++jobs_ended_;
}

void status_board::event(std::string text) {
  const auto at =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  events_.add(at, std::move(text));
}

const status_board::worker_stats* status_board::worker(worker_ref w) const {
  auto i = workers_.find(w);
  return i == workers_.end() ? nullptr : &i->second;
}

const rate_meter* status_board::job(std::uint64_t id) const {
  auto i = jobs_.find(id);
  return i == jobs_.end() ? nullptr : &i->second;
}

void status_board::fill(status_view& v) const {
  v.tasks = tasks_;
  v.task_seconds = task_seconds_;
  v.jobs_ended = jobs_ended_;
  v.events.assign(events_.all().begin(), events_.all().end());
}

} // namespace cohort
