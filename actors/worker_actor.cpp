// A thin shell over worker_core: checks who speaks (the master's session seal, or this process's
// local proof), routes batches and cancels to the core, wake-ups and timers as local messages to
// itself, and sends back the answers the core hands out.
#include "actors/worker_actor.hpp"

#include "actors/error_words.hpp"

#include "actors/guarded_actor.hpp"
#include "actors/messages.hpp"
#include "actors/watch.hpp"
#include "cohort/request.hpp"
#include "core/peer_names.hpp"
#include "core/session.hpp"
#include "core/wire.hpp"
#include "core/worker_core.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <unordered_map>

namespace cohort {

namespace {

struct worker_state : task_runner::waker, request_channel {
  caf::event_based_actor* self = nullptr;
  std::unique_ptr<worker_core> core;
  /// The master's number of each batch held, by the core's id.
  std::unordered_map<std::uint64_t, std::uint64_t> master_batches;
  /// The master it takes work from; with `sealed`, one in another process.
  caf::actor master;
  std::unique_ptr<session> sealed;
  /// A spawned worker's pending attach (it answers the handshake once).
  std::unique_ptr<handshake_answerer<caf::actor>> attach;
  std::shared_ptr<master_watch> watch;
  // Answered once this worker holds no task: after a drain request, when the last one finished or
  // the drain time ran out.
  caf::response_promise drained;

  void wake(std::uint64_t slot, std::uint64_t generation, std::chrono::nanoseconds delay) override {
    if (delay <= std::chrono::nanoseconds::zero()) {
      self->send(self, resume_atom::value, local(), slot, generation);
    } else {
      self->delayed_send(self, delay, resume_atom::value, local(), slot, generation);
    }
  }

  std::function<void()> wake_from_anywhere(std::uint64_t slot, std::uint64_t generation) override {
    // A handle, not `self`: the call may end after this actor did.
    return [to = caf::actor_cast<caf::actor>(self), slot, generation] {
      caf::anon_send(to, resume_atom::value, local(), slot, generation);
    };
  }

  caf::event_based_actor* sender() override { return self; }

  parking park(task_context& ctx, std::coroutine_handle<> h) override {
    auto [slot, generation] = core->park(ctx, h);
    return {slot, generation};
  }

  bool waiting(parking p) const override { return core->waiting(p.slot, p.generation); }

  void wake(parking p) override {
    core->resume(p.slot, p.generation);
    carry_out();
  }

  void send_answers(std::uint64_t master_batch, std::vector<task_result> answers, bool final) {
    if (!master) {
      return;
    }
    if (sealed) {
      self->send(master, sealed_atom::value,
                 sealed->seal(encode(answers_message{master_batch, final, std::move(answers)})));
    } else {
      self->send(master, part_atom::value, local(), master_batch, std::move(answers), final);
    }
  }

  // Does what the core decided after an input.
  void carry_out() {
    auto out = core->take_output();
    for (auto& a : out.ahead) {
      send_answers(a.master_batch, std::move(a.answers), false);
    }
    for (auto& a : out.answers) {
      auto i = master_batches.find(a.batch);
      if (i != master_batches.end()) {
        send_answers(i->second, std::move(a.answers), true);
        master_batches.erase(i);
      }
    }
    if (out.part_timer) {
      self->delayed_send(self, *out.part_timer, part_atom::value, local());
    }
    if (out.drained && drained.pending()) {
      drained.deliver(drain_atom::value);
    }
  }

  void start(const job_desc& job, std::uint64_t master_batch, std::vector<task_spec> tasks) {
    auto id = core->start_batch(job, master_batch, std::move(tasks));
    master_batches.emplace(id, master_batch);
    carry_out();
  }

  void cancel(std::uint64_t job) {
    for (auto index : core->cancel_job(job)) {
      spdlog::debug("cancelled job {} task {}", job, index);
    }
    carry_out();
  }

  void cancel(std::uint64_t job, std::uint64_t index, std::uint32_t attempt) {
    if (core->cancel_task(job, index, attempt)) {
      spdlog::debug("cancelled job {} task {}", job, index);
    }
    carry_out();
  }

