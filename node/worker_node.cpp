// The worker process: connect (with backoff), join worker actors to the master, serve until the
// master goes (reconnect or exit) or a signal asks for a drained stop.
#include "cohort/worker_node.hpp"

#include "actors/messages.hpp"
#include "actors/worker_actor.hpp"
#include "cohort/stop_signals.hpp"
#include "core/host_identity.hpp"
#include "node/caf_settings.hpp"
#include "node/transport.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <thread>
#include <unistd.h>

namespace cohort {

namespace {

using steady = std::chrono::steady_clock;

constexpr auto join_timeout = std::chrono::seconds(10);
// One connection attempt (a TLS handshake included) waits at most this long.
constexpr auto dial_timeout = std::chrono::seconds(10);
constexpr auto poll_interval = std::chrono::milliseconds(100);
constexpr auto rejoin_pause = std::chrono::milliseconds(500);

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

// The master's own words when it refused us, else CAF's rendering of the error.
std::string reason_of(const caf::error& err) {
  const auto& ctx = err.context();
  if (ctx.match_elements<std::string>()) {
    return ctx.get_as<std::string>(0);
  }
  return caf::to_string(err);
}

struct node {
  const worker_node_options& opts;
  std::shared_ptr<const registry> kinds;
  caf::actor_system& sys;
  std::string host = host_name();
  std::uint32_t next_worker = 0;

  // Tries until `deadline` with backoff 100 ms .. 1 s; nullopt when it ran out or a signal came.
  std::optional<caf::actor> connect(steady::time_point deadline) {
    auto backoff = std::chrono::milliseconds(100);
    std::string last_error;
    while (stop_signal() == 0) {
      auto now = steady::now();
      auto m =
          dial(sys, opts.network.tls.has_value(), *opts.master,
               std::clamp<steady::duration>(deadline - now, std::chrono::seconds(1), dial_timeout));
      if (m && m->actor) {
        return m->actor;
      }
      last_error = m ? "no master is published there" : reason_of(m.error());
      now = steady::now();
      if (now >= deadline) {
        std::fprintf(stderr, "cohort: cannot reach master %s within %.1fs: %s\n",
                     to_string(*opts.master).c_str(),
                     std::chrono::duration<double>(opts.connect_timeout).count(),
                     last_error.c_str());
        return std::nullopt;
      }
      std::this_thread::sleep_for(std::min<steady::duration>(backoff, deadline - now));
      backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
    }
    return std::nullopt;
  }

  enum class join_result { joined, refused, unreachable };

  // Spawns and joins this process's worker actors. The master refusing one (it says why) ends the
  // process; no answer means the master is gone again, and the caller reconnects.
  join_result join(caf::scoped_actor& self, const caf::actor& master,
                   std::vector<caf::actor>& workers) {
    for (std::uint32_t i = 0; i < opts.workers.count; ++i) {
      auto w = make_worker_options(opts, kinds, host);
      w.hello.id = worker_id(host, next_worker++);
      w.owner = caf::actor{self};
      auto hello = w.hello;
      workers.push_back(spawn_worker(sys, std::move(w)));
      auto result = join_result::joined;
      self->request(master, join_timeout, join_atom::value, workers.back(), hello,
                    opts.network.token.value_or(std::string{}))
          .receive([](join_atom) {},
                   [&](caf::error& err) {
                     if (err.context().match_elements<std::string>()) {
                       std::fprintf(stderr, "cohort: master %s refused worker %s: %s\n",
                                    to_string(*opts.master).c_str(), hello.id.c_str(),
                                    reason_of(err).c_str());
                       result = join_result::refused;
                     } else {
                       spdlog::warn("master {} did not take worker {}: {}", to_string(*opts.master),
                                    hello.id, caf::to_string(err));
                       result = join_result::unreachable;
                     }
                   });
      if (result != join_result::joined) {
        stop(self, workers);
        return result;
      }
    }
    spdlog::info("joined master {} with {} worker actors", to_string(*opts.master), workers.size());
    return join_result::joined;
  }

