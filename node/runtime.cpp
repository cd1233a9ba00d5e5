// runtime: an actor system with a master and local worker actors, driven from the caller's thread.
#include "cohort/runtime.hpp"

#include "cohort/sql.hpp"
#include "cohort/startup_error.hpp"
#include "io/io_threads.hpp"

#include "actors/error_words.hpp"
#include "actors/master_actor.hpp"
#include "actors/messages.hpp"
#include "actors/worker_actor.hpp"
#include "cohort/host_identity.hpp"
#include "core/data_roots.hpp"
#include "core/job_report.hpp"
#include "core/journal_writer.hpp"
#include "core/message_auth.hpp"
#include "core/request_json.hpp"
#include "node/caf_settings.hpp"
#include "node/connection_guard.hpp"
#include "node/departed_nodes.hpp"
#include "node/http_server.hpp"
#include "node/transport.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <thread>

namespace cohort {

namespace {

// A master with no journal is a new one to its clients each time it starts.
std::string random_instance() {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (auto b : random_key()) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

// A job's request to the master is bounded too; its own deadline (when set) ends it much sooner.
constexpr auto job_request_timeout = std::chrono::seconds(365 * 24 * 3600);
constexpr auto spawn_timeout = std::chrono::seconds(10);
constexpr auto poll_interval = std::chrono::milliseconds(50);
constexpr auto bye_wait = std::chrono::seconds(3);
// A connection to the published port that has not begun to speak by then is shut down, and at most
// this many such connections are kept (node/connection_guard.hpp).
constexpr auto connection_bound = std::chrono::seconds(10);
constexpr std::size_t max_silent = 256;
// How often what CAF keeps for nodes that left is freed (node/departed_nodes.hpp).
constexpr auto sweep_period = std::chrono::seconds(2);

worker_entry entry_of(const worker_hello& h) {
  worker_entry e;
  e.id = h.id;
  e.host = h.host;
  e.tags = h.tags;
  e.capabilities = h.capabilities;
  e.slots = std::max(1u, h.slots);
  e.concurrency = std::max(1u, h.concurrency);
  return e;
}

// Spawns the node's --workers count of worker actors on a `cohort worker --listen` node. The master
// opens each one's attach handshake: it proves the token, the worker proves it back, and the
// worker takes work only under that session, from this master, until the master goes.
void spawn_on(caf::actor_system& sys, const endpoint& at, const std::optional<tls_files>& tls,
              const std::optional<std::string>& token, const caf::actor& master) {
  auto fail = [&](const std::string& why) {
    throw startup_error("cannot spawn workers on " + to_string(at) + ": " + why);
  };
  auto fail_with = [&](const caf::error& err) {
    fail(plain_words(err));
  };
  auto nid = dial(sys, tls.has_value(), at, spawn_timeout);
  if (!nid) {
    fail(dial_failure(at, nid.error()));
  }
  caf::scoped_actor self{sys};
  std::uint32_t wanted = 1;
  for (std::uint32_t i = 0; i < wanted; ++i) {
    auto w = sys.middleman().remote_spawn<caf::actor>(nid->node, "cohort-worker",
                                                      caf::make_message(), spawn_timeout);
    if (!w) {
      fail_with(w.error());
    }
    handshake_opener opener(token);
    handshake_answer answer;
    self->request(*w, spawn_timeout, attach_atom::value, master, opener.nonce())
        .receive([&](handshake_answer& a) { answer = std::move(a); }, fail_with);
    handshake_opener::completion done;
    try {
      done = opener.complete(answer);
    } catch (const handshake_refused& e) {
      fail(e.what());
    }
    worker_hello hello;
    self->request(*w, spawn_timeout, attach_atom::value, answer.session, done.proof)
        .receive([&](worker_hello& h) { hello = std::move(h); }, fail_with);
    if (done.distrust) {
      fail("its proof: " + *done.distrust);
    }
    wanted = std::max(1u, hello.node_workers);
    caf::anon_send(master, join_atom::value, local(), *w, hello, answer.session, done.key);
  }
}

} // namespace

struct runtime::impl {
  runtime_options opts;
  std::shared_ptr<const registry> kinds;
  /// With --http; it outlives the actor system, whose master publishes to it.
  std::unique_ptr<http_server> http;
  /// The published port's guard, once there is one, for the page's count of refused connections.
  std::atomic<const connection_guard*> guard_seen{nullptr};
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::actor master;
  std::unique_ptr<connection_guard> guard;
  /// Frees what CAF keeps for each node that left (clients come and go for weeks).
  caf::actor sweeper;
  /// The worker actors in this process (those spawned on nodes stop when the master goes).
  std::vector<caf::actor> workers;
  std::uint16_t port = 0;
  /// With --journal: the requests of the jobs it held unfinished, by id, until run() resumes them.
  std::vector<std::pair<std::uint64_t, std::string>> held;

