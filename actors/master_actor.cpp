// A thin shell over master_core: routes requests, answers and down messages to it and sends what it
// decides.
#include "actors/master_actor.hpp"

#include "actors/messages.hpp"
#include "core/master_core.hpp"
#include "core/token.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <optional>
#include <unordered_map>

namespace cohort {

namespace {

// No batch answer is awaited forever; monitors (and heartbeats between nodes) find lost workers
// much sooner, so this only bounds a request to a worker that is alive but never answers, which is
// then taken for lost. It does not depend on a job's task timeout: the master's tick handles
// those, and a worker's credit is freed only when it answers its tasks or is gone, never while it
// may still run them.
constexpr auto batch_timeout = std::chrono::seconds(24 * 3600);
constexpr auto tick_interval = std::chrono::milliseconds(100);
constexpr auto bye_timeout = std::chrono::seconds(1);
constexpr auto progress_interval = std::chrono::seconds(1);

struct master_state {
  std::unique_ptr<master_core> core;
  bool progress = false;
  master_core::clock::time_point last_progress;
  /// The handle of each present worker, by slot; a slot's handle is dropped when its worker
  /// leaves, so nothing of a worker that left is kept.
  std::vector<caf::actor> handles;
  std::unordered_map<caf::actor_addr, worker_ref> by_addr;
  std::unordered_map<std::uint64_t, caf::response_promise> promises;
  /// When a speculate message is due (master_core::speculation_due), if one is on its way.
  std::optional<master_core::clock::time_point> speculation_armed;
};

using master_actor = caf::stateful_actor<master_state>;

void settle(caf::response_promise& rp, const std::shared_ptr<std::size_t>& remaining) {
  if (--*remaining == 0) {
    rp.deliver(bye_atom::value);
  }
}

// Forgets a worker (gone, or not to be trusted any more): its handle, its address and its slot.
void drop_worker(master_actor* self, worker_ref ref, master_core::clock::time_point now) {
  auto& st = self->state;
  if (!st.core->workers().current(ref)) {
    return;
  }
  auto handle = std::move(st.handles[ref.slot]);
  self->demonitor(handle);
  st.by_addr.erase(handle.address());
  st.core->remove_worker(ref, now);
}

void flush(master_actor* self) {
  auto& st = self->state;
  auto now = master_core::clock::now();
  for (auto& b : st.core->dispatch(now)) {
    auto id = b.id;
    auto worker = b.worker;
    spdlog::debug("sent batch {} ({} tasks of job {}) to worker {}", id, b.tasks.size(), b.job,
                  st.core->workers().at(worker).id);
    self->request(st.handles[b.worker.slot], batch_timeout, run_atom::value, st.core->desc(b.job),
                  id, std::move(b.tasks))
        .then(
            [self, id, worker](std::vector<task_result>& results) {
              self->state.core->on_results(id, worker, std::move(results), true,
                                           master_core::clock::now());
              flush(self);
            },
            [self, id, worker](caf::error& err) {
              // A worker silent for the whole bound is taken for lost; one that answers a batch
              // with an error would get the same tasks again at once. Either way it is dropped,
              // which is what frees its credit.
              const auto& workers = self->state.core->workers();
              if (workers.current(worker)) {
                spdlog::warn("dropped worker {}: {} batch {}", workers.at(worker).id,
                             err == caf::sec::request_timeout ? "no answer within 24 h to"
                                                              : caf::to_string(err) + " for",
                             id);
              }
              drop_worker(self, worker, master_core::clock::now());
              flush(self);
            });
  }
  for (const auto& c : st.core->take_cancels()) {
    const auto& handle = st.handles[c.worker.slot];
    if (c.task) {
      self->send(handle, cancel_atom::value, c.job, c.task->index, c.task->attempt);
    } else {
      self->send(handle, cancel_atom::value, c.job);
    }
  }
  for (auto& e : st.core->take_ended()) {
    auto i = st.promises.find(e.job);
    if (i != st.promises.end()) {
      i->second.deliver(static_cast<std::int32_t>(e.outcome.status), std::move(e.outcome.json));
      st.promises.erase(i);
    }
  }
  auto due = st.core->speculation_due(now);
  if (due && (!st.speculation_armed || *due < *st.speculation_armed)) {
    // Just past the moment, as an attempt must run longer than the threshold.
    st.speculation_armed = *due;
    self->delayed_send(self, *due - now + std::chrono::milliseconds(1), speculate_atom::value);
  }
}

worker_ref add_worker(master_actor* self, caf::actor handle, worker_entry entry) {
  auto& st = self->state;
  spdlog::info("worker joined: id={} host={}", entry.id, entry.host);
  entry.node = caf::to_string(handle.node());
  auto ref = st.core->add_worker(std::move(entry));
  self->monitor(handle);
  st.by_addr.emplace(handle.address(), ref);
  if (ref.slot >= st.handles.size()) {
    st.handles.resize(ref.slot + 1);
  }
  st.handles[ref.slot] = std::move(handle);
  return ref;
}

caf::behavior master_behavior(master_actor* self, master_options opts) {
  auto& st = self->state;
  st.core = std::make_unique<master_core>(opts.settings);
  st.progress = opts.settings.progress;
  st.last_progress = master_core::clock::now();
  for (auto& [handle, entry] : opts.local_workers) {
    add_worker(self, handle, entry);
  }
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    auto i = st.by_addr.find(dm.source);
    if (i == st.by_addr.end()) {
      return;
    }
    const auto& w = st.core->workers().at(i->second);
    spdlog::info("worker left: id={} host={} reason={}", w.id, w.host, caf::to_string(dm.reason));
    drop_worker(self, i->second, master_core::clock::now());
    flush(self);
  });
  self->set_default_handler(
      [](caf::scheduled_actor* a, caf::message_view&) -> caf::result<caf::message> {
        auto from = a->current_sender();
        spdlog::warn("dropped an unexpected message from {}",
                     from ? caf::to_string(from->address()) : std::string("an anonymous sender"));
        return caf::sec::unexpected_message;
      });
  self->send(self, tick_atom::value);
  return {
      [self, token = opts.token](join_atom, caf::actor worker, worker_hello& hello,
                                 const std::string& given) -> caf::result<join_atom> {
        if (auto why = token_mismatch(token, given)) {
          spdlog::warn("refused worker {} from {}: {}", hello.id, hello.host, *why);
          return caf::make_error(caf::sec::runtime_error, *why);
        }
        if (hello.protocol != protocol_version) {
          spdlog::warn("refused worker {} from {}: protocol version {}, this master speaks {}",
                       hello.id, hello.host, hello.protocol, protocol_version);
          return caf::make_error(caf::sec::runtime_error,
                                 "protocol version " + std::to_string(hello.protocol) +
                                     " refused: the master speaks version " +
                                     std::to_string(protocol_version));
        }
        worker_entry e;
        e.id = std::move(hello.id);
        e.host = std::move(hello.host);
        e.tags = std::move(hello.tags);
        e.capabilities = std::move(hello.capabilities);
        e.slots = std::max(1u, hello.slots);
        e.concurrency = std::max(1u, hello.concurrency);
        add_worker(self, std::move(worker), std::move(e));
        flush(self);
        return join_atom::value;
      },
      [self](part_atom, std::uint64_t batch, std::vector<task_result>& results) {
        // Answers to part of a batch, sent by the worker while the rest still runs.
        auto& st = self->state;
        auto sender = self->current_sender();
        auto i = sender ? st.by_addr.find(sender->address()) : st.by_addr.end();
        if (i == st.by_addr.end()) {
          spdlog::warn("dropped {} answers for batch {} from an actor that is not a worker",
                       results.size(), batch);
          return;
        }
        st.core->on_results(batch, i->second, std::move(results), false, master_core::clock::now());
        flush(self);
      },
      [self](leave_atom, const caf::actor& worker) {
        auto& st = self->state;
        if (auto i = st.by_addr.find(worker.address()); i != st.by_addr.end()) {
          spdlog::info("worker leaving: id={}", st.core->workers().at(i->second).id);
          st.core->drain_worker(i->second);
        }
      },
      [self](submit_atom, const checked_job& job) {
        auto& st = self->state;
        auto rp = self->make_response_promise();
        auto id = st.core->submit(job, master_core::clock::now());
        st.promises.emplace(id, rp);
        flush(self);
        return rp;
      },
      [self](bye_atom) {
        // Before a normal shutdown: workers in other processes learn the master ended, not lost.
        auto rp = self->make_response_promise();
        auto remote = std::make_shared<std::size_t>(0);
        for (const auto& [addr, ref] : self->state.by_addr) {
          const auto& h = self->state.handles[ref.slot];
          if (h.node() == self->node()) {
            continue;
          }
          ++*remote;
          self->request(h, bye_timeout, bye_atom::value)
              .then([rp, remote](bye_atom) mutable { settle(rp, remote); },
                    [rp, remote](caf::error&) mutable { settle(rp, remote); });
        }
        if (*remote == 0) {
          rp.deliver(bye_atom::value);
        }
        return rp;
      },
      [self](cancel_atom) {
        self->state.core->cancel_all(master_core::clock::now());
        flush(self);
      },
      [self](speculate_atom) {
        self->state.speculation_armed.reset();
        flush(self);
      },
      [self](tick_atom) {
        auto& st = self->state;
        auto now = master_core::clock::now();
        st.core->tick(now);
        if (st.progress && now - st.last_progress >= progress_interval) {
          st.last_progress = now;
          for (const auto& line : st.core->progress_lines(now)) {
            std::fprintf(stderr, "%s\n", line.c_str());
          }
        }
        flush(self);
        self->delayed_send(self, tick_interval, tick_atom::value);
      },
  };
}

} // namespace

caf::actor spawn_master(caf::actor_system& sys, master_options opts) {
  return sys.spawn(master_behavior, std::move(opts));
}

} // namespace cohort