  void stop(caf::scoped_actor& self, std::vector<caf::actor>& workers) {
    for (auto& w : workers) {
      self->send_exit(w, caf::exit_reason::user_shutdown);
    }
    workers.clear();
  }

  // Stops taking tasks, hands back unstarted ones at once, lets running ones finish up to the drain
  // timeout, hands back the rest. Every worker actor drains at the same time, so the process ends
  // within about one drain timeout, whatever --workers is.
  void drain(caf::scoped_actor& self, const caf::actor& master, std::vector<caf::actor>& workers) {
    spdlog::info("draining {} worker actors (up to {:.1f}s)", workers.size(),
                 std::chrono::duration<double>(opts.drain_timeout).count());
    for (auto& w : workers) {
      self->send(master, leave_atom::value, w);
    }
    auto limit = caf::timespan{opts.drain_timeout.count()};
    using pending_drain =
        decltype(self->request(workers.front(), opts.drain_timeout, drain_atom::value, limit));
    std::vector<pending_drain> pending;
    for (auto& w : workers) {
      pending.push_back(
          self->request(w, opts.drain_timeout + join_timeout, drain_atom::value, limit));
    }
    for (auto& p : pending) {
      p.receive([](drain_atom) {}, [](caf::error&) {});
    }
    stop(self, workers);
  }

  int serve() {
    auto deadline = steady::now() + opts.connect_timeout;
    caf::scoped_actor self{sys};
    while (true) {
      auto master = connect(deadline);
      if (!master) {
        return stop_signal() != 0 ? 0 : 1;
      }
      std::vector<caf::actor> workers;
      auto joined = join(self, *master, workers);
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
      self->monitor(*master);
      std::optional<caf::error> lost;
      bool said_bye = false;
      while (!lost && stop_signal() == 0) {
        self->receive(
            [&](caf::down_msg& dm) {
              if (dm.source == master->address()) {
                lost = dm.reason;
              }
            },
            [&](bye_atom) { said_bye = true; }, caf::after(poll_interval) >> [] {});
      }
      if (!lost) {
        drain(self, *master, workers);
        return 0;
      }
      stop(self, workers);
      bool shut_down =
          said_bye || *lost == caf::exit_reason::user_shutdown || *lost == caf::exit_reason::normal;
      if (opts.exit_with_master) {
        spdlog::info("master {} {}, exiting", to_string(*opts.master),
                     shut_down ? "ended" : "lost");
        return shut_down ? 0 : 1;
      }
      spdlog::warn("master {} {} ({}), reconnecting", to_string(*opts.master),
                   shut_down ? "ended" : "lost", sys.render(*lost));
      deadline = steady::time_point::max();
      std::this_thread::sleep_for(rejoin_pause);
    }
  }

  int serve_spawns() {
    std::uint16_t port = 0;
    try {
      port = open_on(sys, opts.network.tls.has_value(), *opts.network.listen);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "cohort: %s\n", e.what());
      return 1;
    }
    std::fprintf(stderr, "listening on %s:%u\n", opts.network.listen->host.c_str(), port);
    while (stop_signal() == 0) {
      std::this_thread::sleep_for(poll_interval);
    }
    return 0;
  }
};

} // namespace

int run_worker_node(const worker_node_options& opts, std::shared_ptr<const registry> kinds) {
  install_stop_signals();
  caf::actor_system_config cfg;
  add_message_types(cfg);
  load_transport(cfg, opts.network.tls);
  auto settings = caf_keys(opts.scheduler, opts.network, opts.workers.count + 1);
  apply_caf_settings(cfg, settings);
  if (opts.network.listen) {
    // Actor types are registered only on spawn nodes: nothing else can be spawned here remotely.
    auto host = host_name();
    auto w = make_worker_options(opts, kinds, host);
    w.hello.id = host + "/" + std::to_string(getpid()) + "/";
    w.attach_required = true;
    w.token = opts.network.token;
    add_worker_actor_type(cfg, std::move(w));
  }
  caf::actor_system sys{cfg};
  verify_caf_settings(sys.config(), settings);
  node running{opts, std::move(kinds), sys};
  return opts.network.listen ? running.serve_spawns() : running.serve();
}

} // namespace cohort
