// A thin shell over worker_core: batches in, wake-ups and timers as messages to itself, answers
// through promises and part messages.
#include "actors/worker_actor.hpp"

#include "actors/messages.hpp"
#include "cohort/request.hpp"
#include "core/token.hpp"
#include "core/worker_core.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <unordered_map>

namespace cohort {

namespace {

// The CAF side of one batch: its request, and the master that sent it (answers ahead go there).
struct batch_handle {
  caf::response_promise promise;
  caf::actor master;
};

struct worker_state : task_runner::waker, request_channel {
  caf::event_based_actor* self = nullptr;
  std::unique_ptr<worker_core> core;
  std::unordered_map<std::uint64_t, batch_handle> batches;

  void wake(std::uint64_t slot, std::uint64_t generation, std::chrono::nanoseconds delay) override {
    if (delay <= std::chrono::nanoseconds::zero()) {
      self->send(self, resume_atom::value, slot, generation);
    } else {
      self->delayed_send(self, delay, resume_atom::value, slot, generation);
    }
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

  // Does what the core decided after an input.
  void carry_out() {
    auto out = core->take_output();
    for (auto& a : out.ahead) {
      auto i = batches.find(a.batch);
      if (i != batches.end() && i->second.master) {
        self->send(i->second.master, part_atom::value, a.master_batch, std::move(a.answers));
      }
    }
    for (auto& a : out.answers) {
      auto i = batches.find(a.batch);
      if (i != batches.end()) {
        i->second.promise.deliver(std::move(a.answers));
        batches.erase(i);
      }
    }
    if (out.part_timer) {
      self->delayed_send(self, *out.part_timer, part_atom::value);
    }
    if (out.drained && drained.pending()) {
      drained.deliver(drain_atom::value);
    }
  }

  // Answered once this worker holds no task: after a drain request, when the last one finished or
  // the drain time ran out.
  caf::response_promise drained;

  // Spawned remotely: only the actor that attached it may hand it work.
  bool attach_required = false;
  caf::actor_addr attached_by;

  bool from_master() const {
    auto from = self->current_sender();
    return !attach_required || (from && attached_by && from->address() == attached_by);
  }
  bool from_self() const {
    auto from = self->current_sender();
    return from && from->address() == self->address();
  }
};

caf::behavior worker_behavior(caf::stateful_actor<worker_state>* self, worker_options opts) {
  self->state.self = self;
  worker_core::settings cs;
  cs.slowdown = opts.slowdown;
  cs.batch = opts.batch;
  cs.capabilities = opts.hello.capabilities;
  cs.channel = &self->state;
  self->state.core = std::make_unique<worker_core>(opts.kinds, self->state, std::move(cs));
  self->state.attach_required = opts.attach_required;
  self->set_exit_handler([self](caf::exit_msg& em) {
    // Told to stop (its node lost the master, or shuts down): every task ends here.
    auto cancelled = self->state.core->cancel_all();
    if (!cancelled.empty()) {
      spdlog::info("stopping: cancelled {} tasks ({})", cancelled.size(),
                   caf::to_string(em.reason));
    }
    self->quit(em.reason);
  });
  return {
      [self, token = opts.token](attach_atom, const std::string& given,
                                 const caf::actor& master) -> caf::result<attach_atom> {
        // Whoever holds the node's token names the master this worker takes work from.
        auto& st = self->state;
        if (!st.attach_required || !master) {
          return caf::make_error(caf::sec::runtime_error, "this worker takes no attach");
        }
        if (st.attached_by) {
          return caf::make_error(caf::sec::runtime_error, "this worker is attached already");
        }
        if (auto why = token_mismatch(token, given)) {
          spdlog::warn("refused to attach to {}: {}", caf::to_string(master.address()), *why);
          return caf::make_error(caf::sec::runtime_error, *why);
        }
        st.attached_by = master.address();
        return attach_atom::value;
      },
      [self](run_atom, const job_desc& job, std::uint64_t master_batch,
             std::vector<task_spec>& tasks) -> caf::result<std::vector<task_result>> {
        if (!self->state.from_master()) {
          spdlog::warn("refused a batch from {}: it did not attach this worker",
                       caf::to_string(self->current_sender()->address()));
          return caf::make_error(caf::sec::runtime_error, "this worker was not attached by you");
        }
        // Before make_response_promise, which takes the sender out of the current message.
        auto master = caf::actor_cast<caf::actor>(self->current_sender());
        auto rp = self->make_response_promise();
        auto& st = self->state;
        auto id = st.core->start_batch(job, master_batch, std::move(tasks));
        st.batches.emplace(id, batch_handle{rp, std::move(master)});
        st.carry_out();
        return rp;
      },
      [self](part_atom) {
        auto& st = self->state;
        if (!st.from_self()) {
          return;
        }
        st.core->part_timer_fired();
        st.carry_out();
      },
      [self](resume_atom, std::uint64_t slot, std::uint64_t generation) {
        self->state.core->resume(slot, generation);
        self->state.carry_out();
      },
      [self](cancel_atom, std::uint64_t job) {
        if (!self->state.from_master()) {
          return;
        }
        for (auto index : self->state.core->cancel_job(job)) {
          spdlog::info("cancelled job {} task {}", job, index);
        }
        self->state.carry_out();
      },
      [self](cancel_atom, std::uint64_t job, std::uint64_t index, std::uint32_t attempt) {
        // Another attempt of this task won.
        if (!self->state.from_master()) {
          return;
        }
        if (self->state.core->cancel_task(job, index, attempt)) {
          spdlog::info("cancelled job {} task {}", job, index);
        }
        self->state.carry_out();
      },
      [self](drain_atom, caf::timespan limit) {
        auto& st = self->state;
        st.drained = self->make_response_promise();
        auto handed_back = st.core->drain();
        if (!handed_back.empty()) {
          spdlog::info("draining: handing back {} tasks not started", handed_back.size());
        }
        self->delayed_send(self, limit, drain_atom::value);
        st.carry_out();
        return st.drained;
      },
      [hello = opts.hello](hello_atom) { return hello; },
      [self, owner = opts.owner](bye_atom) {
        if (owner) {
          self->send(owner, bye_atom::value);
        }
        return bye_atom::value;
      },
      [self](drain_atom) {
        if (!self->state.from_self()) {
          return;
        }
        auto handed_back = self->state.core->cancel_all();
        if (!handed_back.empty()) {
          spdlog::info("drain time is up: handing back {} tasks", handed_back.size());
        }
        self->state.carry_out();
      },
  };
}

} // namespace

caf::actor spawn_worker(caf::actor_system& sys, worker_options opts) {
  return sys.spawn(worker_behavior, std::move(opts));
}

void add_worker_actor_type(caf::actor_system_config& cfg, worker_options opts) {
  auto next = std::make_shared<std::atomic<std::uint32_t>>(0);
  cfg.add_actor_type("cohort-worker", [opts, next](caf::stateful_actor<worker_state>* self) {
    auto mine = opts;
    mine.hello.id += std::to_string(next->fetch_add(1));
    return worker_behavior(self, std::move(mine));
  });
}

} // namespace cohort
