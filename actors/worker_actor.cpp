// A thin shell over task_runner: batches in, wake-ups as messages to itself, answers through promises.
#include "actors/worker_actor.hpp"

#include "actors/messages.hpp"
#include "actors/task_runner.hpp"

#include <caf/all.hpp>

#include <unordered_map>

namespace cohort {

namespace {

struct worker_state : task_runner::waker {
  caf::event_based_actor* self = nullptr;
  std::unique_ptr<task_runner> runner;
  std::unordered_map<std::uint64_t, caf::response_promise> promises;

  void wake(std::uint64_t slot, std::uint64_t generation, std::chrono::nanoseconds delay) override {
    if (delay <= std::chrono::nanoseconds::zero()) {
      self->send(self, resume_atom::value, slot, generation);
    } else {
      self->delayed_send(self, delay, resume_atom::value, slot, generation);
    }
  }

  void answer_finished() {
    for (auto& b : runner->take_finished()) {
      auto i = promises.find(b.batch);
      if (i != promises.end()) {
        i->second.deliver(std::move(b.results));
        promises.erase(i);
      }
    }
  }
};

caf::behavior worker_behavior(caf::stateful_actor<worker_state>* self, worker_options opts) {
  self->state.self = self;
  self->state.runner = std::make_unique<task_runner>(opts.kinds, self->state, opts.slowdown);
  return {
      [self](run_atom, const job_desc& job, std::vector<task_spec>& tasks) {
        auto rp = self->make_response_promise();
        auto id = self->state.runner->start_batch(job, std::move(tasks));
        self->state.promises.emplace(id, rp);
        self->state.answer_finished();
        return rp;
      },
      [self](resume_atom, std::uint64_t slot, std::uint64_t generation) {
        self->state.runner->resume(slot, generation);
        self->state.answer_finished();
      },
      [self](cancel_atom, std::uint64_t job) {
        self->state.runner->cancel_job(job);
        self->state.answer_finished();
      },
  };
}

} // namespace

caf::actor spawn_worker(caf::actor_system& sys, worker_options opts) {
  return sys.spawn(worker_behavior, std::move(opts));
}

} // namespace cohort
