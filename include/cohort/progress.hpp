// A running job's progress as the master reports it once a second, and its two renderings: the
// plain line of scripts (`--progress`) and the line a terminal redraws in place.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cohort {

struct job_progress_report {
  std::uint64_t id = 0;
  /// Given with the job (--name); empty: lines name the job by its id.
  std::string name;
  std::uint64_t done = 0;
  std::uint64_t total = 0;
  std::uint64_t in_flight = 0;
  /// Tasks per second over the last seconds; none until the samples span enough time.
  std::optional<double> rate;
  /// Seconds left at that rate; none while there is no rate or it is zero.
  std::optional<double> eta_s;
  /// While the job has tasks and no worker that may take them: how many suitable workers joined,
  /// how many it needs, and how long it still waits before it fails with `no-workers`.
  struct waiting_for {
    std::uint64_t joined = 0;
    std::uint64_t need = 1;
    double left_s = 0;
  };
  std::optional<waiting_for> waiting;
};

/// How lines name the job: its name, or its id.
std::string progress_label(const job_progress_report& p);

/// `progress job=J done=D total=T inflight=I rate=R/s eta=Ss` (`eta=?` without one), or while it
/// waits `progress job=J waiting joined=N need=M left=Ss`; J is the name, or the id.
std::string plain_progress_line(const job_progress_report& p);

/// The report a plain line gives (a client draws what its master sent); none if `line` is not one.
/// The id is 0 when the line names the job by its name.
std::optional<job_progress_report> parse_progress_line(std::string_view line);

/// One line of at most `width` columns for a terminal: the job, a bar, done/total, rate and ETA, or
/// `waiting for workers: 1 of 2 joined (28 s left)`.
std::string terminal_progress_line(const job_progress_report& p, std::size_t width);

} // namespace cohort