  /// Stops the master and the local worker actors: the actor system waits for every actor.
  void stop() {
    caf::anon_send(master, stop_atom::value, local());
    for (auto& w : workers) {
      caf::anon_send(w, stop_atom::value, local());
    }
    if (sweeper) {
      caf::anon_send_exit(sweeper, caf::exit_reason::user_shutdown);
    }
  }
};

runtime::runtime(runtime_options opts, std::shared_ptr<const registry> kinds)
    : impl_(std::make_unique<impl>()) {
  auto& m = *impl_;
  m.opts = std::move(opts);
  m.kinds = std::move(kinds);
  if (m.opts.log) {
    set_log_level(*m.opts.log);
  }
  add_message_types(m.cfg);
  set_sql_connection_limit(m.opts.local.sql_connections);
  const auto& net = m.opts.network;
  bool networked = net.listen || !m.opts.spawn_on.empty();
  if (networked) {
    raise_file_limit();
    load_transport(m.cfg, net.tls);
  }
  // The master gets a thread of its own beside one per local worker, so CPU-bound tasks never
  // starve it.
  auto settings = caf_keys(m.opts.scheduler, net, m.opts.local.count + 1);
  apply_caf_settings(m.cfg, settings);
  m.sys = std::make_unique<caf::actor_system>(m.cfg);
  verify_caf_settings(m.sys->config(), settings);
  // A --data-dir that is not a directory is refused here, before the master starts.
  data_roots check_roots(m.opts.master.data_dirs);
  master_options mo;
  mo.settings = m.opts.master;
  mo.kinds = m.kinds;
  mo.token = net.token;
  mo.client_token = net.client_token;
  mo.instance = random_instance();
  mo.on_progress = m.opts.on_progress;
  mo.silence = net.connection_timeout;
  if (m.opts.http) {
    // Before the master starts: a port in use ends the process before anything runs.
    auto token = net.client_token ? net.client_token : net.token;
    m.http = std::make_unique<http_server>(http_settings{*m.opts.http, token, net.tls});
    mo.publish = [http = m.http.get(), guard = &m.guard_seen](status_view v) {
      if (const auto* g = guard->load()) {
        v.connections_refused = g->refused();
      }
      http->publish(std::make_shared<const status_view>(std::move(v)));
    };
  }
  if (const auto& file = m.opts.master.journal; !file.empty()) {
    auto store = std::make_unique<journal>(file);
    drop_expired(*store, m.opts.master.journal_keep);
    mo.instance = store->instance();
    mo.held = store->unfinished();
    mo.journal_last_id = store->last_id();
    if (m.opts.master.serve) {
      mo.finished = store->finished(m.opts.master.history);
    }
    for (const auto& h : mo.held) {
      m.held.emplace_back(h.id, h.request);
    }
    if (!mo.held.empty()) {
      spdlog::info("journal {}: {} unfinished jobs", file, mo.held.size());
    }
    mo.journal = std::make_shared<journal_writer>(std::move(store), m.opts.master.journal_keep);
  }
  auto host = host_name();
  const auto& local = m.opts.local;
  for (std::uint32_t i = 0; i < local.count; ++i) {
    worker_options wo;
    wo.kinds = m.kinds;
    wo.slowdown = local.slowdown;
    wo.batch = local.batch;
    wo.hello.id = worker_id(host, i);
    wo.hello.host = host;
    wo.hello.tags = local.tags;
    wo.hello.capabilities = local.capabilities;
    wo.hello.slots = local.slots;
    wo.hello.concurrency = local.concurrency;
    wo.hello.node_workers = local.count;
    auto e = entry_of(wo.hello);
    mo.local_workers.emplace_back(spawn_worker(*m.sys, std::move(wo)), std::move(e));
  }
  for (const auto& w : mo.local_workers) {
    m.workers.push_back(w.first);
  }
  m.master = spawn_master(*m.sys, std::move(mo));
  try {
    for (const auto& at : m.opts.spawn_on) {
      spawn_on(*m.sys, at, net.tls, net.token, m.master);
    }
    if (net.listen) {
      m.port = publish_on(*m.sys, net.tls.has_value(), m.master, *net.listen);
      m.guard = std::make_unique<connection_guard>(
          connection_guard::settings{m.port, net.tls.has_value(), connection_bound, max_silent});
      m.guard_seen = m.guard.get();
      m.sweeper = spawn_departed_node_sweeper(*m.sys, sweep_period);
    }
  } catch (...) {
    m.guard_seen = nullptr;
    m.stop();
    throw;
  }
}

std::uint16_t runtime::port() const {
  return impl_->port;
}

std::uint16_t runtime::http_port() const {
  return impl_->http ? impl_->http->port() : 0;
}

runtime::~runtime() {
  auto& m = *impl_;
  if (m.opts.network.listen || !m.opts.spawn_on.empty()) {
    caf::scoped_actor self{*m.sys};
    self->request(m.master, bye_wait, bye_atom::value, local())
        .receive([](bye_atom) {}, [](caf::error&) {});
  }
  m.stop();
  // Answers of HTTP and SQL calls are messages to actors: the I/O thread ends before the actor
  // system.
  stop_io_threads();
  m.sys.reset();
}

namespace {

// Asks the master for every job at once and forwards each answer, tagged with its position, to the
// client: the client then waits on plain messages and can look at its cancel flag in between.
caf::behavior caller(caf::event_based_actor* self, caf::actor master, caf::actor client,
                     std::vector<checked_job> jobs, std::vector<std::uint64_t> held) {
  for (std::uint64_t i = 0; i < jobs.size(); ++i) {
    job_identity who{0, jobs[i].request().kind, jobs[i].request().name};
    auto asked =
        held[i] != 0
            ? self->request(master, job_request_timeout, held_atom::value, jobs[i], held[i])
            : self->request(master, job_request_timeout, submit_atom::value, jobs[i]);
    std::move(asked).then(
        [self, client, i](std::int32_t status, std::string& json) {
          self->send(client, done_atom::value, i, status, std::move(json));
        },
        [self, client, i, who](caf::error& err) {
          self->send(client, done_atom::value, i, static_cast<std::int32_t>(job_status::failed),
                     request_failed_line(who, plain_words(err)));
        });
  }
  return {[](done_atom) {
  }};
}

} // namespace

std::vector<job_outcome> runtime::run(const std::vector<job_request>& jobs,
                                      const std::function<void(const job_outcome&)>& on_done) {
  std::vector<checked_job> checked;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    try {
      checked.push_back(check_job(*impl_->kinds, jobs[i]));
    } catch (const param_error& e) {
      if (jobs.size() == 1) {
        throw;
      }
      throw param_error("job " + std::to_string(i + 1) + ": " + e.what());
    }
  }
  return run(checked, on_done);
}

const registry& runtime::kinds() const {
  return *impl_->kinds;
}

std::vector<job_outcome> runtime::run(const std::vector<checked_job>& given,
                                      const std::function<void(const job_outcome&)>& on_done) {
  auto& m = *impl_;
  // With a journal, a job given again as it was (kind, params, options) resumes; given none, every
  // job the journal held unfinished does.
  auto jobs = given;
  std::vector<std::uint64_t> held(jobs.size(), 0);
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const auto text = request_to_json(jobs[i].request());
    auto h =
        std::find_if(m.held.begin(), m.held.end(), [&](const auto& x) { return x.second == text; });
    if (h != m.held.end()) {
      held[i] = h->first;
      m.held.erase(h);
    }
  }
  if (m.opts.master.serve && !m.held.empty()) {
    // A serving master's journal jobs that were not given again go on as its clients' jobs.
    std::vector<std::uint64_t> rest;
    for (const auto& h : std::exchange(m.held, {})) {
      rest.push_back(h.first);
    }
    caf::anon_send(m.master, resume_atom::value, local(), std::move(rest));
  } else if (given.empty()) {
    for (const auto& [id, text] : std::exchange(m.held, {})) {
      try {
        jobs.push_back(check_job(*m.kinds, request_from_json(text)));
        held.push_back(id);
      } catch (const std::exception& e) {
        spdlog::error("journal {}: job {} cannot run again: {}", m.opts.master.journal, id,
                      e.what());
      }
    }
  }
  caf::scoped_actor self{*m.sys};
  auto asker = m.sys->spawn(caller, m.master, caf::actor{self}, jobs, held);
  std::vector<std::optional<job_outcome>> ended(jobs.size());
  std::vector<job_outcome> out;
  bool cancel_sent = false;
  while (out.size() < jobs.size()) {
    self->receive(
        [&](done_atom, std::uint64_t i, std::int32_t status, std::string& json) {
          ended[i] = job_outcome{static_cast<job_status>(status), std::move(json)};
        },
        caf::after(poll_interval) >>
            [&] {
              if (!cancel_sent && m.opts.cancel_requested && m.opts.cancel_requested()) {
                self->send(m.master, cancel_atom::value, local());
                cancel_sent = true;
              }
            });
    while (out.size() < jobs.size() && ended[out.size()]) {
      auto& next = *ended[out.size()];
      if (on_done) {
        on_done(next);
      }
      out.push_back(std::move(next));
    }
  }
  self->send_exit(asker, caf::exit_reason::user_shutdown);
  return out;
}

void runtime::serve(const std::function<bool()>& stop_requested) {
  auto& m = *impl_;
  while (!stop_requested()) {
    std::this_thread::sleep_for(poll_interval);
  }
  caf::scoped_actor self{*m.sys};
  self->send(m.master, cancel_atom::value, local());
  // Cancelled jobs end at once; their workers were told to drop their tasks.
  auto deadline = std::chrono::steady_clock::now() + bye_wait;
  bool idle = false;
  while (!idle && std::chrono::steady_clock::now() < deadline) {
    self->request(m.master, bye_wait, idle_atom::value, local())
        .receive([&](bool is_idle) { idle = is_idle; }, [](caf::error&) {});
    if (!idle) {
      std::this_thread::sleep_for(poll_interval);
    }
  }
}

} // namespace cohort
