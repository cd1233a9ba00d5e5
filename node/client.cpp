// The client: its own small actor system, a client actor holding the session, and a scoped actor
// on the caller's thread that sends requests and collects replies and events.
#include "cohort/client.hpp"

#include "actors/client_actor.hpp"
#include "actors/error_words.hpp"
#include "actors/messages.hpp"
#include "core/record_files.hpp"
#include "core/wire.hpp"
#include "node/caf_settings.hpp"
#include "node/transport.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <deque>
#include <map>
#include <set>
#include <thread>

namespace cohort {

namespace {

using steady = std::chrono::steady_clock;

// The master answers each request at once; no answer by then means it hangs or is gone.
constexpr auto reply_timeout = std::chrono::seconds(60);
constexpr auto redial_pause = std::chrono::milliseconds(50);

} // namespace

struct client::impl {
  client_options opts;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<caf::scoped_actor> self;
  caf::actor actor;
  std::uint64_t next_ref = 1;
  std::map<std::uint64_t, reply_message> replies;
  std::deque<client_event> events;
  record_files records;
  /// The parameter values of the jobs this client submitted: a records file must be one of them,
  /// so a master cannot make the client write where it likes.
  std::map<std::uint64_t, std::set<std::string>> own_files;
  /// Whether this client asked for progress lines: asked again after a reconnect.
  bool progress = false;
  /// The master's instance: the same after it restarted on its journal.
  std::string instance;
  caf::node_id master_node;
  bool lost = false;

  // Stops the client actor, then waits for the actor system to end.
  void stop() {
    if (actor) {
      caf::anon_send(actor, stop_atom::value, local());
    }
    self.reset();
    sys.reset();
  }

  std::string where() const { return "master " + to_string(opts.master); }

  // Takes one message from the client actor, waiting at most `timeout`; false when none came.
  bool pump(std::chrono::nanoseconds timeout) {
    bool got = false;
    (*self)->receive(
        [&](sealed_atom, local_proof p, std::string& body) {
          if (!is_local(p)) {
            return;
          }
          got = true;
          wire_message m;
          try {
            m = decode(body);
          } catch (const wire_error&) {
            return;
          }
          if (auto* r = std::get_if<reply_message>(&m)) {
            replies[r->ref] = std::move(*r);
          } else if (auto* l = std::get_if<line_message>(&m)) {
            events.push_back({client_event::type::line,
                              l->id,
                              static_cast<job_status>(l->status),
                              std::move(l->json),
                              {}});
          } else if (auto* n = std::get_if<note_message>(&m)) {
            auto type = n->file.empty() ? client_event::type::progress : client_event::type::record;
            events.push_back(
                {type, n->job, job_status::ok, std::move(n->text), std::move(n->file)});
          }
        },
        [&](lost_atom, local_proof p) {
          if (is_local(p)) {
            got = true;
            lost = true;
          }
        },
        caf::after(caf::timespan{timeout.count()}) >> [] {});
    return got;
  }

  // Dials the master and opens a session within --connect-timeout; throws client_error naming the
  // master and why not. A master on node `gone` is the one that went: CAF's middleman hands it out
  // for the same address until it has heard that it went, so the dial is repeated.
  void open(const caf::node_id& gone = {}) {
    auto& net = opts.network;
    auto deadline = steady::now() + opts.connect_timeout;
    auto give_up = opts.give_up;
    caf::actor master;
    for (;;) {
      auto dialed = dial_until(*sys, net.tls.has_value(), opts.master, deadline,
                               [&give_up] { return give_up && give_up(); });
      std::optional<std::string> why;
      if (auto* error = std::get_if<std::string>(&dialed)) {
        why = *error;
      } else if (gone && std::get<caf::actor>(dialed).node() == gone) {
        if (steady::now() < deadline && !(give_up && give_up())) {
          std::this_thread::sleep_for(redial_pause);
          continue;
        }
        why = "the connection to the master that went is still open";
      }
      if (why) {
        char within[32];
        std::snprintf(within, sizeof within, "%.1fs",
                      std::chrono::duration<double>(opts.connect_timeout).count());
        throw client_error("cannot reach " + where() + " within " + within + ": " + *why);
      }
      master = std::get<caf::actor>(dialed);
      break;
    }
    master_node = master.node();
    auto token = net.client_token ? net.client_token : net.token;
    actor = spawn_client_actor(*sys, master, token, caf::actor{*self});
    auto wait =
        std::max<std::chrono::nanoseconds>(deadline - steady::now(), std::chrono::seconds(5));
    std::optional<std::string> refusal;
    (*self)
        ->request(actor, caf::timespan{wait.count()}, client_atom::value, local())
        .receive([](client_atom) {}, [&](caf::error& err) { refusal = plain_words(err); });
    if (refusal) {
      throw client_error(where() + " refused this client: " + *refusal);
    }
    lost = false;
    auto status = nlohmann::json::parse(ask(status_message{0}).lines.at(0), nullptr, false);
    instance = status.is_object() && status["instance"].is_string()
                   ? status["instance"].get<std::string>()
                   : std::string();
  }

  // The session was lost (the master restarted, or the network failed): a new one, within
  // --connect-timeout. Replies still due are lost with the old session.
  void reconnect() {
    if (opts.on_notice) {
      opts.on_notice("lost the connection to " + where() + "; reconnecting");
    }
    caf::anon_send(actor, stop_atom::value, local());
    replies.clear();
    const auto before = instance;
    try {
      open(master_node);
    } catch (const client_error& e) {
      throw client_error("lost the connection to " + where() + " and " + e.what());
    }
    if (instance != before) {
      // Job numbers of another master name other jobs.
      throw client_error("lost the connection to " + where() +
                         "; it came back as a new master without this client's jobs (no "
                         "--journal)");
    }
    if (opts.on_notice) {
      opts.on_notice("reconnected to " + where());
    }
  }

