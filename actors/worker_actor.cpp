// A thin shell over task_runner: batches in, wake-ups as messages to itself, answers through
// promises.
#include "actors/worker_actor.hpp"

#include "actors/messages.hpp"
#include "cohort/request.hpp"
#include "core/task_runner.hpp"
#include "core/token.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <unordered_map>

namespace cohort {

namespace {

// Answers of a running batch are sent ahead at once, then at most this often, so a slow task does
// not hold back its batch's finished ones (the master merges them and hands out their credit again)
// and a batch of thousands of short tasks still makes few messages.
constexpr auto part_interval = std::chrono::milliseconds(5);

struct batch_answer {
  caf::response_promise promise;
  std::uint64_t master_batch = 0;
  caf::actor master;
};

struct worker_state : task_runner::waker, request_channel {
  caf::event_based_actor* self = nullptr;
  std::unique_ptr<task_runner> runner;
  std::unordered_map<std::uint64_t, batch_answer> promises;
  bool part_scheduled = false;

  void wake(std::uint64_t slot, std::uint64_t generation, std::chrono::nanoseconds delay) override {
    if (delay <= std::chrono::nanoseconds::zero()) {
      self->send(self, resume_atom::value, slot, generation);
    } else {
      self->delayed_send(self, delay, resume_atom::value, slot, generation);
    }
  }

  caf::event_based_actor* sender() override { return self; }

  parking park(task_context& ctx, std::coroutine_handle<> h) override {
    auto [slot, generation] = runner->park(ctx, h);
    return {slot, generation};
  }

  bool waiting(parking p) const override { return runner->waiting(p.slot, p.generation); }

  void wake(parking p) override {
    runner->resume(p.slot, p.generation);
    answer_finished();
  }

  void answer_finished() {
    for (auto& b : runner->take_finished()) {
      auto i = promises.find(b.batch);
      if (i != promises.end()) {
        i->second.promise.deliver(std::move(b.results));
        promises.erase(i);
      }
    }
    if (runner->has_progress() && !part_scheduled) {
      auto now = std::chrono::steady_clock::now();
      if (now - last_part >= part_interval) {
        send_parts(now);
      } else {
        part_scheduled = true;
        self->delayed_send(self, part_interval - (now - last_part), part_atom::value);
      }
    }
    if (drained.pending() && runner->in_flight() == 0) {
      drained.deliver(drain_atom::value);
    }
  }

  std::chrono::steady_clock::time_point last_part{};

  // Sends the answers collected since the last part; only a part actually sent starts the wait
  // for the next one.
  void send_parts(std::chrono::steady_clock::time_point now) {
    auto parts = runner->take_progress();
    if (!parts.empty()) {
      last_part = now;
    }
    for (auto& b : parts) {
      auto i = promises.find(b.batch);
      if (i != promises.end() && i->second.master) {
        self->send(i->second.master, part_atom::value, i->second.master_batch,
                   std::move(b.results));
      }
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
  self->state.runner =
      std::make_unique<task_runner>(opts.kinds, self->state, opts.slowdown, &self->state);
  self->state.runner->grant(opts.hello.capabilities);
  // The actor has one thread: CPU-bound tasks beyond the first would only take turns on it, so
  // the rest of its --slots wait in order and start without a round trip to the master.
  self->state.runner->limit_cpu(1);
  self->state.attach_required = opts.attach_required;
  self->set_exit_handler([self](caf::exit_msg& em) {
    // Told to stop (its node lost the master, or shuts down): every task ends here.
    auto cancelled = self->state.runner->cancel_all();
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
        auto id = self->state.runner->start_batch(job, std::move(tasks));
        self->state.promises.emplace(id, batch_answer{rp, master_batch, std::move(master)});
        self->state.answer_finished();
        return rp;
      },
      [self](part_atom) {
        auto& st = self->state;
        if (!st.from_self()) {
          return;
        }
        st.part_scheduled = false;
        st.send_parts(std::chrono::steady_clock::now());
      },
      [self](resume_atom, std::uint64_t slot, std::uint64_t generation) {
        self->state.runner->resume(slot, generation);
        self->state.answer_finished();
      },
      [self](cancel_atom, std::uint64_t job) {
        if (!self->state.from_master()) {
          return;
        }
        for (auto index : self->state.runner->cancel_job(job)) {
          spdlog::info("cancelled job {} task {}", job, index);
        }
        self->state.answer_finished();
      },
      [self](cancel_atom, std::uint64_t job, std::uint64_t index, std::uint32_t attempt) {
        // Another attempt of this task won.
        if (!self->state.from_master()) {
          return;
        }
        if (self->state.runner->cancel_task(job, index, attempt)) {
          spdlog::info("cancelled job {} task {}", job, index);
        }
        self->state.answer_finished();
      },
      [self](drain_atom, caf::timespan limit) {
        self->state.drained = self->make_response_promise();
        self->delayed_send(self, limit, drain_atom::value);
        self->state.answer_finished();
        return self->state.drained;
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
        auto handed_back = self->state.runner->cancel_all();
        if (!handed_back.empty()) {
          spdlog::info("drain time is up: handing back {} tasks", handed_back.size());
        }
        self->state.answer_finished();
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
