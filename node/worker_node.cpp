// The worker process: connect (with backoff), join worker actors to the master, serve until the
// master goes (reconnect or exit) or a signal asks for a drained stop.
#include "cohort/worker_node.hpp"

#include "actors/error_words.hpp"
#include "actors/messages.hpp"
#include "actors/worker_actor.hpp"
#include "cohort/host_identity.hpp"
#include "cohort/sql.hpp"
#include "cohort/stop_signals.hpp"
#include "io/io_threads.hpp"
#include "node/caf_settings.hpp"
#include "node/connection_guard.hpp"
#include "node/transport.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace cohort {

namespace {

using steady = std::chrono::steady_clock;

constexpr auto join_timeout = std::chrono::seconds(10);
constexpr auto poll_interval = std::chrono::milliseconds(100);
constexpr auto rejoin_pause = std::chrono::milliseconds(500);
// While a master cannot be reached, a line says so at once, then at most this often.
constexpr auto unreachable_report = std::chrono::seconds(10);

/// "1 worker actor", "2 worker actors".
std::string worker_actors(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " worker actor" : " worker actors");
}
// A spawn node's connections that have not begun to speak by then are shut down, and at most this
// many are kept (node/connection_guard.hpp).
constexpr auto connection_bound = std::chrono::seconds(10);
constexpr std::size_t max_silent = 256;

worker_options make_worker_options(const worker_node_options& opts,
                                   std::shared_ptr<const registry> kinds, const std::string& host) {
  worker_options w;
  w.kinds = std::move(kinds);
  w.slowdown = opts.workers.slowdown;
  w.batch = opts.workers.batch;
  w.hello.host = host;
  w.hello.tags = opts.workers.tags;
  w.hello.capabilities = opts.workers.capabilities;
  w.hello.slots = opts.workers.slots;
  w.hello.concurrency = opts.workers.concurrency;
  w.hello.node_workers = opts.workers.count;
  return w;
}

// The worker actors a spawn node made for masters, so a stop signal can end them (weakly held: a
// worker whose master went is gone already).
class spawned_workers {
public:
  void add(const caf::actor& w) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::erase_if(workers_, [](const caf::weak_actor_ptr& p) { return !p.lock(); });
    workers_.push_back(caf::actor_cast<caf::weak_actor_ptr>(w));
  }
  std::vector<caf::actor> take() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<caf::actor> out;
    for (auto& p : workers_) {
      if (auto w = caf::actor_cast<caf::actor>(p)) {
        out.push_back(std::move(w));
      }
    }
    workers_.clear();
    return out;
  }

private:
  std::mutex mutex_;
  std::vector<caf::weak_actor_ptr> workers_;
};

struct node {
  const worker_node_options& opts;
  std::shared_ptr<const registry> kinds;
  caf::actor_system& sys;
  std::shared_ptr<master_watch> watch = std::make_shared<master_watch>();
  std::string host = host_name();
  std::uint32_t next_worker = 0;

  // Tries until `deadline`; nullopt when it ran out (said on stderr) or a signal came. Failures
  // are said at once, then every 10 s; only in the debug log while `idle` (the last master
  // finished and said so).
  std::optional<caf::actor> connect(steady::time_point deadline, bool idle) {
    std::optional<steady::time_point> last_report;
    auto report = [&](const std::string& why) {
      auto now = steady::now();
      if (last_report && now - *last_report < unreachable_report) {
        return;
      }
      last_report = now;
      std::string more;
      if (deadline != steady::time_point::max()) {
        auto left = std::chrono::duration<double>(deadline - now).count();
        more = " for " + std::to_string(static_cast<long long>(std::max(0.0, left))) + " s more";
      }
      spdlog::log(idle ? spdlog::level::debug : spdlog::level::warn,
                  "cannot reach {}: {}; retrying{}", to_string(*opts.master), why, more);
    };
    auto m = dial_until(
        sys, opts.network.tls.has_value(), *opts.master, deadline,
        [] { return stop_signal() != 0; }, report);
    if (auto* why = std::get_if<std::string>(&m)) {
      if (stop_signal() == 0) {
        std::fprintf(stderr, "cohort: cannot reach master %s within %.1fs: %s\n",
                     to_string(*opts.master).c_str(),
                     std::chrono::duration<double>(opts.connect_timeout).count(), why->c_str());
      }
      return std::nullopt;
    }
    return std::get<caf::actor>(m);
  }

  enum class join_result { joined, refused, unreachable };

  // Spawns this process's worker actors and has each join the master with a handshake that proves
  // the token. The master refusing one (it says why) ends the process; no answer means the master
  // is gone again, and the caller reconnects. The scoped actor talks only to the local worker
  // actors, so nothing of it is known to another process.
  join_result join(const caf::actor& master, std::vector<caf::actor>& workers) {
    caf::scoped_actor self{sys};
    for (std::uint32_t i = 0; i < opts.workers.count; ++i) {
      auto w = make_worker_options(opts, kinds, host);
      w.hello.id = worker_id(host, next_worker++);
      w.token = opts.network.token;
      w.watch = watch;
      auto id = w.hello.id;
      workers.push_back(spawn_worker(sys, std::move(w)));
      auto result = join_result::joined;
      self->request(workers.back(), 2 * join_timeout, join_atom::value, local(), master)
          .receive([](join_atom) {},
                   [&](caf::error& err) {
                     if (err.context().match_elements<std::string>()) {
                       std::fprintf(stderr, "cohort: master %s refused worker %s: %s\n",
                                    to_string(*opts.master).c_str(), id.c_str(),
                                    plain_words(err).c_str());
                       result = join_result::refused;
                     } else {
                       spdlog::warn("master {} did not take worker {}: {}", to_string(*opts.master),
                                    id, plain_words(err));
                       result = join_result::unreachable;
                     }
                   });
      if (result != join_result::joined) {
        stop(workers);
        return result;
      }
    }
    spdlog::info("joined master {} as {}", to_string(*opts.master), worker_actors(workers.size()));
    return join_result::joined;
  }

