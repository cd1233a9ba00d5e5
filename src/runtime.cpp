// runtime: an actor system with a master and local worker actors, driven from the caller's thread.
#include "cohort/runtime.hpp"

#include "actors/caf_settings.hpp"
#include "actors/master_actor.hpp"
#include "actors/messages.hpp"
#include "actors/worker_actor.hpp"
#include "src/host_identity.hpp"

#include <caf/all.hpp>

namespace cohort {

namespace {

// A job's request to the master is bounded too; its own deadline (when set) ends it much sooner.
constexpr auto job_request_timeout = std::chrono::seconds(365 * 24 * 3600);

} // namespace

void validate_job(const registry& kinds, const job_request& job) {
  const auto* kind = kinds.find(job.kind);
  if (kind == nullptr) {
    std::string known;
    for (const auto& n : kinds.names()) {
      known += (known.empty() ? "" : ", ") + n;
    }
    throw param_error("unknown job kind '" + job.kind + "' (known: " + known + ")");
  }
  if (job.max_attempts == 0) {
    throw param_error(job.kind + ": max_attempts must be at least 1");
  }
  if (job.concurrency && *job.concurrency == 0) {
    throw param_error(job.kind + ": concurrency must be at least 1");
  }
  kind->validate(job.args);
}

struct runtime::impl {
  runtime_options opts;
  std::shared_ptr<const registry> kinds;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::actor master;
  std::vector<caf::actor> workers;
};

runtime::runtime(runtime_options opts, std::shared_ptr<const registry> kinds)
    : impl_(std::make_unique<impl>()) {
  auto& m = *impl_;
  m.opts = std::move(opts);
  m.kinds = std::move(kinds);
  add_message_types(m.cfg);
  // The master gets a thread of its own beside one per local worker, so CPU-bound tasks never starve it.
  auto settings = m.opts.caf_settings;
  settings.emplace("scheduler.max-threads", std::to_string(m.opts.local_workers + 1));
  apply_caf_settings(m.cfg, settings);
  m.sys = std::make_unique<caf::actor_system>(m.cfg);
  verify_caf_settings(m.sys->config(), settings);
  master_options mo;
  mo.settings.min_workers = m.opts.min_workers;
  mo.settings.wait_for_workers = m.opts.wait_for_workers;
  mo.settings.batch = m.opts.batch;
  mo.settings.policy = m.opts.dispatch;
  mo.kinds = m.kinds;
  mo.progress = m.opts.progress;
  auto host = host_name();
  for (std::uint32_t i = 0; i < m.opts.local_workers; ++i) {
    auto w = spawn_worker(*m.sys, worker_options{m.kinds, m.opts.slowdown});
    worker_entry e;
    e.id = worker_id(host, i);
    e.host = host;
    e.tags = m.opts.tags;
    e.slots = m.opts.slots;
    e.concurrency = m.opts.concurrency;
    mo.local_workers.emplace_back(w, std::move(e));
    m.workers.push_back(w);
  }
  m.master = spawn_master(*m.sys, std::move(mo));
}

runtime::~runtime() {
  auto& m = *impl_;
  caf::anon_send_exit(m.master, caf::exit_reason::user_shutdown);
  for (auto& w : m.workers) {
    caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
  }
  m.sys.reset();
}

std::vector<job_outcome> runtime::run(const std::vector<job_request>& jobs,
                                      const std::function<void(const job_outcome&)>& on_done) {
  auto& m = *impl_;
  for (const auto& j : jobs) {
    validate_job(*m.kinds, j);
  }
  caf::scoped_actor self{*m.sys};
  std::vector<caf::message_id> pending;
  for (const auto& j : jobs) {
    auto handle = self->request(m.master, job_request_timeout, submit_atom::value, j);
    pending.push_back(handle.id());
  }
  std::vector<job_outcome> out;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    job_outcome outcome;
    caf::response_handle<caf::blocking_actor, caf::message, true> handle{pending[i], self.ptr()};
    handle.receive(
        [&](std::int32_t status, std::string& json) {
          outcome.status = static_cast<job_status>(status);
          outcome.json = std::move(json);
        },
        [&](caf::error& err) {
          outcome.status = job_status::failed;
          outcome.json = "{\"job\":\"" + jobs[i].kind +
                         "\",\"status\":\"failed\",\"reason\":\"task\",\"error\":\"" +
                         caf::to_string(err) + "\",\"result\":null}";
        });
    if (on_done) {
      on_done(outcome);
    }
    out.push_back(std::move(outcome));
  }
  return out;
}

} // namespace cohort