  // Ends every task without answering: the master is gone, or the process stops.
  void stop(caf::event_based_actor* s, const std::string& why) {
    auto cancelled = core->cancel_all();
    if (!cancelled.empty()) {
      spdlog::debug("stopping: cancelled {} tasks ({})", cancelled.size(), why);
    }
    s->quit();
  }
};

using worker_actor = guarded_actor<worker_state>;

// The master's sealed messages, once their envelope proved the session.
void on_sealed(worker_actor* self, wire_message m) {
  auto& st = self->state;
  if (auto* run = std::get_if<run_message>(&m)) {
    st.start(run->job, run->batch, std::move(run->tasks));
  } else if (auto* job = std::get_if<cancel_job_message>(&m)) {
    st.cancel(job->job);
  } else if (auto* task = std::get_if<cancel_task_message>(&m)) {
    st.cancel(task->job, task->index, task->attempt);
  } else {
    note_dropped("a worker's message from its master");
  }
}

caf::behavior worker_behavior(worker_actor* self, worker_options opts, bool spawned) {
  auto& st = self->state;
  st.self = self;
  st.watch = opts.watch;
  worker_core::settings cs;
  cs.slowdown = opts.slowdown;
  cs.batch = opts.batch;
  cs.capabilities = opts.hello.capabilities;
  cs.channel = &st;
  st.core = std::make_unique<worker_core>(opts.kinds, st, std::move(cs));
  if (spawned) {
    st.attach = std::make_unique<handshake_answerer<caf::actor>>(opts.token);
  }
  self->set_default_handler(
      [](caf::scheduled_actor*, caf::message_view& m) -> caf::result<caf::message> {
        note_dropped("a message the worker does not take (" + std::to_string(m.content().size()) +
                     " elements)");
        return caf::sec::unexpected_message;
      });
  return {
      // From a master in this process.
      [self](run_atom, local_proof p, const job_desc& job, std::uint64_t master_batch,
             std::vector<task_spec>& tasks) {
        auto& st = self->state;
        if (!is_local(p) || st.sealed) {
          note_dropped("a local batch for a worker of a remote master");
          return;
        }
        st.master = caf::actor_cast<caf::actor>(self->current_sender());
        st.start(job, master_batch, std::move(tasks));
      },
      [self](cancel_atom, local_proof p, std::uint64_t job) {
        if (is_local(p)) {
          self->state.cancel(job);
        }
      },
      [self](cancel_atom, local_proof p, std::uint64_t job, std::uint64_t index,
             std::uint32_t attempt) {
        if (is_local(p)) {
          self->state.cancel(job, index, attempt);
        }
      },
      // From a master in another process, sealed under its session.
      [self](sealed_atom, const envelope& e) {
        auto& st = self->state;
        if (!st.sealed || !st.sealed->open(e)) {
          note_dropped("an envelope that did not open under the master's session");
          return;
        }
        try {
          on_sealed(self, decode(e.body));
        } catch (const wire_error& err) {
          note_dropped(std::string("a malformed message from the master: ") + err.what());
        }
      },
      [self](bye_atom, const envelope& e) -> caf::result<bye_atom> {
        auto& st = self->state;
        bool bye = false;
        try {
          bye = st.sealed && st.sealed->open(e) &&
                std::holds_alternative<bye_message>(decode(e.body));
        } catch (const wire_error&) {
          bye = false;
        }
        if (!bye) {
          note_dropped("a goodbye that did not open under the master's session");
          return refused("not this worker's master");
        }
        if (st.watch) {
          st.watch->said_bye();
        }
        return bye_atom::value;
      },
      // Its node joins it to a remote master: the worker proves the token and opens the session.
      [self, token = opts.token, hello = opts.hello](join_atom, local_proof p,
                                                     const caf::actor& master) {
        auto rp = self->make_response_promise();
        if (!is_local(p) || self->state.sealed || !master) {
          rp.deliver(refused("this worker takes no join"));
          return rp;
        }
        auto opener = std::make_shared<handshake_opener>(token);
        // Without a timeout of their own (CAF keeps each one until it fires, answered or not):
        // the node's request for the whole join is bounded, and stops this worker when it runs
        // out.
        self->request(master, caf::infinite, join_atom::value, caf::actor{self}, hello,
                      opener->nonce())
            .then(
                [self, rp, opener, master](handshake_answer& answer) mutable {
                  handshake_opener::completion done;
                  try {
                    done = opener->complete(answer);
                  } catch (const handshake_refused& e) {
                    rp.deliver(refused(e.what()));
                    return;
                  }
                  auto session_id = answer.session;
                  auto key = done.key;
                  auto distrust = done.distrust;
                  self->request(master, caf::infinite, join_atom::value, session_id, done.proof)
                      .then(
                          [self, rp, master, session_id, key, distrust](join_atom) mutable {
                            if (distrust) {
                              rp.deliver(refused(*distrust));
                              return;
                            }
                            auto& st = self->state;
                            st.master = master;
                            st.sealed = std::make_unique<session>(
                                session_id, key, direction::to_master, direction::to_worker);
                            rp.deliver(join_atom::value);
                          },
                          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
                },
                [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      },
      // A spawn node's worker: the master that spawned it opens the attach handshake.
      [self](attach_atom, const caf::actor& master,
             const std::string& nonce) -> caf::result<handshake_answer> {
        auto& st = self->state;
        if (!st.attach || st.sealed || !master) {
          return refused("this worker takes no attach");
        }
        try {
          return st.attach->answer(nonce, master);
        } catch (const handshake_refused& e) {
          return refused(e.what());
        }
      },
      [self, hello = opts.hello](attach_atom, std::uint64_t session_id,
                                 const std::string& proof) -> caf::result<worker_hello> {
        auto& st = self->state;
        if (!st.attach || st.sealed) {
          return refused("this worker is attached already");
        }
        try {
          auto [key, master] = st.attach->finish(session_id, proof);
          st.master = master;
          st.sealed = std::make_unique<session>(session_id, key, direction::to_master,
                                                direction::to_worker);
          st.attach.reset();
          // A spawned worker lives for its master: when that goes, its tasks end with it.
          watch(master, caf::actor{self});
        } catch (const handshake_refused& e) {
          spdlog::warn("refused to be attached: {}", e.what());
          return refused(e.what());
        }
        return hello;
      },
      // This process's own: wake-ups, timers, the node's orders.
      [self](resume_atom, local_proof p, std::uint64_t slot, std::uint64_t generation) {
        if (is_local(p)) {
          self->state.core->resume(slot, generation);
          self->state.carry_out();
        }
      },
      [self](part_atom, local_proof p) {
        if (is_local(p)) {
          self->state.core->part_timer_fired();
          self->state.carry_out();
        }
      },
      [self](drain_atom, local_proof p, caf::timespan limit) {
        auto& st = self->state;
        st.drained = self->make_response_promise();
        if (!is_local(p)) {
          st.drained.deliver(refused("drain is this process's own"));
          return st.drained;
        }
        if (st.sealed && st.master) {
          self->send(st.master, sealed_atom::value, st.sealed->seal(encode(leave_message{})));
        }
        auto handed_back = st.core->drain();
        if (!handed_back.empty()) {
          spdlog::debug("draining: handing back {} tasks not started", handed_back.size());
        }
        self->delayed_send(self, limit, drain_atom::value, local());
        st.carry_out();
        return st.drained;
      },
      [self](drain_atom, local_proof p) {
        if (!is_local(p)) {
          return;
        }
        auto handed_back = self->state.core->cancel_all();
        if (!handed_back.empty()) {
          spdlog::debug("drain time is up: handing back {} tasks", handed_back.size());
        }
        self->state.carry_out();
      },
      [self](stop_atom, local_proof p) {
        if (is_local(p)) {
          self->state.stop(self, "the node stops");
        }
      },
      [self](lost_atom, local_proof p, const caf::error& reason) {
        if (is_local(p)) {
          self->state.stop(self, "its master is gone: " + plain_words(reason));
        }
      },
  };
}

caf::behavior local_worker(worker_actor* self, worker_options opts) {
  return worker_behavior(self, std::move(opts), false);
}

} // namespace

caf::actor spawn_worker(caf::actor_system& sys, worker_options opts) {
  return sys.spawn(local_worker, std::move(opts));
}

void add_worker_actor_type(caf::actor_system_config& cfg, worker_options opts,
                           std::function<void(caf::actor)> spawned) {
  auto next = std::make_shared<std::atomic<std::uint32_t>>(0);
  cfg.add_actor_type("cohort-worker", [opts, next, spawned](worker_actor* self) {
    auto mine = opts;
    mine.hello.id += std::to_string(next->fetch_add(1));
    spawned(caf::actor{self});
    return worker_behavior(self, std::move(mine), true);
  });
}

} // namespace cohort
