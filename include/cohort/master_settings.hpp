// How a master dispatches: when it starts, how it picks workers, how big its batches are, its
// limits.
#pragma once

#include "cohort/job_limits.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace cohort {

/// How the master picks the worker for the next batch: the one with the most free credit, the
/// next one in turn, or task i to worker i mod n (n fixed once --min-workers have joined).
enum class dispatch_policy { least_loaded, round_robin, designated };

struct master_settings {
  /// Worker actors (local and remote) joined before the first dispatch.
  std::uint32_t min_workers = 1;
  /// How long a job waits for (suitable) workers before it fails with reason `no-workers`.
  std::chrono::nanoseconds wait_for_workers = std::chrono::seconds(30);
  /// Most tasks per dispatch message.
  std::uint32_t batch = 1000;
  dispatch_policy dispatch = dispatch_policy::least_loaded;
  job_limits limits;
  /// Progress lines on stderr, once a second.
  bool progress = false;
  /// Keep running and take jobs from clients (`cohort submit`) until stopped (--serve).
  bool serve = false;
  /// Ended jobs kept for `cohort wait` and `cohort jobs --all` (--history).
  std::uint32_t history = 1000;
  /// Where a client's job may read on this master (--data-dir); none: nowhere.
  std::vector<std::string> data_dirs;
  /// The SQLite file where accepted jobs and their merged tasks are kept, so that a master started
  /// again with it resumes every unfinished job (--journal); empty: none.
  std::string journal;
  /// Jobs that finished longer ago are dropped from the journal, at start and daily
  /// (--journal-keep).
  std::chrono::nanoseconds journal_keep = std::chrono::hours(24 * 7);
};

} // namespace cohort
