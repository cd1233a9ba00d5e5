// What the master core tells: why a job waits, a job's line when it ends, summaries, progress and
// the status view.
#include "core/master_core.hpp"

#include "cohort/capabilities.hpp"
#include "core/job_report.hpp"
#include "core/master_job.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <spdlog/spdlog.h>

namespace cohort {

using master_detail::joined;
using master_detail::seconds;

std::string master_core::why_starved(const job_state& j) const {
  bool granted = j.capability.empty();
  for (auto w : dispatcher_.workers()) {
    if (dispatcher_.grants(w, j.capability)) {
      granted = true;
      break;
    }
  }
  if (!granted) {
    return "no worker allows " + capability_names(j.capability) + " (start workers with " +
           allow_flags(j.capability) + ")";
  }
  if (!min_workers_reached_) {
    return std::to_string(dispatcher_.alive_count()) + " of --min-workers " +
           std::to_string(settings_.min_workers) + " workers joined";
  }
  if (!has_eligible_worker(j) && !j.req.require.empty()) {
    return "no worker with tags " + joined(j.req.require) + " joined";
  }
  if (auto r = starved_route(j)) {
    auto tags = j.routes->tags(*r);
    tags.insert(tags.end(), j.req.require.begin(), j.req.require.end());
    auto n = j.routes->tasks(*r);
    return "no worker with tags " + joined(tags) + " joined (" + std::to_string(n) +
           (n == 1 ? " task requires " : " tasks require ") + j.routes->label(*r) + ")";
  }
  return "no worker is available";
}

job_progress_report::waiting_for master_core::waiting_for(const job_state& j,
                                                          clock::time_point now) const {
  job_progress_report::waiting_for w;
  if (!min_workers_reached_) {
    w.joined = dispatcher_.alive_count();
    w.need = settings_.min_workers;
  } else {
    auto route = starved_route(j);
    w.joined = 0;
    for (auto x : dispatcher_.workers()) {
      w.joined += eligible(j, x) && (!route || fits_route(j, *route, x)) ? 1 : 0;
    }
    w.need = 1;
  }
  if (j.waiting_since) {
    w.left_s = std::max(0.0, seconds(settings_.wait_for_workers - (now - *j.waiting_since)));
  }
  return w;
}

std::string master_core::name(worker_ref w) const {
  return dispatcher_.current(w) ? dispatcher_.at(w).id
                                : "that left (slot " + std::to_string(w.slot) + ")";
}

std::string master_core::format_wait(std::chrono::nanoseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%gs", seconds(d));
  return buf;
}

job_outcome master_core::render(const job_state& j) const {
  job_end_state end{j.ended->status, j.ended->reason, j.ended->error, nullptr};
  bool verdict = false;
  if (end.status == job_status::ok) {
    if (auto failed = j.red->failure()) {
      end.status = job_status::failed;
      end.reason = failed->reason;
      end.error = failed->error;
      verdict = true;
    }
  }
  const bool shown = end.status == job_status::ok ||
                     (j.keeps_partial_result && (verdict || end.status == job_status::cancelled));
  if (shown) {
    end.result = j.red->render();
    auto size = end.result.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).size();
    if (size > settings_.limits.max_result_size) {
      end.status = job_status::failed;
      end.reason = "limit";
      end.error = "the result is " + std::to_string(size) + " bytes, more than --max-result-size " +
                  std::to_string(settings_.limits.max_result_size);
      end.result = nullptr;
    }
  }
  const auto& c = j.led->counts();
  job_stats stats{
      j.led->merged() - j.led->merged_before(),
      c.attempts,
      c.retries,
      c.reassigned,
      c.speculative,
      c.duplicates,
      j.split_s,
      j.merge_s,
      seconds(j.ended->at - j.submitted),
      seconds(j.waited + (j.waiting_since ? j.ended->at - *j.waiting_since : clock::duration{})),
      c.peak_in_flight,
      std::nullopt,
      j.restarted,
      {},
      {}};
  if (journaling()) {
    stats.resumed = j.led->merged_before();
  }
  if (j.routes) {
    for (std::uint32_t r = 0; r < j.routes->count(); ++r) {
      stats.tags.push_back({j.routes->label(r), j.routes->tasks(r), j.merged_by_route[r]});
    }
  }
  std::vector<worker_ref> order;
  order.reserve(j.by_worker.size());
  for (const auto& [w, pw] : j.by_worker) {
    order.push_back(w);
  }
  std::sort(order.begin(), order.end());
  for (auto w : order) {
    stats.workers.push_back(j.by_worker.at(w).share);
    // A draining worker has left the job too, though its process may not have closed yet.
    stats.workers.back().left |= dispatcher_.current(w) && dispatcher_.at(w).draining;
  }
  auto status = end.status;
  return {status, job_line({j.id, j.desc.kind, j.req.name}, std::move(end), stats)};
}

