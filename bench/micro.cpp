// Micro-benchmarks of the master's hot path: ledger bookkeeping, the placement's pick and CAF
// binary serialization of the batch messages. Kept small: each names the one call it measures.
#include "actors/messages.hpp"
#include "core/dispatcher.hpp"
#include "core/ledger.hpp"
#include "core/placement.hpp"
#include "core/protocol.hpp"

#include <benchmark/benchmark.h>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/message.hpp>

#include <cstdint>
#include <memory>
#include <vector>

using namespace cohort;

namespace {

// take() a batch for one worker, then accept() every task of it: the ledger's work per batch.
void ledger_take_accept(benchmark::State& state) {
  const auto batch = static_cast<std::uint64_t>(state.range(0));
  const std::uint64_t tasks = 1'000'000;
  auto now = ledger::clock::now();
  auto led = std::make_unique<ledger>(tasks, 1, 3);
  std::vector<losing_attempt> losers; // stays empty: one attempt per task
  for (auto _ : state) {
    if (led->pending() == 0) {
      state.PauseTiming();
      led = std::make_unique<ledger>(tasks, 1, 3);
      state.ResumeTiming();
    }
    auto out = led->take(0, batch, worker_ref{}, false, now);
    for (const auto& t : out) {
      benchmark::DoNotOptimize(led->accept(t.index, t.attempt, worker_ref{}, now, losers));
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch));
}
BENCHMARK(ledger_take_accept)->Arg(1)->Arg(100)->Arg(1000)->Arg(10000);

// A lost worker's batch: take(), give_back() every task, take() them again (returned first).
void ledger_give_back(benchmark::State& state) {
  const auto batch = static_cast<std::uint64_t>(state.range(0));
  auto now = ledger::clock::now();
  ledger led(batch * 4, 1, 3);
  for (auto _ : state) {
    auto out = led.take(0, batch, worker_ref{}, false, now);
    for (const auto& t : out) {
      benchmark::DoNotOptimize(led.give_back(t.index, t.attempt, worker_ref{}));
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch));
}
BENCHMARK(ledger_give_back)->Arg(1000);

// placement::pick() with least-loaded among n workers, charging and releasing credit as a dispatch
// turn and its answer do.
void dispatcher_pick(benchmark::State& state) {
  const auto workers = static_cast<std::uint32_t>(state.range(0));
  dispatcher d;
  for (std::uint32_t i = 0; i < workers; ++i) {
    worker_entry w;
    w.id = "bench/" + std::to_string(i);
    d.add(std::move(w));
  }
  placement place;
  auto room = [&](worker_ref w) {
    return d.free_credit(w, task_bound::latency);
  };
  for (auto _ : state) {
    auto w = place.pick(d, dispatch_policy::least_loaded, room);
    d.charge(*w, task_bound::latency, 1000);
    d.release(*w, task_bound::latency, 1000);
    benchmark::DoNotOptimize(w);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(dispatcher_pick)->Arg(2)->Arg(32);

// The message types need a system that knows them. main() owns it: destroyed among static objects
// at exit, CAF 0.17's actor_system crashes.
struct protocol_env {
  caf::actor_system_config cfg; // built in place: CAF 0.17's config must not be copied
  std::unique_ptr<caf::actor_system> sys;

  protocol_env() {
    add_message_types(cfg);
    cfg.set("scheduler.max-threads", 1);
    sys = std::make_unique<caf::actor_system>(cfg);
  }
};

caf::actor_system* the_system = nullptr;

caf::actor_system& protocol_system() {
  return *the_system;
}

caf::message batch_message(std::uint64_t batch) {
  job_desc desc{1, "sleep", {{"ms", "0"}, {"tasks", "1000000"}}};
  std::vector<task_spec> tasks(batch);
  for (std::uint64_t i = 0; i < batch; ++i) {
    tasks[i].index = 500'000 + i;
    tasks[i].attempt = 1;
  }
  std::uint64_t master_batch = 42;
  return caf::make_message(run_atom::value, std::move(desc), master_batch, std::move(tasks));
}

caf::message answer_message(std::uint64_t batch) {
  std::vector<task_result> results(batch);
  for (std::uint64_t i = 0; i < batch; ++i) {
    results[i].index = 500'000 + i;
    results[i].attempt = 1;
    results[i].value.count = 1;
  }
  return caf::make_message(std::move(results));
}

// One batch message as the middleman writes it: (run, job_desc, batch id, vector<task_spec>).
void serialize_batch(benchmark::State& state, caf::message (*make)(std::uint64_t)) {
  auto& sys = protocol_system();
  const auto batch = static_cast<std::uint64_t>(state.range(0));
  auto msg = make(batch);
  std::vector<char> buf;
  for (auto _ : state) {
    buf.clear();
    caf::binary_serializer sink{sys, buf};
    if (auto err = sink(msg)) {
      state.SkipWithError("serialization failed");
      break;
    }
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(buf.size()));
  state.counters["bytes_per_task"] = static_cast<double>(buf.size()) / static_cast<double>(batch);
}

void deserialize_batch(benchmark::State& state, caf::message (*make)(std::uint64_t)) {
  auto& sys = protocol_system();
  const auto batch = static_cast<std::uint64_t>(state.range(0));
  std::vector<char> buf;
  {
    caf::binary_serializer sink{sys, buf};
    if (auto err = sink(make(batch))) {
      state.SkipWithError("serialization failed");
      return;
    }
  }
  for (auto _ : state) {
    caf::message msg;
    caf::binary_deserializer source{sys, buf};
    if (auto err = source(msg); err || msg.size() == 0) {
      state.SkipWithError("deserialization failed");
      break;
    }
    benchmark::DoNotOptimize(msg);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(buf.size()));
}

BENCHMARK_CAPTURE(serialize_batch, tasks, batch_message)->Arg(1)->Arg(1000);
BENCHMARK_CAPTURE(deserialize_batch, tasks, batch_message)->Arg(1)->Arg(1000);
BENCHMARK_CAPTURE(serialize_batch, results, answer_message)->Arg(1)->Arg(1000);
BENCHMARK_CAPTURE(deserialize_batch, results, answer_message)->Arg(1)->Arg(1000);

} // namespace

int main(int argc, char** argv) {
  protocol_env env;
  the_system = env.sys.get();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
