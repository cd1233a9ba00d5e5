// The master's decisions; the actor in master_actor.cpp only carries them out.
#include "core/master_core.hpp"

#include "core/job_report.hpp"
#include "core/request_json.hpp"
#include "core/speculation.hpp"
#include "core/task_routes.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <spdlog/spdlog.h>

namespace cohort {

struct master_core::job_state {
  /// A worker's part in the job; what the report shows is copied here, so the worker's slot can
  /// be reused as soon as it leaves.
  struct per_worker {
    worker_share share;
    std::uint32_t in_flight = 0;
  };

  std::uint64_t id = 0;
  /// Who submitted it (a client's number; 0: the master's own command line).
  std::uint64_t owner = 0;
  job_request req;
  task_bound bound = task_bound::cpu;
  bool idempotent = true;
  bool rerun_after_loss = true;
  std::string capability;
  bool keeps_partial_result = false;
  job_desc desc;
  std::unique_ptr<job_plan> plan;
  std::unique_ptr<reducer> red;
  std::unique_ptr<ledger> led;
  clock::time_point submitted;
  std::optional<clock::time_point> waiting_since;
  /// Time spent waiting for workers before waiting_since (stats `wait_s`).
  clock::duration waited{};
  double split_s = 0;
  double merge_s = 0;
  std::vector<worker_ref> designated;
  /// When its tasks carry tags: their routes (one ledger stripe each), and tasks merged per route.
  std::optional<task_routes> routes;
  std::vector<std::uint64_t> merged_by_route;
  std::map<worker_ref, per_worker> by_worker;
  /// Set by end_job; the job is rendered and erased when the event that ended it is done.
  std::optional<job_end> ended;
  /// The file its records go to (job_kind::records_param); empty: none.
  std::string records_file;
  /// Its batches in master_core::lost_batches_.
  std::vector<std::uint64_t> lost_batches;
  /// With --journal: whether its reducer keeps snapshots; the tasks merged so far, and the answers
  /// merged since the journal last heard of them; when the last snapshot was taken.
  bool resumable = false;
  index_set merged;
  std::vector<merged_task> unjournaled;
  clock::time_point last_snapshot;
  /// Started again from its first task after a master restart (a kind without snapshots).
  bool restarted = false;
  /// Resumed from the journal (its records file already holds its header and earlier lines).
  bool from_journal = false;
  /// With --journal: its task count and input digest (journal::job_accepted::plan).
  std::string plan_print;
};

namespace {

double seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

std::string joined(const std::vector<std::string>& tags) {
  std::string out;
  for (const auto& t : tags) {
    out += (out.empty() ? "" : ",") + t;
  }
  return out;
}

} // namespace

master_core::master_core(master_settings s) : settings_(s) {}

master_core::~master_core() = default;

worker_ref master_core::add_worker(worker_entry w, clock::time_point now) {
  auto text = "worker joined: " + w.id + " on " + w.host;
  auto ref = dispatcher_.add(std::move(w));
  board_.worker_joined(ref, now);
  board_.event(std::move(text));
  return ref;
}

void master_core::remove_worker(worker_ref w, clock::time_point now) {
  if (!dispatcher_.current(w)) {
    return;
  }
  auto cause = "worker " + dispatcher_.at(w).id + " lost";
  board_.worker_left(w);
  auto removal = dispatcher_.remove(w);
  if (removal.process_gone) {
    isolation_.process_gone(*removal.process_gone);
  }
  auto beside = removal.beside;
  // Batches that waited for the journal never left: their tasks go back as if never taken.
  auto give_back = [&](const outgoing_batch& b) {
    if (b.worker != w) {
      return false;
    }
    auto bi = batches_.find(b.id);
    auto& j = *jobs_.at(b.job);
    j.led->untake(bi->second.tasks, w);
    auto& share = j.by_worker[w].share;
    share.attempts -= std::min<std::uint64_t>(share.attempts, bi->second.tasks.size());
    batches_.erase(bi);
    return true;
  };
  std::erase_if(released_, give_back);
  std::erase_if(parked_, [&](const auto& p) { return give_back(p.second); });
  for (auto& [id, j] : jobs_) {
    if (auto pw = j->by_worker.find(w); pw != j->by_worker.end()) {
      pw->second.share.left = true;
      pw->second.in_flight = 0;
    }
  }
  std::map<std::uint64_t, std::vector<dispatched_task>> lost;
  for (auto i = batches_.begin(); i != batches_.end();) {
    if (i->second.worker != w) {
      ++i;
      continue;
    }
    auto& b = i->second;
    if (auto j = jobs_.find(b.job); j != jobs_.end()) {
      for (const auto& t : b.tasks) {
        if (t.attempt != 0) {
          lost[b.job].push_back(t);
          board_.attempt_ended(j->second->desc.kind, "lost");
        }
      }
      j->second->lost_batches.push_back(i->first);
      lost_batches_.insert(batches_.extract(i++));
    } else {
      i = batches_.erase(i);
    }
  }
  for (auto& [job, tasks] : lost) {
    auto& j = *jobs_.at(job);
    if (!j.rerun_after_loss) {
      auto index = tasks.front().index;
      end_job(j, job_status::failed, "task",
              "task " + std::to_string(index) + " (" + j.plan->describe(index) +
                  ") was running on " + cause +
                  "; this job's tasks are not run again after a lost worker",
              now);
      continue;
    }
    // Isolation groups never mix routes, so a group's process can run all of its tasks.
    std::map<std::uint32_t, std::vector<dispatched_task>> by_route;
    for (const auto& t : tasks) {
      by_route[j.routes ? j.routes->route_of(t.index) : 0].push_back(t);
    }
    for (const auto& [route, part] : by_route) {
      if (!lose_tasks(j, part, w, beside, cause, now)) {
        break;
      }
    }
  }
  finish_ended();
}

bool master_core::lose_tasks(job_state& j, const std::vector<dispatched_task>& tasks, worker_ref w,
                             std::uint32_t beside, const std::string& cause,
                             clock::time_point now) {
  std::vector<std::uint32_t> groups(isolation::groups_for(tasks.size(), beside));
  for (auto& g : groups) {
    g = j.led->new_group();
  }
  for (std::size_t k = 0; k < tasks.size(); ++k) {
    std::optional<std::uint32_t> group;
    if (!groups.empty()) {
      group = groups[isolation::group_of(k, tasks.size(), groups.size())];
    }
    if (j.led->lose(tasks[k].index, tasks[k].attempt, w, group) == ledger::verdict::exhausted) {
      fail_task(j, tasks[k].index, cause, now);
      return false;
    }
  }
  return true;
}

void master_core::fail_task(job_state& j, std::uint64_t index, const std::string& cause,
                            clock::time_point now) {
  auto failures = j.led->failures(index);
  end_job(j, job_status::failed, "task",
          "task " + std::to_string(index) + " (" + j.plan->describe(index) + ") failed " +
              std::to_string(failures) + (failures == 1 ? " time" : " times") + ", last: " + cause,
          now);
}

std::uint64_t master_core::submit(const checked_job& checked, clock::time_point now,
                                  std::uint64_t owner) {
  auto id = start(checked, now, owner, nullptr);
  finish_ended();
  return id;
}

std::uint64_t master_core::resume(const checked_job& checked, const unfinished_job& held,
                                  clock::time_point now) {
  auto id = start(checked, now, held.owner, &held);
  finish_ended();
  return id;
}

void master_core::number_after(std::uint64_t id) {
  next_job_ = std::max(next_job_, id + 1);
}

std::uint64_t master_core::start(const checked_job& checked, clock::time_point now,
                                 std::uint64_t owner, const unfinished_job* held) {
  const auto& kind = checked.kind();
  auto req = checked.request();
  auto id = held ? held->id : next_job_++;
  number_after(id);
  auto j = std::make_unique<job_state>();
  auto& job = *j;
  job.id = id;
  job.owner = owner;
  job.from_journal = held != nullptr;
  job.bound = kind.bound(req.args);
  job.idempotent = kind.idempotent(req.args);
  job.rerun_after_loss = kind.rerun_after_loss(req.args);
  job.capability = std::string(kind.capability());
  job.keeps_partial_result = kind.keeps_partial_result();
  job.desc.job = id;
  job.desc.kind = std::string(kind.name());
  job.desc.args.insert(req.args.all().begin(), req.args.all().end());
  job.desc.task_timeout = req.task_timeout.value_or(std::chrono::nanoseconds::zero());
  turns_.add(id, owner, req.priority);
  job.req = std::move(req);
  job.submitted = now;
  jobs_.emplace(id, std::move(j));
  try {
    job.plan = kind.split(job.req.args);
  } catch (const std::exception& e) {
    job.led = std::make_unique<ledger>(0, 1, 1);
    end_job(job, job_status::failed, "task", e.what(), now);
    return id;
  }
  job.split_s = seconds(clock::now() - now);
  if (job.plan->task_count() > settings_.limits.max_tasks) {
    job.led = std::make_unique<ledger>(0, 1, 1);
    end_job(job, job_status::failed, "limit",
            "the job has " + std::to_string(job.plan->task_count()) +
                " tasks, more than --max-tasks " + std::to_string(settings_.limits.max_tasks),
            now);
    return id;
  }
  job.red = job.plan->make_reducer();
  if (journaling()) {
    job.resumable = job.red->snapshot().has_value();
    job.last_snapshot = now;
    std::string digest;
    try {
      digest = job.plan->input_digest();
    } catch (const std::exception& e) {
      spdlog::warn("job {}: no digest of its inputs ({}): a resume cannot tell if they changed", id,
                   e.what());
    }
    job.plan_print = std::to_string(job.plan->task_count()) + ":" + digest;
    if (!held) {
      journal_.push_back(accepted(job));
    }
  }
  if (auto param = kind.records_param(); !param.empty()) {
    job.records_file = job.req.args.get_string(std::string(param), {});
    if (!job.records_file.empty() && !held) {
      if (auto header = job.plan->record_header(); !header.empty()) {
        records_.push_back({id, owner, job.records_file, std::move(header)});
      }
    }
  }
  try {
    job.routes = task_routes::of(*job.plan);
  } catch (const std::exception& e) {
    job.led = std::make_unique<ledger>(0, 1, 1);
    end_job(job, job_status::failed, "task", e.what(), now);
    return id;
  }
  std::uint32_t stripes = 1;
  if (job.routes) {
    job.merged_by_route.assign(job.routes->count(), 0);
    job.led =
        std::make_unique<ledger>(job.routes->routes(), job.routes->count(), job.req.max_attempts);
  } else if (settings_.dispatch == dispatch_policy::designated) {
    // Before --min-workers have joined, the owners are fixed when they have (designate()).
    if (min_workers_reached_ || dispatcher_.alive_count() >= settings_.min_workers) {
      designate(job);
    }
    stripes = std::max<std::uint32_t>(1, job.designated.empty()
                                             ? settings_.min_workers
                                             : static_cast<std::uint32_t>(job.designated.size()));
  }
  if (!job.routes) {
    job.led = std::make_unique<ledger>(job.plan->task_count(), stripes, job.req.max_attempts);
  }
  if (held) {
    if (auto why = carry_over(job, *held)) {
      end_job(job, job_status::failed, "task", *why, now);
      return id;
    }
  }
  if (job.led->complete()) {
    end_job(job, job_status::ok, {}, {}, now);
  }
  return id;
}

const job_desc& master_core::desc(std::uint64_t job) const {
  return jobs_.at(job)->desc;
}

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
  std::size_t eligible = 0;
  for (auto w : dispatcher_.workers()) {
    eligible += fits(j, w) ? 1 : 0;
  }
  while (true) {
    auto w =
        placement_.pick(dispatcher_, designated ? dispatch_policy::round_robin : settings_.dispatch,
                        [&](worker_ref c) -> std::uint32_t {
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
  return speculation::applies(j.req.speculate && j.idempotent, *j.led);
}

bool master_core::speculates_at_dispatch(const job_state& j) const {
  return speculation::at_dispatch(j.req.speculate && j.idempotent, j.bound, *j.led);
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

bool master_core::guarded(const job_state& j) const {
  return journaling() && !j.rerun_after_loss && !journal_failed_;
}

std::vector<outgoing_batch> master_core::hand_out() {
  auto out = std::exchange(released_, {});
  for (auto& b : outgoing_) {
    if (!guarded(*jobs_.at(b.job))) {
      out.push_back(std::move(b));
      continue;
    }
    tasks_started started{b.job, next_ticket_++, {}};
    for (const auto& t : b.tasks) {
      started.tasks.insert(t.index);
    }
    parked_.emplace(started.ticket, std::move(b));
    journal_.push_back(std::move(started));
  }
  outgoing_.clear();
  return out;
}

void master_core::journal_written(std::uint64_t ticket) {
  while (!parked_.empty() && parked_.begin()->first <= ticket) {
    released_.push_back(std::move(parked_.begin()->second));
    parked_.erase(parked_.begin());
  }
}

void master_core::journal_failed(clock::time_point now) {
  for (auto& [id, j] : jobs_) {
    if (guarded(*j)) {
      end_job(*j, job_status::failed, "task",
              "the journal failed, so it cannot record which of this job's tasks start, and "
              "they must not run twice",
              now);
    }
  }
  journal_failed_ = true;
  finish_ended();
}

void master_core::release(const batch_record& b, std::size_t n) {
  dispatcher_.release(b.worker, b.bound, static_cast<std::uint32_t>(n));
  if (auto j = jobs_.find(b.job); j != jobs_.end()) {
    auto& pw = j->second->by_worker[b.worker];
    pw.in_flight -= std::min<std::uint32_t>(pw.in_flight, static_cast<std::uint32_t>(n));
  }
}

void master_core::on_results(std::uint64_t id, worker_ref from, std::vector<task_result>&& results,
                             bool final, clock::time_point now) {
  take_answers(id, from, std::move(results), final, now);
  finish_ended();
}

void master_core::take_answers(std::uint64_t id, worker_ref from,
                               std::vector<task_result>&& results, bool final,
                               clock::time_point now) {
  auto bi = batches_.find(id);
  if (bi == batches_.end()) {
    take_lost_answers(id, from, results, final);
    return;
  }
  auto& b = bi->second;
  if (from != b.worker) {
    spdlog::warn("dropped {} answers for batch {} from worker {}: the batch was sent to {}",
                 results.size(), id, name(from), dispatcher_.at(b.worker).id);
    return;
  }
  auto [genuine, forged, answer_bytes] = match(b, results);
  release(b, genuine.size());
  b.open -= genuine.size();
  std::vector<dispatched_task> unanswered;
  auto worker = b.worker;
  auto job = b.job;
  if (final) {
    release(b, b.open);
    for (const auto& t : b.tasks) {
      if (t.attempt != 0) {
        unanswered.push_back(t);
      }
    }
    batches_.erase(bi);
  }
  warn_forged(id, worker, forged);
  auto ji = jobs_.find(job);
  if (ji == jobs_.end()) {
    return;
  }
  auto& j = *ji->second;
  if (answer_bytes > settings_.limits.max_message_size) {
    end_job(j, job_status::failed, "limit",
            "worker " + dispatcher_.at(worker).id + " answered with " +
                std::to_string(answer_bytes) + " bytes, more than --max-message-size " +
                std::to_string(settings_.limits.max_message_size),
            now);
    return;
  }
  auto& pw = j.by_worker[worker].share;
  std::vector<losing_attempt> losers;
  // merge_s times taking in a whole answer (two clock reads per message, not per task); an answer
  // that ends the job counts before end_job renders the stats.
  auto merging = clock::now();
  auto add_merge_time = [&] {
    j.merge_s += seconds(clock::now() - merging);
  };
  for (auto* r : genuine) {
    switch (r->outcome) {
    case task_outcome::ok:
      if (j.led->accept(r->index, r->attempt, worker, now, losers)) {
        board_.merged(worker, j.desc.kind, j.led->last_run(), now);
        if (!j.records_file.empty()) {
          const auto& who = dispatcher_.at(worker);
          if (auto line = j.plan->record(r->index, r->value, who.host, who.id); !line.empty()) {
            records_.push_back({j.id, j.owner, j.records_file, std::move(line), j.from_journal});
          }
        }
        if (j.resumable) {
          j.merged.insert(r->index);
          j.unjournaled.push_back({r->index, r->value});
          if (j.unjournaled.size() == 1) {
            unjournaled_jobs_.push_back(j.id);
          }
        }
        j.red->merge(std::move(r->value));
        ++pw.tasks;
        if (j.routes) {
          ++j.merged_by_route[j.routes->route_of(r->index)];
        }
        if (j.red->result_bytes() > settings_.limits.max_result_size) {
          add_merge_time();
          end_job(j, job_status::failed, "limit",
                  "the result holds about " + std::to_string(j.red->result_bytes()) +
                      " bytes, more than --max-result-size " +
                      std::to_string(settings_.limits.max_result_size),
                  now);
          return;
        }
      }
      break;
    case task_outcome::failed:
      board_.attempt_ended(j.desc.kind, "failed");
      switch (j.led->fail(r->index, r->attempt, worker)) {
      case ledger::verdict::stale:
        j.led->count_duplicate();
        break;
      case ledger::verdict::exhausted:
        add_merge_time();
        fail_task(j, r->index, "worker " + dispatcher_.at(worker).id + ": " + r->error, now);
        return;
      default:
        break;
      }
      break;
    case task_outcome::cancelled:
      board_.attempt_ended(j.desc.kind, "cancelled");
      if (j.led->give_back(r->index, r->attempt, worker) == ledger::verdict::stale) {
        j.led->count_duplicate();
      }
      break;
    }
  }
  add_merge_time();
  // Answers missing from a final batch count as not run.
  for (const auto& t : unanswered) {
    j.led->give_back(t.index, t.attempt, worker);
  }
  for (const auto& l : losers) {
    if (dispatcher_.current(l.worker)) {
      cancels_.push_back({l.worker, j.id, dispatched_task{l.index, l.attempt}});
    }
  }
  if (j.led->complete()) {
    end_job(j, job_status::ok, {}, {}, now);
  }
}

void master_core::take_lost_answers(std::uint64_t id, worker_ref from,
                                    std::vector<task_result>& results, bool final) {
  auto li = lost_batches_.find(id);
  if (li == lost_batches_.end()) {
    return;
  }
  auto& b = li->second;
  if (from != b.worker) {
    spdlog::warn("dropped {} answers for batch {} of a worker that left from worker {}",
                 results.size(), id, name(from));
    return;
  }
  auto matched = match(b, results);
  warn_forged(id, from, matched.forged);
  auto& led = *jobs_.at(b.job)->led;
  for (std::size_t k = 0; k < matched.genuine.size(); ++k) {
    led.count_duplicate();
  }
  if (final) {
    lost_batches_.erase(li);
  }
}

master_core::matched_answers master_core::match(batch_record& b,
                                                std::vector<task_result>& results) {
  matched_answers out;
  out.genuine.reserve(results.size());
  for (auto& r : results) {
    auto t =
        std::lower_bound(b.tasks.begin(), b.tasks.end(), r.index,
                         [](const dispatched_task& d, std::uint64_t i) { return d.index < i; });
    if (t == b.tasks.end() || t->index != r.index || t->attempt != r.attempt || r.attempt == 0) {
      ++out.forged;
      continue;
    }
    t->attempt = 0;
    out.bytes += r.value.data.size() + r.error.size();
    out.genuine.push_back(&r);
  }
  return out;
}

void master_core::warn_forged(std::uint64_t id, worker_ref from, std::size_t count) const {
  if (count > 0) {
    spdlog::warn("dropped {} forged answers from worker {} for batch {}: not tasks it holds", count,
                 name(from), id);
  }
}

std::optional<std::string> master_core::started_unmerged(const job_state& j,
                                                         const unfinished_job& held) const {
  index_set done;
  if (j.resumable) {
    if (held.state) {
      done = held.merged;
    }
    for (const auto& t : held.since) {
      done.insert(t.index);
    }
  }
  std::uint64_t first = 0;
  std::uint64_t count = 0;
  for (const auto& [begin, end] : held.started.ranges()) {
    for (auto i = begin; i < end; ++i) {
      if (!done.contains(i) && count++ == 0) {
        first = i;
      }
    }
  }
  if (count == 0) {
    return std::nullopt;
  }
  if (first >= j.plan->task_count()) {
    return "the journal holds task " + std::to_string(first) + " of a job of " +
           std::to_string(j.plan->task_count()) + " tasks";
  }
  auto what = "task " + std::to_string(first) + " (" + j.plan->describe(first) + ")";
  if (count > 1) {
    what += " and " + std::to_string(count - 1) + " more";
  }
  return what + (count > 1 ? " were" : " was") +
         " running when the master stopped; this job's tasks are not run again after a lost "
         "worker or master";
}

journal_record master_core::accepted(const job_state& j) const {
  return job_accepted{j.id, j.owner, request_to_json(j.req), j.resumable, j.plan_print};
}

std::optional<std::string> master_core::carry_over(job_state& j, const unfinished_job& held) {
  // Nothing of it applies, or nothing was kept: it runs again from its first task, its line says
  // so, and the journal forgets what it held of it.
  auto restart = [&] {
    j.restarted = true;
    journal_.push_back(accepted(j));
    return std::nullopt;
  };
  if (!held.plan.empty() && held.plan != j.plan_print) {
    if (!j.rerun_after_loss && held.started.size() > 0) {
      return "its tasks changed since the journal recorded it (tasks and inputs " + held.plan +
             ", now " + j.plan_print + "), and " + std::to_string(held.started.size()) +
             " had started; this job's tasks are not run again after a lost worker or master";
    }
    spdlog::warn("job {}: its tasks changed since the journal recorded it (tasks and inputs {}, "
                 "now {}): it runs again from its first task",
                 j.id, held.plan, j.plan_print);
    return restart();
  }
  if (!j.rerun_after_loss) {
    if (auto why = started_unmerged(j, held)) {
      return why;
    }
  }
  if (!j.resumable) {
    return restart();
  }
  const auto count = j.plan->task_count();
  index_set done;
  try {
    if (held.state) {
      j.red->restore(*held.state);
      done = held.merged;
    }
    if (!done.ranges().empty() && done.ranges().rbegin()->second > count) {
      return "the journal holds tasks beyond the job's " + std::to_string(count);
    }
    for (const auto& t : held.since) {
      if (t.index >= count) {
        return "the journal holds task " + std::to_string(t.index) + " of a job of " +
               std::to_string(count) + " tasks";
      }
      if (done.insert(t.index)) {
        j.red->merge(partial(t.answer));
      }
    }
  } catch (const std::exception& e) {
    return std::string("the journal's state of the job cannot be restored: ") + e.what();
  }
  j.merged = done;
  j.led->mark_merged(std::move(done));
  return std::nullopt;
}

std::vector<journal_record> master_core::take_journal(clock::time_point now) {
  for (auto id : std::exchange(unjournaled_jobs_, {})) {
    auto ji = jobs_.find(id);
    if (ji == jobs_.end()) {
      continue;
    }
    auto& j = *ji->second;
    if (!j.unjournaled.empty()) {
      journal_.push_back(tasks_merged{id, std::exchange(j.unjournaled, {})});
    }
    if (now - j.last_snapshot >= snapshot_every && !j.ended) {
      snapshot(j, now);
    }
  }
  return std::exchange(journal_, {});
}

void master_core::snapshot(job_state& j, clock::time_point now) {
  if (auto state = j.red->snapshot()) {
    journal_.push_back(job_snapshot{j.id, std::move(*state), j.merged});
  }
  j.last_snapshot = now;
}

void master_core::suspend_all(clock::time_point now) {
  if (!journaling()) {
    return;
  }
  for (auto& [id, j] : jobs_) {
    if (!j->unjournaled.empty()) {
      journal_.push_back(tasks_merged{id, std::exchange(j->unjournaled, {})});
    }
    if (j->resumable && !j->ended) {
      snapshot(*j, now);
    }
  }
  suspended_ = true;
}

void master_core::cancel_all(clock::time_point now) {
  for (auto& [id, j] : jobs_) {
    end_job(*j, job_status::cancelled, "cancelled", "cancelled before it finished", now);
  }
  finish_ended();
}

std::vector<worker_ref> master_core::silent_workers(clock::time_point now,
                                                    clock::duration limit) const {
  std::vector<worker_ref> out;
  for (const auto& [id, b] : batches_) {
    if (now - b.sent >= limit && std::find(out.begin(), out.end(), b.worker) == out.end()) {
      out.push_back(b.worker);
    }
  }
  return out;
}

void master_core::tick(clock::time_point now) {
  const bool sampling = board_.sample_due(now);
  if (sampling) {
    board_.sample_workers(now);
  }
  for (auto& [id, jp] : jobs_) {
    auto* j = jp.get();
    if (j->ended) {
      continue;
    }
    if (sampling) {
      board_.job_sampled(id, j->led->merged(), now);
    }
    auto deadline = j->req.deadline;
    if (deadline && now - j->submitted >= *deadline) {
      end_job(*j, job_status::failed, "deadline",
              "deadline of " + std::to_string(seconds(*deadline)) + "s passed with " +
                  std::to_string(j->led->merged()) + " of " + std::to_string(j->led->task_count()) +
                  " tasks done",
              now);
      continue;
    }
    if (j->req.task_timeout && j->idempotent) {
      auto exhausted = j->led->expire(now, *j->req.task_timeout);
      if (!exhausted.empty()) {
        fail_task(*j, exhausted.front(),
                  "an attempt ran longer than the task timeout of " +
                      format_wait(*j->req.task_timeout),
                  now);
        continue;
      }
    }
    if (may_speculate(*j)) {
      speculate(*j, now);
      if (j->ended) {
        continue;
      }
    }
    bool starved = j->led->pending() > 0 &&
                   (!min_workers_reached_ || !has_eligible_worker(*j) || starved_route(*j));
    if (!starved) {
      if (j->waiting_since) {
        j->waited += now - *j->waiting_since;
        j->waiting_since.reset();
      }
      continue;
    }
    if (!j->waiting_since) {
      j->waiting_since = now;
      spdlog::info("job {}{} waits for workers: {} (up to {})", id,
                   j->req.name.empty() ? std::string() : " (" + j->req.name + ")", why_starved(*j),
                   format_wait(settings_.wait_for_workers));
    }
    if (now - *j->waiting_since >= settings_.wait_for_workers) {
      end_job(*j, job_status::failed, "no-workers",
              why_starved(*j) + " within " + format_wait(settings_.wait_for_workers), now);
    }
  }
  finish_ended();
}

std::string master_core::why_starved(const job_state& j) const {
  bool granted = j.capability.empty();
  for (auto w : dispatcher_.workers()) {
    if (dispatcher_.grants(w, j.capability)) {
      granted = true;
      break;
    }
  }
  if (!granted) {
    return "no worker allows " + j.capability + " (start workers with --allow-" + j.capability +
           ")";
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

void master_core::end_job(job_state& j, job_status status, std::string reason, std::string error,
                          clock::time_point now) {
  if (!j.ended) {
    j.ended = job_end{status, std::move(reason), std::move(error), now};
    ending_.push_back(j.id);
  }
}

void master_core::unsend(const outgoing_batch& b) {
  auto bi = batches_.find(b.id);
  release(bi->second, bi->second.open);
  batches_.erase(bi);
}

void master_core::finish_ended() {
  for (auto id : std::exchange(ending_, {})) {
    auto ji = jobs_.find(id);
    auto& j = *ji->second;
    for (auto lost : j.lost_batches) {
      lost_batches_.erase(lost);
    }
    // Its batches not sent yet are dropped: only workers that hold its tasks are told to cancel.
    auto drop_unsent = [&](const outgoing_batch& b) {
      if (b.job != id) {
        return false;
      }
      unsend(b);
      return true;
    };
    std::erase_if(outgoing_, drop_unsent);
    std::erase_if(released_, drop_unsent);
    std::erase_if(parked_, [&](const auto& p) { return drop_unsent(p.second); });
    for (const auto& [w, pw] : j.by_worker) {
      if (pw.in_flight > 0 && dispatcher_.current(w)) {
        cancels_.push_back({w, j.id, std::nullopt});
      }
    }
    auto outcome = render(j);
    if (journaling() && !suspended_) {
      journal_.push_back(job_finished{j.id, outcome.status, outcome.json});
    }
    auto summary = summarize(j, j.ended->at);
    summary.state = status_name(outcome.status);
    board_.job_ended(j.id);
    board_.event("job " + std::to_string(j.id) +
                 (j.req.name.empty() ? "" : " (" + j.req.name + ")") + " ended " + summary.state +
                 (j.ended->error.empty() ? std::string() : ": " + j.ended->error));
    ended_.push_back({j.id, std::move(outcome), std::move(summary)});
    turns_.remove(j.id);
    jobs_.erase(ji);
  }
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
  for (const auto& [w, pw] : j.by_worker) {
    stats.workers.push_back(pw.share);
    // A draining worker has left the job too, though its process may not have closed yet.
    stats.workers.back().left |= dispatcher_.current(w) && dispatcher_.at(w).draining;
  }
  auto status = end.status;
  return {status, job_line({j.id, j.desc.kind, j.req.name}, std::move(end), stats)};
}

std::vector<ended_job> master_core::take_ended() {
  return std::exchange(ended_, {});
}

std::vector<cancel_order> master_core::take_cancels() {
  return std::exchange(cancels_, {});
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

std::optional<std::uint64_t> master_core::owner_of(std::uint64_t id) const {
  auto i = jobs_.find(id);
  if (i == jobs_.end() || i->second->ended) {
    return std::nullopt;
  }
  return i->second->owner;
}

bool master_core::cancel(std::uint64_t id, clock::time_point now) {
  auto i = jobs_.find(id);
  if (i == jobs_.end() || i->second->ended) {
    return false;
  }
  end_job(*i->second, job_status::cancelled, "cancelled", "cancelled before it finished", now);
  finish_ended();
  return true;
}

std::vector<job_progress> master_core::progress(clock::time_point now) const {
  std::vector<job_progress> out;
  for (const auto& [id, j] : jobs_) {
    job_progress_report p;
    p.id = id;
    p.name = j->req.name;
    p.done = j->led->merged();
    p.total = j->led->task_count();
    p.in_flight = j->led->in_flight();
    if (const auto* m = board_.job(id)) {
      p.rate = m->rate();
      p.eta_s = m->eta(p.total - p.done);
    }
    if (j->waiting_since) {
      p.waiting = waiting_for(*j, now);
    }
    out.push_back({j->owner, std::move(p)});
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
    job_view x;
    x.id = id;
    x.name = j->req.name;
    x.kind = j->desc.kind;
    x.state = c.attempts == 0 ? "queued" : "running";
    x.done = j->led->merged();
    x.total = j->led->task_count();
    x.in_flight = j->led->in_flight();
    x.retries = c.retries;
    x.reassigned = c.reassigned;
    x.speculative = c.speculative;
    if (const auto* m = board_.job(id)) {
      x.rate = m->rate();
      x.eta_s = m->eta(x.total - x.done);
    }
    x.wall_s = seconds(now - j->submitted);
    if (j->waiting_since) {
      x.state = "waiting";
      const auto w = waiting_for(*j, now);
      x.waiting = why_starved(*j) + " (" +
                  std::to_string(static_cast<long long>(std::ceil(w.left_s))) + " s left)";
    }
    v.jobs.push_back(std::move(x));
  }
  board_.fill(v);
  return v;
}

} // namespace cohort
