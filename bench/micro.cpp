// Micro-benchmarks of the master's hot path: ledger bookkeeping, the placement's pick, and a batch
// message as it crosses the network (wire encoding, session seal, CAF's serialization). Kept small:
// each names the one call it measures.
#include "actors/messages.hpp"
#include "core/dispatcher.hpp"
#include "core/ledger.hpp"
#include "core/placement.hpp"
#include "core/protocol.hpp"
#include "core/session.hpp"
#include "core/wire.hpp"

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
    auto w = place.pick(d, dispatch_policy::least_loaded, task_bound::latency, 1000, room);
    d.charge(*w, task_bound::latency, 1000);
    d.release(*w, task_bound::latency, 1000);
    benchmark::DoNotOptimize(w);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(dispatcher_pick)->Arg(2)->Arg(32)->Arg(10000);

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

wire_message batch_message(std::uint64_t batch) {
  job_desc desc{1, "sleep", {{"ms", "0"}, {"tasks", "1000000"}}, {}};
  std::vector<task_spec> tasks(batch);
  for (std::uint64_t i = 0; i < batch; ++i) {
    tasks[i].index = 500'000 + i;
    tasks[i].attempt = 1;
  }
  return run_message{42, std::move(desc), std::move(tasks)};
}

wire_message answer_message(std::uint64_t batch) {
  std::vector<task_result> results(batch);
  for (std::uint64_t i = 0; i < batch; ++i) {
    results[i].index = 500'000 + i;
    results[i].attempt = 1;
    results[i].value.count = 1;
  }
  return answers_message{42, true, std::move(results)};
}

// One batch as it leaves a node: the wire encoding, sealed under a session, then written by CAF as
// the `(sealed, envelope)` message the middleman sends.
void serialize_batch(benchmark::State& state, wire_message (*make)(std::uint64_t)) {
  auto& sys = protocol_system();
  const auto batch = static_cast<std::uint64_t>(state.range(0));
  auto m = make(batch);
  session out(1, random_key(), direction::to_worker, direction::to_master);
  std::vector<char> buf;
  for (auto _ : state) {
    buf.clear();
    caf::binary_serializer sink{sys, buf};
    if (auto err = sink(caf::make_message(sealed_atom::value, out.seal(encode(m))))) {
      state.SkipWithError("serialization failed");
      break;
    }
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(buf.size()));
  state.counters["bytes_per_task"] = static_cast<double>(buf.size()) / static_cast<double>(batch);
}

// The same batch as it arrives: read by CAF, opened under the session, decoded.
void deserialize_batch(benchmark::State& state, wire_message (*make)(std::uint64_t)) {
  auto& sys = protocol_system();
  const auto batch = static_cast<std::uint64_t>(state.range(0));
  auto key = random_key();
  session out(1, key, direction::to_worker, direction::to_master);
  session in(1, key, direction::to_master, direction::to_worker);
  // Each arrival is a fresh envelope: a session takes each sequence number once.
  std::vector<std::vector<char>> bufs;
  auto make_buf = [&] {
    std::vector<char> buf;
    caf::binary_serializer sink{sys, buf};
    if (sink(caf::make_message(sealed_atom::value, out.seal(encode(make(batch)))))) {
      return std::vector<char>{};
    }
    return buf;
  };
  std::size_t bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto buf = make_buf();
    bytes = buf.size();
    state.ResumeTiming();
    caf::message msg;
    caf::binary_deserializer source{sys, buf};
    if (auto err = source(msg); err || !msg.match_elements<sealed_atom, envelope>()) {
      state.SkipWithError("deserialization failed");
      break;
    }
    const auto& e = msg.get_as<envelope>(1);
    if (!in.open(e)) {
      state.SkipWithError("the envelope did not open");
      break;
    }
    benchmark::DoNotOptimize(decode(e.body));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
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
