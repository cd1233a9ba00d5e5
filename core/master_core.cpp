// The master's decisions; the actor in master_actor.cpp only carries them out. Dispatch, the
// journal's part and the reports live beside it (master_dispatch, master_journal, master_report).
#include "core/master_core.hpp"

#include "core/job_report.hpp"
#include "core/master_job.hpp"
#include "core/request_json.hpp"
#include "core/speculation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <spdlog/spdlog.h>

namespace cohort {

using master_detail::joined;
using master_detail::seconds;

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
  job.speculates = req.speculate && job.idempotent && kind.speculates(req.args);
  job.capability = std::string(kind.capability());
  job.keeps_partial_result = kind.keeps_partial_result();
  job.desc.job = id;
  job.desc.kind = std::string(kind.name());
  job.desc.args.insert(req.args.all().begin(), req.args.all().end());
  job.desc.task_timeout = req.task_timeout.value_or(std::chrono::nanoseconds::zero());
  turns_.add(id, owner, req.priority);
  if (!req.concurrency) {
    req.concurrency = kind.concurrency(req.args);
  }
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
        try {
          j.red->merge(std::move(r->value));
        } catch (const std::exception& e) {
          // A worker that passed the join answered with what the kind cannot read: the job
          // cannot be exact any more.
          add_merge_time();
          end_job(j, job_status::failed, "task",
                  "task " + std::to_string(r->index) + " (" + j.plan->describe(r->index) +
                      "): the answer of worker " + dispatcher_.at(worker).id +
                      " cannot be merged: " + e.what(),
                  now);
          return;
        }
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

std::vector<ended_job> master_core::take_ended() {
  return std::exchange(ended_, {});
}

std::vector<cancel_order> master_core::take_cancels() {
  return std::exchange(cancels_, {});
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

} // namespace cohort
