// Rendering of a job's output and progress lines; the field order is part of the output format.
#include "core/job_report.hpp"

#include <cmath>

namespace cohort {

namespace {

double rounded(double x) {
  return std::round(x * 1e6) / 1e6;
}

} // namespace

std::string status_name(job_status s) {
  switch (s) {
  case job_status::ok:
    return "ok";
  case job_status::failed:
    return "failed";
  case job_status::cancelled:
    return "cancelled";
  }
  return "failed";
}

std::string job_line(const job_identity& who, job_end_state end, const job_stats& stats) {
  nlohmann::ordered_json out;
  out["id"] = who.id;
  if (!who.name.empty()) {
    out["name"] = who.name;
  }
  out["job"] = who.kind;
  out["status"] = status_name(end.status);
  if (end.status != job_status::ok) {
    out["reason"] = end.reason;
    out["error"] = end.error;
  }
  // Null for a job that did not end ok, unless its kind keeps what finished (exec).
  out["result"] = std::move(end.result);
  nlohmann::ordered_json st;
  st["tasks"] = stats.tasks;
  st["attempts"] = stats.attempts;
  st["retries"] = stats.retries;
  st["reassigned"] = stats.reassigned;
  st["speculative"] = stats.speculative;
  st["duplicates"] = stats.duplicates;
  st["split_s"] = rounded(stats.split_s);
  st["merge_s"] = rounded(stats.merge_s);
  st["wall_s"] = rounded(stats.wall_s);
  st["wait_s"] = rounded(stats.wait_s);
  // Over the time the job could run: waiting for workers says nothing about its speed.
  const double working_s = stats.wall_s - stats.wait_s;
  st["tasks_per_s"] =
      working_s > 0 ? std::round(static_cast<double>(stats.tasks) / working_s) : 0.0;
  st["peak_in_flight"] = stats.peak_in_flight;
  if (stats.resumed) {
    st["resumed"] = *stats.resumed;
  }
  if (stats.restarted) {
    st["restarted"] = true;
  }
  auto workers = nlohmann::ordered_json::array();
  for (const auto& w : stats.workers) {
    nlohmann::ordered_json entry;
    entry["id"] = w.id;
    entry["host"] = w.host;
    entry["tasks"] = w.tasks;
    entry["attempts"] = w.attempts;
    entry["left"] = w.left;
    workers.push_back(std::move(entry));
  }
  st["workers"] = std::move(workers);
  if (!stats.tags.empty()) {
    nlohmann::ordered_json tags;
    for (const auto& t : stats.tags) {
      tags[t.tags] = {{"tasks", t.tasks}, {"merged", t.merged}};
    }
    st["tags"] = std::move(tags);
  }
  out["stats"] = std::move(st);
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string request_failed_line(const job_identity& who, const std::string& what) {
  return job_line(who, {job_status::failed, "task", what, nullptr}, job_stats{});
}

} // namespace cohort
