// What a master shows of itself to a browser and to Prometheus: a snapshot of its workers, jobs,
// recent events and task counters, taken by the master a few times a second and rendered as the
// JSON of GET /api/status and the text of GET /metrics, without CAF.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cohort {

struct worker_view {
  std::string id;
  std::string host;
  std::vector<std::string> tags;
  std::uint32_t slots = 0;
  std::uint32_t concurrency = 0;
  std::uint32_t in_flight = 0;
  /// Tasks it answered that were merged.
  std::uint64_t tasks = 0;
  /// Merged tasks a second, once measured.
  std::optional<double> rate;
  /// Seconds since its last answer or join.
  double last_heard_s = 0;
  bool draining = false;
};

struct job_view {
  std::uint64_t id = 0;
  std::string name;
  std::string kind;
  /// queued | waiting | running
  std::string state;
  std::uint64_t done = 0;
  std::uint64_t total = 0;
  std::uint64_t in_flight = 0;
  std::uint64_t retries = 0;
  std::uint64_t reassigned = 0;
  std::uint64_t speculative = 0;
  std::optional<double> rate;
  std::optional<double> eta_s;
  double wall_s = 0;
  /// While it waits for workers: "1 of 2 joined (28 s left)".
  std::string waiting;
};

/// Something that happened, for the page: a worker joined or left and why, a task failed, forged
/// messages were dropped.
struct event_view {
  /// Seconds since the Unix epoch.
  double at = 0;
  std::string text;
};

/// The newest events, at most `keep`.
class event_log {
public:
  explicit event_log(std::size_t keep = 100) : keep_(keep) {}
  void add(double at, std::string text);
  const std::deque<event_view>& all() const { return events_; }

private:
  std::size_t keep_;
  std::deque<event_view> events_;
};

/// Counts of observations under fixed bounds, as Prometheus histograms have them.
class histogram {
public:
  /// The upper bounds of the buckets, ascending; +Inf is implied.
  explicit histogram(std::vector<double> bounds);
  void add(double value);
  const std::vector<double>& bounds() const { return bounds_; }
  /// Per bucket, not cumulative; one more than bounds() (the +Inf bucket).
  const std::vector<std::uint64_t>& counts() const { return counts_; }
  double sum() const { return sum_; }
  std::uint64_t count() const { return count_; }

private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

/// The bounds of cohort_task_seconds: from a millisecond to ten minutes.
std::vector<double> task_seconds_bounds();

struct status_view {
  double uptime_s = 0;
  std::string instance;
  std::vector<worker_view> workers;
  std::vector<job_view> jobs;
  std::vector<event_view> events;
  /// Attempts that ended, by job kind and outcome (ok, failed, timeout, lost).
  std::map<std::pair<std::string, std::string>, std::uint64_t> tasks;
  histogram task_seconds{task_seconds_bounds()};
  std::uint64_t jobs_ended = 0;
  /// Messages dropped because no proof came with them (forged, routed, or from a stranger).
  std::uint64_t messages_dropped = 0;
  /// Connections to the published port shut before they spoke, or over the bound.
  std::uint64_t connections_refused = 0;
};

/// GET /api/status: what `cohort status` says, {"uptime_s", "instance", "workers": [...],
/// "running", "queued"}, with "jobs": [...] and "events": [...].
std::string status_json(const status_view& v);
/// GET /metrics: Prometheus text format 0.0.4.
std::string metrics_text(const status_view& v);

} // namespace cohort
