// Speculation: which slow attempts get a copy, on which worker, and when the next falls due.
#pragma once

#include "cohort/job.hpp"
#include "core/dispatcher.hpp"
#include "core/ledger.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace cohort::speculation {

using clock = ledger::clock;

/// Finished attempts a job needs before its median run time is trusted.
constexpr std::size_t samples = 3;

/// Whether a job's attempts may be copied now: `allowed` (the job's option, and an idempotent
/// kind) and nothing pending.
bool applies(bool allowed, const ledger& led);
/// applies, and checked at every dispatch too: CPU-bound with attempts in flight, whose last
/// tasks decide the job's wall time (latency-bound jobs are checked at the tick only).
bool at_dispatch(bool allowed, task_bound bound, const ledger& led);
/// An attempt running longer than this is worth a copy: twice the median run time of the job's
/// finished attempts; none before `samples` of them.
std::optional<clock::duration> threshold(const ledger& led);
/// The tasks to copy at `now`: one live attempt, past the threshold, never copied.
std::vector<std::uint64_t> due(const ledger& led, clock::time_point now);
/// Where to copy a task whose live attempts run on `holders`: an `eligible` worker with free
/// credit that holds none of them, on another process than theirs if there is one, then the one
/// with the most free credit (equals in the order they reached it, as dispatcher::by_credit gives
/// them).
std::optional<worker_ref> where(const dispatcher& d, task_bound bound,
                                const std::vector<worker_ref>& holders,
                                const worker_test& eligible);
/// When the next attempt of a job checked at dispatch crosses the threshold, after `now`; none
/// while no `eligible` worker has free credit for a copy.
std::optional<clock::time_point> next_due(const dispatcher& d, task_bound bound, const ledger& led,
                                          clock::time_point now, const worker_test& eligible);

} // namespace cohort::speculation