job_summary master_core::summarize(const job_state& j, clock::time_point now) const {
  return {j.id,
          j.owner,
          j.desc.kind,
          j.req.name,
          j.led->counts().attempts == 0 ? "queued" : "running",
          j.led->merged(),
          j.led->task_count(),
          seconds(now - j.submitted)};
}

std::vector<job_summary> master_core::summaries(clock::time_point now) const {
  std::vector<job_summary> out;
  for (const auto& [id, j] : jobs_) {
    if (!j->ended) {
      out.push_back(summarize(*j, now));
    }
  }
  return out;
}

job_progress_report master_core::report_of(const job_state& j, clock::time_point now) const {
  job_progress_report p;
  p.id = j.id;
  p.name = j.req.name;
  p.done = j.led->merged();
  p.total = j.led->task_count();
  p.in_flight = j.led->in_flight();
  if (const auto* m = board_.job(j.id)) {
    p.rate = m->rate();
    p.eta_s = m->eta(p.total - p.done);
  }
  if (j.waiting_since) {
    p.waiting = waiting_for(j, now);
  }
  return p;
}

std::vector<job_progress> master_core::progress(clock::time_point now) const {
  std::vector<job_progress> out;
  for (const auto& [id, j] : jobs_) {
    out.push_back({j->owner, report_of(*j, now)});
  }
  return out;
}

status_view master_core::view(clock::time_point now) const {
  status_view v;
  for (auto w : dispatcher_.workers()) {
    const auto& e = dispatcher_.at(w);
    worker_view x;
    x.id = e.id;
    x.host = e.host;
    x.tags = e.tags;
    x.slots = e.slots;
    x.concurrency = e.concurrency;
    x.in_flight = e.cpu_used + e.latency_used;
    x.draining = e.draining;
    if (const auto* s = board_.worker(w)) {
      x.tasks = s->merged;
      x.rate = s->rate.rate();
      x.last_heard_s = seconds(now - s->last_heard);
    }
    v.workers.push_back(std::move(x));
  }
  for (const auto& [id, j] : jobs_) {
    if (j->ended) {
      continue;
    }
    const auto& c = j->led->counts();
    const auto p = report_of(*j, now);
    job_view x;
    x.id = id;
    x.name = p.name;
    x.kind = j->desc.kind;
    x.state = c.attempts == 0 ? "queued" : "running";
    x.done = p.done;
    x.total = p.total;
    x.in_flight = p.in_flight;
    x.retries = c.retries;
    x.reassigned = c.reassigned;
    x.speculative = c.speculative;
    x.rate = p.rate;
    x.eta_s = p.eta_s;
    x.wall_s = seconds(now - j->submitted);
    if (p.waiting) {
      x.state = "waiting";
      x.waiting = why_starved(*j) + " (" +
                  std::to_string(static_cast<long long>(std::ceil(p.waiting->left_s))) + " s left)";
    }
    v.jobs.push_back(std::move(x));
  }
  board_.fill(v);
  return v;
}

} // namespace cohort
