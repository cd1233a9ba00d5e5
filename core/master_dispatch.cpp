// The master core's dispatch: which worker fits a job and its tasks, how much room it has, the
// next batch, isolation groups and speculative copies.
#include "core/master_core.hpp"

#include "core/master_job.hpp"
#include "core/speculation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <spdlog/spdlog.h>

namespace cohort {

using master_detail::joined;
using master_detail::seconds;

bool master_core::fits(const job_state& j, worker_ref w) const {
  return dispatcher_.has_tags(w, j.req.require) && dispatcher_.grants(w, j.capability);
}

bool master_core::fits_route(const job_state& j, std::uint32_t route, worker_ref w) const {
  return !j.routes || dispatcher_.has_tags(w, j.routes->tags(route));
}

bool master_core::fits_task(const job_state& j, std::uint64_t index, worker_ref w) const {
  return !j.routes || fits_route(j, j.routes->route_of(index), w);
}

bool master_core::routable(const job_state& j, worker_ref w) const {
  if (!j.routes) {
    return true;
  }
  for (std::uint32_t r = 0; r < j.routes->count(); ++r) {
    if (j.led->stripe_has_pending(r) && fits_route(j, r, w)) {
      return true;
    }
  }
  return false;
}

std::optional<std::uint32_t> master_core::starved_route(const job_state& j) const {
  if (!j.routes) {
    return std::nullopt;
  }
  for (std::uint32_t r = 0; r < j.routes->count(); ++r) {
    if (!j.led->stripe_has_pending(r)) {
      continue;
    }
    bool fit = false;
    for (auto w : dispatcher_.workers()) {
      if (eligible(j, w) && fits_route(j, r, w)) {
        fit = true;
        break;
      }
    }
    if (!fit) {
      return r;
    }
  }
  return std::nullopt;
}

bool master_core::eligible(const job_state& j, worker_ref w) const {
  return dispatcher_.current(w) && !dispatcher_.at(w).draining && fits(j, w);
}

bool master_core::has_eligible_worker(const job_state& j) const {
  for (auto w : dispatcher_.workers()) {
    if (eligible(j, w)) {
      return true;
    }
  }
  return false;
}

std::uint32_t master_core::room(const job_state& j, worker_ref w, bool for_reservation) const {
  if (!fits(j, w)) {
    return 0;
  }
  std::uint64_t r = dispatcher_.free_credit(w, j.bound, for_reservation);
  if (j.req.concurrency) {
    auto i = j.by_worker.find(w);
    std::uint32_t used = i == j.by_worker.end() ? 0 : i->second.in_flight;
    r = std::min<std::uint64_t>(r, *j.req.concurrency > used ? *j.req.concurrency - used : 0);
  }
  auto pending =
      for_reservation ? j.led->isolated_pending() : j.led->pending() - j.led->isolated_pending();
  r = std::min<std::uint64_t>({r, settings_.batch, pending});
  return static_cast<std::uint32_t>(r);
}

std::optional<worker_ref> master_core::designated_owner(const job_state& j,
                                                        std::uint32_t stripe) const {
  return placement::owner(dispatcher_, j.designated, stripe,
                          [&](worker_ref w) { return eligible(j, w); });
}

std::optional<outgoing_batch> master_core::next_batch(job_state& j, clock::time_point now) {
  // Tasks with tags of their own go by route, each to the workers that fit it.
  bool designated = settings_.dispatch == dispatch_policy::designated && !j.routes;
  auto owns_pending = [&](worker_ref w) {
    for (std::uint32_t s = 0; s < j.led->stripes(); ++s) {
      if (j.led->stripe_has_pending(s) && designated_owner(j, s) == w) {
        return true;
      }
    }
    return false;
  };
  std::vector<worker_ref> tried;
  // How many workers fit the job: counted again only when one joined or left.
  if (j.fitting_roster != dispatcher_.roster_version()) {
    j.fitting = 0;
    for (auto w : dispatcher_.workers()) {
      j.fitting += fits(j, w) ? 1 : 0;
    }
    j.fitting_roster = dispatcher_.roster_version();
  }
  const auto eligible = j.fitting;
  std::uint64_t cap =
      std::min<std::uint64_t>(settings_.batch, j.led->pending() - j.led->isolated_pending());
  if (j.req.concurrency) {
    cap = std::min<std::uint64_t>(cap, *j.req.concurrency);
  }
  while (true) {
    auto w = placement_.pick(
        dispatcher_, designated ? dispatch_policy::round_robin : settings_.dispatch, j.bound,
        static_cast<std::uint32_t>(cap), [&](worker_ref c) -> std::uint32_t {
          if (std::find(tried.begin(), tried.end(), c) != tried.end()) {
            return 0;
          }
          if (designated && !owns_pending(c)) {
            return 0;
          }
          if (!routable(j, c)) {
            return 0;
          }
          return room(j, c);
        });
    if (!w) {
      return std::nullopt;
    }
    auto n = room(j, *w);
    std::vector<dispatched_task> taken;
    if (designated) {
      for (std::uint32_t s = 0; s < j.led->stripes() && taken.size() < n; ++s) {
        if (designated_owner(j, s) == *w) {
          auto more = j.led->take(s, n - taken.size(), *w, false, now);
          taken.insert(taken.end(), more.begin(), more.end());
        }
      }
    } else if (j.routes) {
      for (std::uint32_t r = 0; r < j.routes->count() && taken.size() < n; ++r) {
        if (j.led->stripe_has_pending(r) && fits_route(j, r, *w)) {
          auto more = j.led->take(r, n - taken.size(), *w, eligible > 1, now);
          taken.insert(taken.end(), more.begin(), more.end());
        }
      }
    } else {
      taken = j.led->take(0, n, *w, eligible > 1, now);
    }
    if (taken.empty()) {
      tried.push_back(*w);
      continue;
    }
    return make_batch(j, *w, std::move(taken), now);
  }
}

std::optional<outgoing_batch> master_core::make_batch(job_state& j, worker_ref w,
                                                      std::vector<dispatched_task> taken,
                                                      clock::time_point now) {
  outgoing_batch out{0, w, j.id, {}};
  out.tasks.reserve(taken.size());
  std::uint64_t bytes = 0;
  for (std::size_t k = 0; k < taken.size(); ++k) {
    const auto& t = taken[k];
    task_spec spec;
    try {
      spec = j.plan->make_task(t.index);
    } catch (const std::exception& e) {
      // Making a task can read input on the master (wordcount ship=bytes); failing that ends the
      // job.
      end_job(j, job_status::failed, "task",
              "task " + std::to_string(t.index) + " (" + j.plan->describe(t.index) +
                  ") could not be made: " + e.what(),
              now);
      return std::nullopt;
    }
    spec.index = t.index;
    spec.attempt = t.attempt;
    bytes += spec.data.size() + sizeof(task_spec);
    if (bytes > settings_.limits.max_message_size) {
      if (out.tasks.empty()) {
        end_job(j, job_status::failed, "limit",
                "task " + std::to_string(t.index) + " (" + j.plan->describe(t.index) + ") is " +
                    std::to_string(spec.data.size()) + " bytes, more than --max-message-size " +
                    std::to_string(settings_.limits.max_message_size),
                now);
        return std::nullopt;
      }
      // The batch is full: the rest wait for the next one.
      j.led->untake({taken.begin() + static_cast<std::ptrdiff_t>(k), taken.end()}, w);
      taken.resize(k);
      break;
    }
    out.tasks.push_back(std::move(spec));
  }
  auto count = static_cast<std::uint32_t>(taken.size());
  dispatcher_.charge(w, j.bound, count);
  auto [pw, first] = j.by_worker.try_emplace(w);
  if (first) {
    pw->second.share.id = dispatcher_.at(w).id;
    pw->second.share.host = dispatcher_.at(w).host;
  }
  pw->second.in_flight += count;
  pw->second.share.attempts += count;
  out.id = next_batch_++;
  if (!std::is_sorted(taken.begin(), taken.end(),
                      [](const auto& a, const auto& b) { return a.index < b.index; })) {
    std::sort(taken.begin(), taken.end(),
              [](const auto& a, const auto& b) { return a.index < b.index; });
  }
  batches_.emplace(out.id, batch_record{w, j.id, j.bound, std::move(taken), count, now});
  return out;
}

void master_core::isolate(clock::time_point now) {
  isolation_.release(dispatcher_, [&](std::uint64_t job, std::uint32_t group) {
    auto j = jobs_.find(job);
    return j == jobs_.end() || j->second->ended || j->second->led->group_done(group);
  });
  for (auto& [id, jp] : jobs_) {
    auto& j = *jp;
    if (j.ended || j.led->isolated_pending() == 0) {
      continue;
    }
    for (auto g : j.led->waiting_groups()) {
      // A group's tasks share a route (remove_worker groups them by route).
      auto task = j.led->group_task(g);
      auto fit = [&](worker_ref w) {
        return eligible(j, w) && (!task || fits_task(j, *task, w));
      };
      if (!isolation_.has(j.id, g) && !isolation_.reserve(dispatcher_, j.id, g, fit)) {
        break;
      }
    }
  }
  // Each reserved process that ran empty gets its group's tasks, and nothing else.
  for (const auto& r : isolation_.ready(dispatcher_)) {
    auto& j = *jobs_.at(r.job);
    for (auto w : dispatcher_.workers()) {
      if (j.ended) {
        break;
      }
      auto task = j.led->group_task(r.group);
      if (dispatcher_.at(w).process != r.process || !eligible(j, w) ||
          (task && !fits_task(j, *task, w))) {
        continue;
      }
      auto n = room(j, w, true);
      if (n == 0) {
        continue;
      }
      auto taken = j.led->take_group(r.group, n, w, now);
      if (taken.empty()) {
        continue;
      }
      if (auto b = make_batch(j, w, std::move(taken), now)) {
        outgoing_.push_back(std::move(*b));
      }
    }
  }
}

void master_core::speculate(job_state& j, clock::time_point now) {
  for (auto index : speculation::due(*j.led, now)) {
    auto pick =
        speculation::where(dispatcher_, j.bound, j.led->live_workers(index),
                           [&](worker_ref w) { return eligible(j, w) && fits_task(j, index, w); });
    if (!pick) {
      continue;
    }
    auto copy = j.led->speculate(index, *pick, now);
    if (!copy) {
      continue;
    }
    if (auto b = make_batch(j, *pick, {*copy}, now)) {
      outgoing_.push_back(std::move(*b));
    }
    if (j.ended) {
      return;
    }
  }
}

bool master_core::may_speculate(const job_state& j) const {
  return speculation::applies(j.speculates, *j.led);
}

bool master_core::speculates_at_dispatch(const job_state& j) const {
  return speculation::at_dispatch(j.speculates, j.bound, *j.led);
}

std::optional<master_core::clock::time_point>
master_core::speculation_due(clock::time_point now) const {
  std::optional<clock::time_point> due;
  for (const auto& [id, jp] : jobs_) {
    const auto& j = *jp;
    if (!speculates_at_dispatch(j)) {
      continue;
    }
    auto at = speculation::next_due(dispatcher_, j.bound, *j.led, now,
                                    [&](worker_ref w) { return eligible(j, w); });
    if (at && (!due || *at < *due)) {
      due = at;
    }
  }
  return due;
}

void master_core::designate(job_state& j) {
  j.designated = placement::designate(dispatcher_, [&](worker_ref w) { return fits(j, w); });
}

std::vector<outgoing_batch> master_core::dispatch(clock::time_point now) {
  if (!min_workers_reached_) {
    if (dispatcher_.alive_count() < settings_.min_workers) {
      return hand_out();
    }
    min_workers_reached_ = true;
    if (settings_.dispatch == dispatch_policy::designated) {
      for (auto& [id, j] : jobs_) {
        if (j->designated.empty()) {
          designate(*j);
        }
      }
    }
  }
  isolate(now);
  // One batch per turn; submitters take turns, then their jobs by priority (fair_turns).
  auto take = [&](std::uint64_t id) {
    auto& j = *jobs_.at(id);
    if (j.ended || j.led->pending() == j.led->isolated_pending()) {
      return false;
    }
    auto b = next_batch(j, now);
    if (b) {
      outgoing_.push_back(std::move(*b));
    }
    return b.has_value();
  };
  while (turns_.next(take)) {
  }
  // A CPU-bound job's slow attempt is copied as soon as a worker is idle for it (speculation_due
  // says when to call again), not at the next tick: its last tasks decide its wall time.
  for (auto& [id, j] : jobs_) {
    if (!j->ended && speculates_at_dispatch(*j)) {
      speculate(*j, now);
    }
  }
  finish_ended();
  return hand_out();
}

} // namespace cohort
