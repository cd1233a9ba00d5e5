// A thin shell over master_core: checks who speaks (a session's seal, or this process's local
// proof), routes what they say to the core, and sends what it decides.
#include "actors/master_actor.hpp"

#include "actors/error_words.hpp"

#include "actors/guarded_actor.hpp"
#include "actors/messages.hpp"
#include "actors/watch.hpp"
#include "core/client_desk.hpp"
#include "core/dropped_messages.hpp"
#include "core/master_core.hpp"
#include "core/peer_names.hpp"
#include "core/record_files.hpp"
#include "core/session.hpp"
#include "core/wire.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace cohort {

namespace {

// A worker that leaves a batch unanswered this long, while its process stays connected, is taken
// for lost; heartbeats find a dead or frozen process within seconds, so this only catches one that
// is alive but never answers. It does not depend on a job's task timeout: the tick handles those,
// and a worker's credit is freed only when it answers its tasks or is gone.
constexpr auto silence_limit = std::chrono::hours(24);
constexpr auto tick_interval = std::chrono::milliseconds(100);
constexpr auto bye_timeout = std::chrono::seconds(1);
constexpr auto progress_interval = std::chrono::seconds(1);
// How often the status page's view is taken (--http).
constexpr auto publish_interval = std::chrono::milliseconds(250);

/// A join between the worker's nonce and its proof.
struct pending_join {
  caf::actor worker;
  worker_hello hello;
};

/// How the master reaches one worker: its handle, and for a worker in another process, the session
/// its messages are sealed under.
struct worker_link {
  caf::actor handle;
  std::unique_ptr<session> sealed;
};

/// A client in another process: its handle, its session, and its number at the desk.
struct client_link {
  caf::actor handle;
  std::unique_ptr<session> sealed;
  std::uint64_t number = 0;
};

struct master_state {
  std::unique_ptr<master_core> core;
  /// Serving clients (--serve): their sessions by number, and what they are told.
  bool serve = false;
  std::unique_ptr<client_desk> desk;
  std::unique_ptr<handshake_answerer<caf::actor>> client_joins;
  /// The records files of the jobs of the master's own command line.
  record_files records;
  std::unordered_map<std::uint64_t, client_link> clients;
  std::unordered_map<std::uint64_t, std::uint64_t> client_by_session;
  /// Each client actor opens one session.
  std::unordered_set<caf::actor> client_actors;
  bool progress = false;
  std::function<void(const std::vector<job_progress_report>&)> on_progress;
  master_core::clock::time_point last_progress;
  /// Each present worker's link, by slot; dropped when the worker leaves.
  std::vector<worker_link> links;
  /// Local workers by address (their answers carry the local proof); remote ones by session.
  std::unordered_map<caf::actor_addr, worker_ref> local_by_addr;
  std::unordered_map<std::uint64_t, worker_ref> by_session;
  std::unique_ptr<handshake_answerer<pending_join>> joins;
  std::unordered_map<std::uint64_t, caf::response_promise> promises;
  /// When a speculate message is due (master_core::speculation_due), if one is on its way.
  std::optional<master_core::clock::time_point> speculation_armed;
  /// With --journal: where the core's records go, and the jobs held unfinished, by id.
  std::shared_ptr<journal_writer> journal;
  std::unordered_map<std::uint64_t, unfinished_job> held;
  /// With --http: where its view goes, how often, and what names it.
  std::function<void(status_view)> publish;
  /// How long a connection may be silent before it is taken for lost (words of a worker's loss).
  std::optional<std::chrono::nanoseconds> silence;
  master_core::clock::time_point started;
  master_core::clock::time_point last_publish;
  std::string instance;
  std::uint64_t dropped_seen = 0;
};

using master_actor = guarded_actor<master_state>;

void settle(caf::response_promise& rp, const std::shared_ptr<std::size_t>& remaining) {
  if (--*remaining == 0) {
    rp.deliver(bye_atom::value);
  }
}

// Sends `m` to a worker: sealed under its session when it has one, else (an in-process worker) as
// local messages.
void tell(master_actor* self, worker_link& link, wire_message m) {
  if (link.sealed) {
    self->send(link.handle, sealed_atom::value, link.sealed->seal(encode(m)));
    return;
  }
  if (auto* run = std::get_if<run_message>(&m)) {
    self->send(link.handle, run_atom::value, local(), std::move(run->job), run->batch,
               std::move(run->tasks));
  } else if (auto* job = std::get_if<cancel_job_message>(&m)) {
    self->send(link.handle, cancel_atom::value, local(), job->job);
  } else if (auto* task = std::get_if<cancel_task_message>(&m)) {
    self->send(link.handle, cancel_atom::value, local(), task->job, task->index, task->attempt);
  }
}

// Forgets a worker (gone, or not to be trusted any more): its link, its session and its slot.
void drop_worker(master_actor* self, worker_ref ref, master_core::clock::time_point now) {
  auto& st = self->state;
  if (!st.core->workers().current(ref)) {
    return;
  }
  auto link = std::move(st.links[ref.slot]);
  if (link.sealed) {
    st.by_session.erase(link.sealed->id());
  } else {
    st.local_by_addr.erase(link.handle.address());
  }
  st.core->remove_worker(ref, now);
}

void deliver(master_actor* self);

/// The progress of the master's own jobs (a client's goes to the client).
void show_progress(master_actor* self, const std::vector<job_progress>& all) {
  std::vector<job_progress_report> own;
  for (const auto& p : all) {
    if (p.owner == 0) {
      own.push_back(p.report);
    }
  }
  auto& st = self->state;
  if (st.on_progress) {
    st.on_progress(own);
    return;
  }
  for (const auto& p : own) {
    std::fprintf(stderr, "%s\n", plain_progress_line(p).c_str());
  }
}

void flush(master_actor* self) {
  auto& st = self->state;
  auto now = master_core::clock::now();
  for (auto& b : st.core->dispatch(now)) {
    spdlog::debug("sent batch {} ({} tasks of job {}) to worker {}", b.id, b.tasks.size(), b.job,
                  st.core->workers().at(b.worker).id);
    tell(self, st.links[b.worker.slot],
         run_message{b.id, st.core->desc(b.job), std::move(b.tasks)});
  }
  for (const auto& c : st.core->take_cancels()) {
    auto& link = st.links[c.worker.slot];
    if (c.task) {
      tell(self, link, cancel_task_message{c.job, c.task->index, c.task->attempt});
    } else {
      tell(self, link, cancel_job_message{c.job});
    }
  }
  if (st.journal) {
    st.journal->post(st.core->take_journal(now));
  }
  // Records before lines: a submitter has written a job's records when it gets the job's line.
  auto records = st.core->take_records();
  for (const auto& r : records) {
    if (r.owner == 0) {
      if (auto err = st.records.write(r.job, r.file, r.line, r.resumed)) {
        spdlog::error("{}", *err);
      }
    }
  }
  st.desk->records(records);
  auto ended = st.core->take_ended();
  if (st.serve) {
    // Only a serving master keeps ended jobs (--history): a one-shot one has printed them.
    st.desk->ended(ended);
  }
  for (auto& e : ended) {
    st.records.close(e.job);
    auto i = st.promises.find(e.job);
    if (i != st.promises.end()) {
      i->second.deliver(static_cast<std::int32_t>(e.outcome.status), std::move(e.outcome.json));
      st.promises.erase(i);
    }
  }
  deliver(self);
  auto due = st.core->speculation_due(now);
  if (due && (!st.speculation_armed || *due < *st.speculation_armed)) {
    // Just past the moment, as an attempt must run longer than the threshold.
    st.speculation_armed = *due;
    self->delayed_send(self, *due - now + std::chrono::milliseconds(1), speculate_atom::value,
                       local());
  }
}

// Sends the desk's messages to their clients, sealed under each one's session.
void deliver(master_actor* self) {
  auto& st = self->state;
  for (auto& d : st.desk->take_deliveries()) {
    auto i = st.clients.find(d.client);
    if (i != st.clients.end()) {
      self->send(i->second.handle, sealed_atom::value, i->second.sealed->seal(encode(d.message)));
    }
  }
}

// What a client says, once its envelope proved its session.
void on_client(master_actor* self, client_link& c, wire_message m) {
  auto& st = self->state;
  auto now = master_core::clock::now();
  std::optional<reply_message> reply;
  if (auto* submit = std::get_if<submit_message>(&m)) {
    reply = st.desk->submit(c.number, *submit, now);
  } else if (auto* wait = std::get_if<wait_message>(&m)) {
    reply = st.desk->wait(c.number, *wait);
  } else if (auto* cancel = std::get_if<cancel_jobs_message>(&m)) {
    reply = st.desk->cancel(*cancel, now);
  } else if (auto* list = std::get_if<list_message>(&m)) {
    reply = st.desk->list(*list, now);
  } else if (auto* status = std::get_if<status_message>(&m)) {
    reply = st.desk->status(*status, now);
  } else {
    note_dropped("a worker's message from a client");
    return;
  }
  // The reply first, then what the request caused (lines of jobs ended already, batches).
  self->send(c.handle, sealed_atom::value, c.sealed->seal(encode(*reply)));
  flush(self);
}

/// "ID on HOST (2 slots, tags gpu,ssd, allows exec)".
std::string joined_words(const worker_entry& w) {
  auto list = [](const std::vector<std::string>& xs) {
    std::string out;
    for (const auto& x : xs) {
      out += (out.empty() ? "" : ",") + x;
    }
    return out;
  };
  auto out =
      w.id + " on " + w.host + " (" + std::to_string(w.slots) + (w.slots == 1 ? " slot" : " slots");
  if (!w.tags.empty()) {
    out += ", tags " + list(w.tags);
  }
  if (!w.capabilities.empty()) {
    out += ", allows " + list(w.capabilities);
  }
  return out + ")";
}

/// Why a worker left: it drained, or it was lost and how.
std::string left_words(const worker_entry& w, bool remote, const caf::error& reason,
                       std::optional<std::chrono::nanoseconds> silence) {
  if (w.draining) {
    return "drained";
  }
  if (remote && reason == caf::exit_reason::remote_link_unreachable) {
    if (silence && silence->count() > 0) {
      char limit[32];
      std::snprintf(limit, sizeof limit, "%g s", std::chrono::duration<double>(*silence).count());
      return std::string("lost: connection closed, or silent for ") + limit;
    }
    return "lost: connection closed";
  }
  return (remote ? "lost: " : "stopped: ") + plain_words(reason);
}

worker_ref add_worker(master_actor* self, caf::actor handle, worker_entry entry,
                      std::unique_ptr<session> sealed) {
  auto& st = self->state;
  spdlog::info("worker joined: {}", joined_words(entry));
  entry.node = caf::to_string(handle.node());
  auto ref = st.core->add_worker(std::move(entry));
  if (sealed) {
    st.by_session.emplace(sealed->id(), ref);
  } else {
    st.local_by_addr.emplace(handle.address(), ref);
  }
  watch(handle, caf::actor{self}, ref.slot, ref.generation);
  if (ref.slot >= st.links.size()) {
    st.links.resize(ref.slot + 1);
  }
  st.links[ref.slot] = worker_link{std::move(handle), std::move(sealed)};
  return ref;
}

worker_entry entry_of(worker_hello& hello) {
  worker_entry e;
  e.id = std::move(hello.id);
  e.host = std::move(hello.host);
  e.tags = std::move(hello.tags);
  e.capabilities = std::move(hello.capabilities);
  e.slots = std::max(1u, hello.slots);
  e.concurrency = std::max(1u, hello.concurrency);
  return e;
}

/// Why a worker's hello cannot be taken, or nothing.
std::optional<std::string> refusal_of(const worker_hello& hello) {
  if (hello.protocol != protocol_version) {
    return "protocol version " + std::to_string(hello.protocol) +
           " refused: the master speaks version " + std::to_string(protocol_version);
  }
  if (!valid_peer_name(hello.id) || !valid_peer_name(hello.host)) {
    return "a worker id and host must be 1 to " + std::to_string(max_peer_name) +
           " printable characters";
  }
  for (const auto& t : hello.tags) {
    if (!valid_peer_name(t)) {
      return "a tag must be 1 to " + std::to_string(max_peer_name) + " printable characters";
    }
  }
  return std::nullopt;
}

// What a worker in another process says, once its envelope proved its session.
void on_sealed(master_actor* self, worker_ref from, wire_message m) {
  auto& st = self->state;
  auto now = master_core::clock::now();
  if (auto* answers = std::get_if<answers_message>(&m)) {
    st.core->on_results(answers->batch, from, std::move(answers->answers), answers->final, now);
  } else if (std::holds_alternative<leave_message>(m)) {
    spdlog::info("worker draining: {}", st.core->workers().at(from).id);
    st.core->note("worker draining: " + st.core->workers().at(from).id);
    st.core->drain_worker(from);
  } else {
    note_dropped("a master's message from worker " + st.core->workers().at(from).id);
    return;
  }
  flush(self);
}

caf::behavior master_behavior(master_actor* self, master_options opts) {
  auto& st = self->state;
  auto now = master_core::clock::now();
  st.core = std::make_unique<master_core>(opts.settings);
  st.core->number_after(opts.journal_last_id);
  st.journal = std::move(opts.journal);
  if (st.journal) {
    // The writer's thread tells the master what it wrote; a weak handle, as the master owns it.
    st.journal->on_written(
        [master = caf::actor_cast<caf::weak_actor_ptr>(self)](std::uint64_t ticket, bool ok) {
          if (auto strong = master.lock()) {
            caf::anon_send(caf::actor_cast<caf::actor>(strong), written_atom::value, local(),
                           ticket, ok);
          }
        });
  }
  for (auto& h : opts.held) {
    const auto id = h.id;
    st.held.emplace(id, std::move(h));
  }
  st.serve = opts.settings.serve;
  st.desk = std::make_unique<client_desk>(*st.core, opts.kinds, data_roots(opts.settings.data_dirs),
                                          opts.settings.history, now, opts.instance);
  st.desk->remember(opts.finished);
  st.publish = std::move(opts.publish);
  st.on_progress = std::move(opts.on_progress);
  st.silence = opts.silence;
  st.started = now;
  st.instance = opts.instance;
  st.joins = std::make_unique<handshake_answerer<pending_join>>(opts.token);
  st.client_joins = std::make_unique<handshake_answerer<caf::actor>>(
      opts.client_token ? opts.client_token : opts.token);
  st.progress = opts.settings.progress;
  st.last_progress = master_core::clock::now();
  for (auto& [handle, entry] : opts.local_workers) {
    add_worker(self, handle, entry, nullptr);
  }
  self->set_default_handler(
      [](caf::scheduled_actor*, caf::message_view& m) -> caf::result<caf::message> {
        note_dropped("a message the master does not take (" + std::to_string(m.content().size()) +
                     " elements)");
        return caf::sec::unexpected_message;
      });
  self->send(self, tick_atom::value, local());
  return {
      [self](join_atom, caf::actor worker, worker_hello& hello,
             const std::string& nonce) -> caf::result<handshake_answer> {
        // A worker in another process opens its join: its hello, and a nonce the answer's proof
        // covers. Nothing is kept but a bounded pending entry until it proves the token.
        if (auto why = refusal_of(hello)) {
          note_dropped("a join of worker " + loggable(hello.id) + " from " + loggable(hello.host) +
                       ", refused: " + *why);
          return refused(*why);
        }
        if (!worker) {
          return refused("a join names no worker actor");
        }
        try {
          return self->state.joins->answer(nonce, pending_join{std::move(worker), hello});
        } catch (const handshake_refused& e) {
          return refused(e.what());
        }
      },
      [self](join_atom, std::uint64_t session_id, const std::string& proof) {
        auto& st = self->state;
        auto rp = self->make_response_promise();
        try {
          auto [key, join] = st.joins->finish(session_id, proof);
          auto sealed = std::make_unique<session>(session_id, key, direction::to_worker,
                                                  direction::to_master);
          add_worker(self, std::move(join.worker), entry_of(join.hello), std::move(sealed));
        } catch (const handshake_refused& e) {
          note_dropped(std::string("a worker's join, refused: ") + e.what());
          rp.deliver(refused(e.what()));
          return rp;
        }
        // The answer goes first: the worker opens its session with it, before any batch arrives.
        rp.deliver(join_atom::value);
        flush(self);
        return rp;
      },
      [self](join_atom, local_proof p, caf::actor worker, worker_hello& hello,
             std::uint64_t session_id, const key128& key) {
        // A worker spawned on a node and attached by this process (runtime.cpp, --spawn-on).
        if (!is_local(p) || self->state.by_session.count(session_id) != 0) {
          return;
        }
        add_worker(
            self, std::move(worker), entry_of(hello),
            std::make_unique<session>(session_id, key, direction::to_worker, direction::to_master));
        flush(self);
      },
      [self](sealed_atom, const envelope& e) {
        auto& st = self->state;
        if (auto c = st.client_by_session.find(e.session); c != st.client_by_session.end()) {
          auto& client = st.clients.at(c->second);
          if (!client.sealed->open(e)) {
            note_dropped("an envelope that did not open under its client session");
            return;
          }
          try {
            on_client(self, client, decode(e.body));
          } catch (const wire_error& err) {
            note_dropped(std::string("a malformed message from a client: ") + err.what());
          }
          return;
        }
        auto i = st.by_session.find(e.session);
        if (i == st.by_session.end() || !st.links[i->second.slot].sealed->open(e)) {
          note_dropped("an envelope that did not open under its session");
          return;
        }
        auto from = i->second;
        try {
          on_sealed(self, from, decode(e.body));
        } catch (const wire_error& err) {
          note_dropped("a malformed message from worker " + st.core->workers().at(from).id + ": " +
                       err.what());
        }
      },
      [self](client_atom, caf::actor client, std::uint32_t protocol,
             const std::string& nonce) -> caf::result<handshake_answer> {
        // A client opens a session: `cohort submit`, `wait`, `jobs`, `cancel`, `status`.
        if (!self->state.serve) {
          return refused("this master takes no clients (start it with --serve)");
        }
        if (protocol != protocol_version) {
          return refused("the client speaks protocol version " + std::to_string(protocol) +
                         ", the master version " + std::to_string(protocol_version));
        }
        if (!client) {
          return refused("a client's handshake names no actor");
        }
        try {
          return self->state.client_joins->answer(nonce, std::move(client));
        } catch (const handshake_refused& e) {
          return refused(e.what());
        }
      },
      [self](client_atom, std::uint64_t session_id,
             const std::string& proof) -> caf::result<client_atom> {
        auto& st = self->state;
        try {
          auto [key, handle] = st.client_joins->finish(session_id, proof);
          if (st.client_by_session.count(session_id) != 0) {
            return refused("a session under that number is open already");
          }
          if (!st.client_actors.insert(handle).second) {
            return refused("this client has a session already");
          }
          auto number = st.desk->add_client();
          watch(handle, caf::actor{self}, number);
          st.client_by_session.emplace(session_id, number);
          st.clients.emplace(
              number, client_link{std::move(handle),
                                  std::make_unique<session>(session_id, key, direction::to_client,
                                                            direction::to_server),
                                  number});
        } catch (const handshake_refused& e) {
          note_dropped(std::string("a client's session, refused: ") + e.what());
          return refused(e.what());
        }
        return client_atom::value;
      },
      [self](lost_atom, local_proof p, std::uint64_t client, const caf::error&) {
        // A client went; its jobs run on.
        auto& st = self->state;
        auto i = st.clients.find(client);
        if (!is_local(p) || i == st.clients.end()) {
          return;
        }
        st.client_by_session.erase(i->second.sealed->id());
        st.client_actors.erase(i->second.handle);
        st.clients.erase(i);
        st.desk->remove_client(client);
      },
      [self](part_atom, local_proof p, std::uint64_t batch, std::vector<task_result>& answers,
             bool final) {
        // Answers of a worker actor in this process.
        auto& st = self->state;
        auto sender = self->current_sender();
        auto i = sender ? st.local_by_addr.find(sender->address()) : st.local_by_addr.end();
        if (!is_local(p) || i == st.local_by_addr.end()) {
          note_dropped("answers from an actor that is not a worker");
          return;
        }
        st.core->on_results(batch, i->second, std::move(answers), final, master_core::clock::now());
        flush(self);
      },
      [self](lost_atom, local_proof p, std::uint32_t slot, std::uint32_t generation,
             const caf::error& reason) {
        if (!is_local(p)) {
          return;
        }
        worker_ref ref{slot, generation};
        const auto& workers = self->state.core->workers();
        if (!workers.current(ref)) {
          return;
        }
        auto& st = self->state;
        const bool remote = ref.slot < st.links.size() && st.links[ref.slot].sealed != nullptr;
        auto line = "worker left: " + workers.at(ref).id + " (" +
                    left_words(workers.at(ref), remote, reason, st.silence) + ")";
        spdlog::info("{}", line);
        st.core->note(line);
        drop_worker(self, ref, master_core::clock::now());
        flush(self);
      },
      [self](submit_atom, const checked_job& job) {
        auto& st = self->state;
        auto rp = self->make_response_promise();
        auto id = st.core->submit(job, master_core::clock::now());
        st.promises.emplace(id, rp);
        flush(self);
        return rp;
      },
      [self](held_atom, const checked_job& job, std::uint64_t held_id) {
        // The journal's job `held_id`, given again (or resumed with no job given): it goes on
        // where the last master left it.
        auto& st = self->state;
        auto rp = self->make_response_promise();
        auto h = st.held.find(held_id);
        std::uint64_t id = 0;
        if (h == st.held.end()) {
          id = st.core->submit(job, master_core::clock::now());
        } else {
          id = st.core->resume(job, h->second, master_core::clock::now());
          st.held.erase(h);
        }
        st.promises.emplace(id, rp);
        flush(self);
        return rp;
      },
      [self](resume_atom, local_proof p, const std::vector<std::uint64_t>& ids) {
        // A serving master's journal jobs that no command-line job took up: they go on as its
        // clients' jobs.
        auto& st = self->state;
        if (!is_local(p)) {
          return;
        }
        std::vector<unfinished_job> jobs;
        for (auto id : ids) {
          if (auto h = st.held.find(id); h != st.held.end()) {
            jobs.push_back(std::move(h->second));
            st.held.erase(h);
          }
        }
        for (const auto& why : st.desk->resume(std::move(jobs), master_core::clock::now())) {
          spdlog::error("journal: {}", why);
        }
        flush(self);
      },
      [self](written_atom, local_proof p, std::uint64_t ticket, bool ok) {
        if (!is_local(p)) {
          return;
        }
        if (ok) {
          self->state.core->journal_written(ticket);
        } else {
          self->state.core->journal_failed(master_core::clock::now());
        }
        flush(self);
      },
      [self](bye_atom, local_proof p) {
        // Before a normal shutdown: workers in other processes learn the master ended, not lost.
        auto rp = self->make_response_promise();
        if (!is_local(p)) {
          rp.deliver(refused("bye is this process's own"));
          return rp;
        }
        auto remote = std::make_shared<std::size_t>(0);
        for (auto& link : self->state.links) {
          if (!link.sealed) {
            continue;
          }
          ++*remote;
          self->request(link.handle, bye_timeout, bye_atom::value,
                        link.sealed->seal(encode(bye_message{})))
              .then([rp, remote](bye_atom) mutable { settle(rp, remote); },
                    [rp, remote](caf::error&) mutable { settle(rp, remote); });
        }
        if (*remote == 0) {
          rp.deliver(bye_atom::value);
        }
        return rp;
      },
      [self](cancel_atom, local_proof p) {
        if (!is_local(p)) {
          return;
        }
        // Sent on a stop signal: nothing new is taken after it. With a journal, what runs is
        // left to it, to resume at the next start.
        self->state.desk->close();
        if (self->state.journal) {
          self->state.core->suspend_all(master_core::clock::now());
        }
        self->state.core->cancel_all(master_core::clock::now());
        flush(self);
      },
      [self](idle_atom, local_proof p) {
        // Whether no job runs any more (a serving master stops once its jobs ended).
        return is_local(p) && self->state.core->running_jobs() == 0;
      },
      [self](speculate_atom, local_proof p) {
        if (!is_local(p)) {
          return;
        }
        self->state.speculation_armed.reset();
        flush(self);
      },
      [self](stop_atom, local_proof p) {
        if (is_local(p)) {
          self->quit();
        }
      },
      [self](tick_atom, local_proof p) {
        if (!is_local(p)) {
          return;
        }
        auto& st = self->state;
        auto now = master_core::clock::now();
        st.core->tick(now);
        for (auto w : st.core->silent_workers(now, silence_limit)) {
          spdlog::warn("dropped worker {}: no answer within 24 h", st.core->workers().at(w).id);
          drop_worker(self, w, now);
        }
        if (now - st.last_progress >= progress_interval) {
          st.last_progress = now;
          auto progress = st.core->progress(now);
          if (st.progress) {
            show_progress(self, progress);
          }
          st.desk->progress(progress);
          deliver(self);
        }
        if (st.publish && now - st.last_publish >= publish_interval) {
          st.last_publish = now;
          if (const auto dropped_now = dropped().total(); dropped_now > st.dropped_seen) {
            st.core->note("dropped " + std::to_string(dropped_now - st.dropped_seen) +
                          " messages that proved nothing (forged, routed or from strangers)");
            st.dropped_seen = dropped_now;
          }
          auto v = st.core->view(now);
          v.uptime_s = std::chrono::duration<double>(now - st.started).count();
          v.instance = st.instance;
          v.messages_dropped = dropped().total();
          st.publish(std::move(v));
        }
        flush(self);
        self->delayed_send(self, tick_interval, tick_atom::value, local());
      },
  };
}

} // namespace

caf::actor spawn_master(caf::actor_system& sys, master_options opts) {
  return sys.spawn(master_behavior, std::move(opts));
}

} // namespace cohort
