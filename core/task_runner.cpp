// task_runner: coroutine bookkeeping of one worker actor. Everything runs on the actor's thread of
// control.
#include "core/task_runner.hpp"

#include "cohort/capabilities.hpp"

#include <algorithm>
#include <exception>

#include <time.h>

namespace cohort {

struct task_runner::job_entry {
  std::uint64_t id = 0;
  const job_kind* kind = nullptr;
  std::string kind_name;
  /// Set when this worker must not run the kind's tasks: the answer to each of them.
  std::string refusal;
  params args;
  bool cpu = false;
  std::optional<std::chrono::nanoseconds> task_timeout;
};

struct task_runner::slot_context final : task_context {
  slot_context(executor& e, const params& p, std::uint64_t index, std::uint32_t attempt,
               std::uint64_t slot_id, clock::time_point started)
      : task_context(e, p, index, attempt, started), slot(slot_id) {}
  std::uint64_t slot;
  std::uint64_t generation = 0;
  std::coroutine_handle<> parked;
};

struct task_runner::running_task {
  std::shared_ptr<job_entry> job;
  std::uint64_t batch = 0;
  std::chrono::steady_clock::time_point start;
  // With a slowdown: the wall time its body ran but held no CPU (the thread was preempted).
  std::chrono::nanoseconds preempted{};
  std::unique_ptr<slot_context> ctx;
  task<partial> body;
  // Set while a finished task is held back to honour the slowdown factor.
  std::optional<task_result> held;
  bool cpu = false;
};

task_runner::task_runner(std::shared_ptr<const registry> kinds, waker& w, double slowdown,
                         request_channel* channel)
    : kinds_(std::move(kinds)), waker_(w), slowdown_(slowdown), channel_(channel) {}

task_runner::~task_runner() = default;

std::shared_ptr<task_runner::job_entry> task_runner::job_for(const job_desc& d) {
  if (auto i = jobs_.find(d.job); i != jobs_.end()) {
    if (auto alive = i->second.lock()) {
      return alive;
    }
  }
  if (jobs_.size() > 64) {
    std::erase_if(jobs_, [](const auto& entry) { return entry.second.expired(); });
  }
  auto entry = std::make_shared<job_entry>();
  entry->id = d.job;
  entry->kind = kinds_->find(d.kind).get();
  entry->kind_name = d.kind;
  if (entry->kind == nullptr) {
    entry->refusal = "this worker has no job kind '" + d.kind + "'";
  } else if (auto missing = missing_capability(entry->kind->capability(), granted_);
             !missing.empty()) {
    entry->refusal =
        "this worker does not allow " + missing + " (start it with --allow-" + missing + ")";
  }
  entry->args = params(params::map_type(d.args.begin(), d.args.end()));
  entry->cpu = entry->kind != nullptr && entry->kind->holds_thread(entry->args);
  if (d.task_timeout > std::chrono::nanoseconds::zero()) {
    entry->task_timeout = d.task_timeout;
  }
  jobs_[d.job] = entry;
  return entry;
}

void task_runner::launch(std::shared_ptr<job_entry> job, std::uint64_t batch_id, task_spec spec,
                         std::chrono::steady_clock::time_point started) {
  auto slot = next_slot_++;
  running_task t;
  t.job = std::move(job);
  t.batch = batch_id;
  t.cpu = t.job->cpu;
  cpu_running_ += t.cpu ? 1 : 0;
  // The slowdown needs each task's own start; otherwise the batch's is close enough.
  t.start = slowdown_ > 1.0 ? std::chrono::steady_clock::now() : started;
  t.ctx =
      std::make_unique<slot_context>(*this, t.job->args, spec.index, spec.attempt, slot, started);
  t.ctx->set_channel(channel_);
  t.ctx->set_task_timeout(t.job->task_timeout);
  t.body = t.job->kind->run(std::move(spec), *t.ctx);
  run_slice(t, [&] { t.body.start(); });
  step(slot, t);
  if (t.body.valid()) {
    running_.emplace(slot, std::move(t));
  }
}

void task_runner::start_queued() {
  while (!queued_.empty() && cpu_running_ < cpu_limit_) {
    auto q = std::move(queued_.front());
    queued_.pop_front();
    launch(std::move(q.job), q.batch, std::move(q.spec), std::chrono::steady_clock::now());
  }
}

std::uint64_t task_runner::start_batch(const job_desc& d, std::vector<task_spec> tasks) {
  auto job = job_for(d);
  auto batch_id = next_batch_++;
  auto& b = batches_[batch_id];
  // One extra count guards the batch: tasks finishing inside this loop must not complete (and
  // erase) it.
  b.remaining = tasks.size() + 1;
  b.results.reserve(tasks.size());
  auto started = std::chrono::steady_clock::now();
  for (auto& spec : tasks) {
    if (!job->refusal.empty()) {
      b.results.push_back({spec.index, spec.attempt, task_outcome::failed, {}, job->refusal});
      --b.remaining;
      continue;
    }
    if (job->cpu && cpu_limit_ > 0 && cpu_running_ >= cpu_limit_) {
      queued_.push_back({job, batch_id, std::move(spec)});
      continue;
    }
    // A CPU-bound task may start after others of the batch ran: its own start (one clock read for
    // >= 10 ms of work); latency-bound ones suspend or end at once, and share the batch's.
    launch(job, batch_id, std::move(spec), job->cpu ? std::chrono::steady_clock::now() : started);
  }
  if (--b.remaining == 0) {
    finished_.push_back({batch_id, std::move(b.results)});
    batches_.erase(batch_id);
  }
  start_queued();
  return batch_id;
}

void task_runner::resume_after(task_context& ctx, std::coroutine_handle<> h,
                               std::chrono::nanoseconds delay) {
  auto& sc = static_cast<slot_context&>(ctx);
  sc.parked = h;
  waker_.wake(sc.slot, ++sc.generation, delay);
}

namespace {

std::chrono::nanoseconds thread_cpu() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

} // namespace

// Runs one slice of a task's body. With a slowdown, the slice's wall time that was not CPU time
// (another thread or process had the core) is kept out of the task's time, so the slowdown
// stretches the task's own work and does not multiply the machine's other load.
template <class Slice> void task_runner::run_slice(running_task& t, Slice slice) {
  if (slowdown_ <= 1.0) {
    slice();
    return;
  }
  auto wall = std::chrono::steady_clock::now();
  auto cpu = thread_cpu();
  slice();
  auto wall_took = std::chrono::steady_clock::now() - wall;
  auto cpu_took = thread_cpu() - cpu;
  if (wall_took > cpu_took) {
    t.preempted += std::chrono::duration_cast<std::chrono::nanoseconds>(wall_took - cpu_took);
  }
}

// Settles a task that just ran: a finished body is answered (or held for the slowdown) and, once
// answered, its frame is released by resetting t.body; a suspended one is left as it is.
void task_runner::step(std::uint64_t slot, running_task& t) {
  if (!t.body.done()) {
    return;
  }
  task_result r{t.ctx->index(), t.ctx->attempt(), task_outcome::ok, {}, {}};
  try {
    r.value = t.body.result();
  } catch (const std::exception& e) {
    r.outcome = task_outcome::failed;
    r.error = e.what();
  } catch (...) {
    r.outcome = task_outcome::failed;
    r.error = "unknown exception";
  }
  if (slowdown_ > 1.0) {
    auto ran = std::chrono::steady_clock::now() - t.start - t.preempted;
    auto extra = std::chrono::duration_cast<std::chrono::nanoseconds>(ran * (slowdown_ - 1.0));
    t.held = std::move(r);
    waker_.wake(slot, ++t.ctx->generation, extra);
    return;
  }
  finish(t, std::move(r));
}

void task_runner::finish(running_task& t, task_result r) {
  t.body = {};
  if (std::exchange(t.cpu, false)) {
    --cpu_running_;
  }
  answer(t.batch, std::move(r));
}

void task_runner::answer(std::uint64_t batch, task_result r) {
  auto i = batches_.find(batch);
  if (i == batches_.end()) {
    return;
  }
  auto& b = i->second;
  if (b.results.empty()) {
    progressed_.push_back(batch);
  }
  b.results.push_back(std::move(r));
  if (--b.remaining == 0) {
    finished_.push_back({batch, std::move(b.results)});
    batches_.erase(i);
  }
}

std::pair<std::uint64_t, std::uint64_t> task_runner::park(task_context& ctx,
                                                          std::coroutine_handle<> h) {
  auto& sc = static_cast<slot_context&>(ctx);
  sc.parked = h;
  return {sc.slot, ++sc.generation};
}

std::function<void()> task_runner::park_for_io(task_context& ctx, std::coroutine_handle<> h) {
  auto [slot, generation] = park(ctx, h);
  return waker_.wake_from_anywhere(slot, generation);
}

bool task_runner::waiting(std::uint64_t slot, std::uint64_t generation) const {
  auto i = running_.find(slot);
  return i != running_.end() && i->second.ctx->generation == generation && i->second.ctx->parked;
}

void task_runner::resume(std::uint64_t slot, std::uint64_t generation) {
  auto i = running_.find(slot);
  if (i == running_.end() || i->second.ctx->generation != generation) {
    return;
  }
  auto& t = i->second;
  if (t.held) {
    auto r = std::move(*t.held);
    finish(t, std::move(r));
  } else if (auto h = std::exchange(t.ctx->parked, {})) {
    run_slice(t, [&] { h.resume(); });
    step(slot, t);
  }
  if (!t.body.valid()) {
    running_.erase(i);
  }
  start_queued();
}

std::vector<std::uint64_t> task_runner::cancel_job(std::uint64_t job) {
  return cancel_if([job](std::uint64_t j, std::uint64_t, std::uint32_t) { return j == job; });
}

bool task_runner::cancel_task(std::uint64_t job, std::uint64_t index, std::uint32_t attempt) {
  return !cancel_if([&](std::uint64_t j, std::uint64_t i, std::uint32_t a) {
            return j == job && i == index && a == attempt;
          }).empty();
}

std::vector<std::uint64_t> task_runner::cancel_all() {
  return cancel_if([](std::uint64_t, std::uint64_t, std::uint32_t) { return true; });
}

std::vector<std::uint64_t> task_runner::cancel_waiting() {
  std::vector<std::uint64_t> cancelled;
  for (auto& q : std::exchange(queued_, {})) {
    cancelled.push_back(q.spec.index);
    answer(q.batch, {q.spec.index, q.spec.attempt, task_outcome::cancelled, {}, "cancelled"});
  }
  return cancelled;
}

std::uint64_t task_runner::hand_back(std::vector<task_spec> tasks) {
  auto batch_id = next_batch_++;
  std::vector<task_result> results;
  results.reserve(tasks.size());
  for (const auto& spec : tasks) {
    results.push_back({spec.index, spec.attempt, task_outcome::cancelled, {}, "cancelled"});
  }
  finished_.push_back({batch_id, std::move(results)});
  return batch_id;
}

template <class Predicate> std::vector<std::uint64_t> task_runner::cancel_if(Predicate matches) {
  std::vector<std::uint64_t> cancelled;
  for (auto i = running_.begin(); i != running_.end();) {
    auto& t = i->second;
    if (!matches(t.job->id, t.ctx->index(), t.ctx->attempt())) {
      ++i;
      continue;
    }
    t.ctx->cancel();
    cancelled.push_back(t.ctx->index());
    finish(t, {t.ctx->index(), t.ctx->attempt(), task_outcome::cancelled, {}, "cancelled"});
    i = running_.erase(i);
  }
  for (auto q = queued_.begin(); q != queued_.end();) {
    if (!matches(q->job->id, q->spec.index, q->spec.attempt)) {
      ++q;
      continue;
    }
    cancelled.push_back(q->spec.index);
    answer(q->batch, {q->spec.index, q->spec.attempt, task_outcome::cancelled, {}, "cancelled"});
    q = queued_.erase(q);
  }
  start_queued();
  return cancelled;
}

std::vector<task_runner::finished_batch> task_runner::take_finished() {
  return std::exchange(finished_, {});
}

std::vector<task_runner::finished_batch> task_runner::take_progress() {
  std::vector<finished_batch> out;
  for (auto id : std::exchange(progressed_, {})) {
    auto i = batches_.find(id);
    if (i != batches_.end() && !i->second.results.empty()) {
      out.push_back({id, std::exchange(i->second.results, {})});
    }
  }
  return out;
}

} // namespace cohort
