#include "core/status_board.hpp"

#include <utility>

namespace cohort {

const status_board::slot_stats* status_board::find(worker_ref w) const {
  if (w.slot >= workers_.size()) {
    return nullptr;
  }
  const auto& s = workers_[w.slot];
  return s.present && s.generation == w.generation ? &s : nullptr;
}

status_board::slot_stats* status_board::find(worker_ref w) {
  return const_cast<slot_stats*>(std::as_const(*this).find(w));
}

void status_board::count(std::string_view kind, std::string_view outcome) {
  auto i = tasks_.find(std::pair(kind, outcome));
  if (i == tasks_.end()) {
    i = tasks_.emplace(std::pair(std::string(kind), std::string(outcome)), 0).first;
  }
  ++i->second;
}

void status_board::worker_joined(worker_ref w, clock::time_point now) {
  if (w.slot >= workers_.size()) {
    workers_.resize(w.slot + 1);
  }
  auto& s = workers_[w.slot];
  s = slot_stats{worker_stats{}, w.generation, true};
  s.stats.last_heard = now;
  s.stats.rate.sample(now, 0);
}

void status_board::worker_left(worker_ref w) {
  if (auto* s = find(w)) {
    *s = slot_stats{};
  }
}

void status_board::heard(worker_ref w, clock::time_point now) {
  if (auto* s = find(w)) {
    s->stats.last_heard = now;
  }
}

void status_board::merged(worker_ref w, std::string_view kind, clock::duration ran,
                          clock::time_point now) {
  if (auto* s = find(w)) {
    ++s->stats.merged;
    s->stats.last_heard = now;
  }
  count(kind, "ok");
  task_seconds_.add(std::chrono::duration<double>(ran).count());
}

void status_board::attempt_ended(std::string_view kind, std::string_view outcome) {
  count(kind, outcome);
}

bool status_board::sample_due(clock::time_point now) {
  if (last_sample_ && now - *last_sample_ < std::chrono::seconds(1)) {
    return false;
  }
  last_sample_ = now;
  return true;
}

void status_board::sample_workers(clock::time_point now) {
  for (auto& s : workers_) {
    if (s.present) {
      s.stats.rate.sample(now, s.stats.merged);
    }
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
  const auto* s = find(w);
  return s == nullptr ? nullptr : &s->stats;
}

const rate_meter* status_board::job(std::uint64_t id) const {
  auto i = jobs_.find(id);
  return i == jobs_.end() ? nullptr : &i->second;
}

void status_board::fill(status_view& v) const {
  v.tasks = {tasks_.begin(), tasks_.end()};
  v.task_seconds = task_seconds_;
  v.jobs_ended = jobs_ended_;
  v.events.assign(events_.all().begin(), events_.all().end());
}

} // namespace cohort