  void check_lost() const {
    if (lost) {
      throw client_error("lost the connection to " + where());
    }
  }

  // Sends `m` (its ref set here) and waits for its reply; throws request_refused with the master's
  // error.
  template <class Message> reply_message ask(Message m) {
    check_lost();
    m.ref = next_ref++;
    auto ref = m.ref;
    (*self)->send(actor, sealed_atom::value, local(), encode(wire_message{std::move(m)}));
    auto deadline = steady::now() + reply_timeout;
    while (replies.count(ref) == 0) {
      check_lost();
      auto now = steady::now();
      if (now >= deadline) {
        throw client_error("no answer from " + where() + " within " +
                           std::to_string(reply_timeout.count()) + "s");
      }
      pump(deadline - now);
    }
    auto r = std::move(replies.at(ref));
    replies.erase(ref);
    if (!r.error.empty()) {
      throw request_refused(r.error);
    }
    return r;
  }
};

client::client(client_options opts) : impl_(std::make_unique<impl>()) {
  auto& m = *impl_;
  m.opts = std::move(opts);
  add_message_types(m.cfg);
  load_transport(m.cfg, m.opts.network.tls);
  apply_caf_settings(m.cfg, caf_keys(scheduler_settings{}, m.opts.network, 2));
  m.sys = std::make_unique<caf::actor_system>(m.cfg);
  m.self = std::make_unique<caf::scoped_actor>(*m.sys);
  try {
    m.open();
  } catch (...) {
    // The destructor does not run for a constructor that throws: the actor system would wait for
    // the client actor for ever.
    m.stop();
    throw;
  }
}

client::~client() {
  impl_->stop();
}

std::vector<std::uint64_t> client::submit(const std::vector<job_request>& jobs, bool wait,
                                          bool progress) {
  impl_->progress = impl_->progress || progress;
  auto ids = impl_->ask(submit_message{0, jobs, wait, progress}).ids;
  for (std::size_t i = 0; i < ids.size() && i < jobs.size(); ++i) {
    auto& files = impl_->own_files[ids[i]];
    for (const auto& [key, value] : jobs[i].args.all()) {
      files.insert(value);
    }
  }
  return ids;
}

void client::watch(const std::vector<std::uint64_t>& ids, bool progress) {
  impl_->progress = impl_->progress || progress;
  impl_->ask(wait_message{0, ids, progress});
}

std::vector<std::uint64_t> client::cancel(const std::vector<std::uint64_t>& ids) {
  return impl_->ask(cancel_jobs_message{0, ids}).ids;
}

std::vector<std::string> client::jobs(bool all) {
  return impl_->ask(list_message{0, all}).lines;
}

std::string client::status() {
  auto r = impl_->ask(status_message{0});
  return r.lines.empty() ? std::string("{}") : r.lines.front();
}

std::optional<client_event> client::next_event(std::chrono::nanoseconds timeout) {
  auto& m = *impl_;
  auto deadline = steady::now() + timeout;
  while (m.events.empty()) {
    m.check_lost();
    auto now = steady::now();
    if (now >= deadline) {
      return std::nullopt;
    }
    m.pump(deadline - now);
  }
  auto e = std::move(m.events.front());
  m.events.pop_front();
  return e;
}

std::vector<job_outcome> client::wait(const std::vector<std::uint64_t>& ids,
                                      const std::function<void(const job_outcome&)>& on_line,
                                      const std::function<void(const std::string&)>& on_progress,
                                      const std::function<bool()>& cancel_requested) {
  constexpr auto poll = std::chrono::milliseconds(50);
  std::map<std::uint64_t, job_outcome> ended;
  std::vector<job_outcome> out;
  bool cancel_sent = false;
  while (out.size() < ids.size()) {
    if (!cancel_sent && cancel_requested && cancel_requested()) {
      cancel_sent = true;
      cancel(ids);
    }
    std::optional<client_event> e;
    try {
      e = next_event(poll);
    } catch (const client_error&) {
      if (!impl_->lost) {
        throw;
      }
      // A master with a journal comes back with these jobs under their ids; one without it
      // does not know them any more.
      impl_->reconnect();
      std::vector<std::uint64_t> rest;
      for (std::size_t i = out.size(); i < ids.size(); ++i) {
        if (ended.count(ids[i]) == 0) {
          rest.push_back(ids[i]);
        }
      }
      try {
        watch(rest, impl_->progress);
      } catch (const request_refused& r) {
        throw client_error(impl_->where() + " came back without its jobs: " + r.what());
      }
      if (cancel_sent) {
        cancel(rest);
      }
      continue;
    }
    if (e) {
      switch (e->what) {
      case client_event::type::progress:
        if (on_progress) {
          on_progress(e->text);
        }
        break;
      case client_event::type::record: {
        auto own = impl_->own_files.find(e->job);
        if (own == impl_->own_files.end() || own->second.count(e->file) == 0) {
          break;
        }
        if (auto err = impl_->records.write(e->job, e->file, e->text)) {
          throw client_error(*err);
        }
        break;
      }
      case client_event::type::line:
        impl_->records.close(e->job);
        impl_->own_files.erase(e->job);
        ended[e->job] = job_outcome{e->status, std::move(e->text)};
        break;
      }
    }
    while (out.size() < ids.size()) {
      auto i = ended.find(ids[out.size()]);
      if (i == ended.end()) {
        break;
      }
      if (on_line) {
        on_line(i->second);
      }
      out.push_back(std::move(i->second));
      ended.erase(i);
    }
  }
  return out;
}

} // namespace cohort
