#include "core/status_view.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace cohort {

void event_log::add(double at, std::string text) {
  events_.push_back({at, std::move(text)});
  while (events_.size() > keep_) {
    events_.pop_front();
  }
}

histogram::histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {
  if (!std::is_sorted(bounds_.begin(), bounds_.end())) {
    throw std::invalid_argument("histogram bounds must ascend");
  }
}

void histogram::add(double value) {
  auto at = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  ++counts_[static_cast<std::size_t>(at)];
  sum_ += value;
  ++count_;
}

std::vector<double> task_seconds_bounds() {
  return {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60, 600};
}

namespace {

using json = nlohmann::ordered_json;

json optional_number(const std::optional<double>& v) {
  return v ? json(std::round(*v * 1000) / 1000) : json(nullptr);
}

double rounded(double v) {
  return std::round(v * 1000) / 1000;
}

// A number as Prometheus reads it.
std::string number(double v) {
  if (std::isinf(v)) {
    return v > 0 ? "+Inf" : "-Inf";
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// A label value: backslash, double quote and newline escaped.
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void head(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void sample(std::string& out, const char* name, double value) {
  out += name;
  out += ' ';
  out += number(value);
  out += '\n';
}

} // namespace

std::string status_json(const status_view& v) {
  json out;
  out["uptime_s"] = rounded(v.uptime_s);
  out["instance"] = v.instance;
  auto workers = json::array();
  for (const auto& w : v.workers) {
    json e;
    e["id"] = w.id;
    e["host"] = w.host;
    e["tags"] = w.tags;
    e["slots"] = w.slots;
    e["concurrency"] = w.concurrency;
    e["in_flight"] = w.in_flight;
    e["tasks"] = w.tasks;
    e["rate"] = optional_number(w.rate);
    e["last_heard_s"] = rounded(w.last_heard_s);
    e["draining"] = w.draining;
    workers.push_back(std::move(e));
  }
  out["workers"] = std::move(workers);
  std::uint64_t running = 0;
  std::uint64_t queued = 0;
  for (const auto& j : v.jobs) {
    ++(j.state == "queued" ? queued : running);
  }
  out["running"] = running;
  out["queued"] = queued;
  auto jobs = json::array();
  for (const auto& j : v.jobs) {
    json e;
    e["id"] = j.id;
    if (!j.name.empty()) {
      e["name"] = j.name;
    }
    e["job"] = j.kind;
    e["status"] = j.state;
    e["done"] = j.done;
    e["total"] = j.total;
    e["in_flight"] = j.in_flight;
    e["retries"] = j.retries;
    e["reassigned"] = j.reassigned;
    e["speculative"] = j.speculative;
    e["rate"] = optional_number(j.rate);
    e["eta_s"] = optional_number(j.eta_s);
    e["wall_s"] = rounded(j.wall_s);
    if (!j.waiting.empty()) {
      e["waiting"] = j.waiting;
    }
    jobs.push_back(std::move(e));
  }
  out["jobs"] = std::move(jobs);
  auto events = json::array();
  for (const auto& e : v.events) {
    events.push_back({{"at", rounded(e.at)}, {"text", e.text}});
  }
  out["events"] = std::move(events);
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string metrics_text(const status_view& v) {
  std::string out;
  head(out, "cohort_workers", "gauge", "Worker actors joined to this master.");
  sample(out, "cohort_workers", static_cast<double>(v.workers.size()));
  std::uint64_t running = 0;
  std::uint64_t queued = 0;
  std::uint64_t in_flight = 0;
  for (const auto& j : v.jobs) {
    ++(j.state == "queued" ? queued : running);
    in_flight += j.in_flight;
  }
  head(out, "cohort_jobs_running", "gauge", "Jobs that started and have not ended.");
  sample(out, "cohort_jobs_running", static_cast<double>(running));
  head(out, "cohort_jobs_queued", "gauge", "Jobs waiting for their first task to go out.");
  sample(out, "cohort_jobs_queued", static_cast<double>(queued));
  head(out, "cohort_jobs_ended_total", "counter", "Jobs that ended since the master started.");
  sample(out, "cohort_jobs_ended_total", static_cast<double>(v.jobs_ended));
  head(out, "cohort_tasks_total", "counter",
       "Task attempts that ended, by job kind and outcome (ok, failed, timeout, lost).");
  for (const auto& [key, n] : v.tasks) {
    out += "cohort_tasks_total{kind=\"" + label(key.first) + "\",outcome=\"" + label(key.second) +
           "\"} " + number(static_cast<double>(n)) + "\n";
  }
  head(out, "cohort_tasks_in_flight", "gauge", "Task attempts sent to workers and not answered.");
  sample(out, "cohort_tasks_in_flight", static_cast<double>(in_flight));
  head(out, "cohort_task_seconds", "histogram",
       "Seconds from sending a task to merging its answer.");
  std::uint64_t cumulative = 0;
  const auto& h = v.task_seconds;
  for (std::size_t i = 0; i <= h.bounds().size(); ++i) {
    cumulative += h.counts()[i];
    const auto le = i < h.bounds().size() ? number(h.bounds()[i]) : std::string("+Inf");
    out += "cohort_task_seconds_bucket{le=\"" + le + "\"} " +
           number(static_cast<double>(cumulative)) + "\n";
  }
  sample(out, "cohort_task_seconds_sum", h.sum());
  sample(out, "cohort_task_seconds_count", static_cast<double>(h.count()));
  head(out, "cohort_messages_dropped_total", "counter",
       "Messages dropped for lack of proof: forged, routed through another node, or a stranger's.");
  sample(out, "cohort_messages_dropped_total", static_cast<double>(v.messages_dropped));
  head(out, "cohort_connections_refused_total", "counter",
       "Connections to the published port shut before they spoke, or past the bound.");
  sample(out, "cohort_connections_refused_total", static_cast<double>(v.connections_refused));
  head(out, "cohort_uptime_seconds", "gauge", "Seconds since the master started.");
  sample(out, "cohort_uptime_seconds", v.uptime_s);
  return out;
}

} // namespace cohort