  void stop(std::vector<caf::actor>& workers) {
    for (auto& w : workers) {
      caf::anon_send(w, stop_atom::value, local());
    }
    workers.clear();
  }

  // Stops taking tasks, hands back unstarted ones at once, lets running ones finish up to the drain
  // timeout, hands back the rest. Every worker actor drains at the same time, so the process ends
  // within about one drain timeout, whatever --workers is.
  void drain(std::vector<caf::actor>& workers) {
    spdlog::info("draining {} (up to {:.1f} s)", worker_actors(workers.size()),
                 std::chrono::duration<double>(opts.drain_timeout).count());
    caf::scoped_actor self{sys};
    auto limit = caf::timespan{opts.drain_timeout.count()};
    using pending_drain = decltype(self->request(workers.front(), opts.drain_timeout,
                                                 drain_atom::value, local(), limit));
    std::vector<pending_drain> pending;
    for (auto& w : workers) {
      pending.push_back(
          self->request(w, opts.drain_timeout + join_timeout, drain_atom::value, local(), limit));
    }
    for (auto& p : pending) {
      p.receive([](drain_atom) {}, [](caf::error&) {});
    }
    stop(workers);
  }

  int serve() {
    auto deadline = steady::now() + opts.connect_timeout;
    bool idle = false;
    while (true) {
      auto master = connect(deadline, idle);
      if (!master) {
        return stop_signal() != 0 ? 0 : 1;
      }
      watch->reset();
      std::vector<caf::actor> workers;
      auto joined = join(*master, workers);
      if (joined == join_result::refused) {
        return 1;
      }
      if (joined == join_result::unreachable) {
        if (stop_signal() != 0) {
          return 0;
        }
        // Give the middleman time to drop its cached handle of the dead master before asking again.
        std::this_thread::sleep_for(rejoin_pause);
        continue;
      }
      // Not a monitor: any peer can send a down message, none can kill the master's proxy here
      // short of the master's process or connection going.
      (*master)->attach_functor(
          [w = watch](const caf::error& reason) { w->lost(plain_words(reason)); });
      auto state = master_watch::state::serving;
      while (state == master_watch::state::serving && stop_signal() == 0) {
        state = watch->wait_for(poll_interval);
      }
      if (state == master_watch::state::serving) {
        if (!workers.empty()) {
          drain(workers);
        }
        return 0;
      }
      stop(workers);
      bool shut_down = state == master_watch::state::bye;
      const auto where = to_string(*opts.master);
      if (opts.exit_with_master) {
        if (shut_down) {
          spdlog::info("master {} finished; exiting", where);
        } else {
          spdlog::warn("lost master {} ({}); exiting", where, watch->reason());
        }
        return shut_down ? 0 : 1;
      }
      idle = shut_down;
      if (shut_down) {
        spdlog::info("master {} finished; waiting for the next one", where);
      } else {
        spdlog::warn("lost master {} ({}); reconnecting", where, watch->reason());
      }
      deadline = steady::time_point::max();
      std::this_thread::sleep_for(rejoin_pause);
    }
  }

  int serve_spawns(const std::shared_ptr<spawned_workers>& spawned) {
    std::uint16_t port = 0;
    try {
      port = open_on(sys, opts.network.tls.has_value(), *opts.network.listen);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "cohort: %s\n", e.what());
      return 1;
    }
    std::fprintf(stderr, "listening on %s:%u\n", opts.network.listen->host.c_str(), port);
    connection_guard guard({port, opts.network.tls.has_value(), connection_bound, max_silent});
    while (stop_signal() == 0) {
      std::this_thread::sleep_for(poll_interval);
    }
    // Whatever the spawned workers still run ends here: the actor system waits for every actor.
    for (auto& w : spawned->take()) {
      caf::anon_send(w, stop_atom::value, local());
    }
    return 0;
  }
};

} // namespace

int run_worker_node(const worker_node_options& opts, std::shared_ptr<const registry> kinds) {
  if (opts.log) {
    set_log_level(*opts.log);
  }
  install_stop_signals();
  raise_file_limit();
  set_sql_connection_limit(opts.workers.sql_connections);
  caf::actor_system_config cfg;
  add_message_types(cfg);
  load_transport(cfg, opts.network.tls);
  auto settings = caf_keys(opts.scheduler, opts.network, opts.workers.count + 1);
  apply_caf_settings(cfg, settings);
  auto spawned = std::make_shared<spawned_workers>();
  if (opts.network.listen) {
    // Actor types are registered only on spawn nodes: nothing else can be spawned here remotely.
    auto host = host_name();
    auto w = make_worker_options(opts, kinds, host);
    w.hello.id = host + "/" + std::to_string(getpid()) + "/";
    w.token = opts.network.token;
    add_worker_actor_type(cfg, std::move(w), [spawned](caf::actor a) { spawned->add(a); });
  }
  caf::actor_system sys{cfg};
  // Answers of HTTP and SQL calls are messages to actors: the I/O thread ends before the actor
  // system.
  struct io_ends_first {
    ~io_ends_first() { stop_io_threads(); }
  } io;
  verify_caf_settings(sys.config(), settings);
  node running{opts, std::move(kinds), sys};
  return opts.network.listen ? running.serve_spawns(spawned) : running.serve();
}

} // namespace cohort
