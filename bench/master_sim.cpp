// The master core driven by simulated workers: plain classes, a fake clock, no actors. Each worker
// actor holds two CPU-bound tasks at most (--slots 2) and answers its batches in the order they
// were sent; the figures are the master's own work per task and its heap per idle worker (after
// 12 s idle, its status meters full), against the number of workers (bench/run master-sim).
//
//     master_sim SECONDS WORKERS...
//
// prints a JSON line per count: {"workers", "tasks", "seconds", "tasks_per_s",
// "heap_bytes_per_idle_worker"}. A run stops after SECONDS of the master's work, or when its job
// of max(10^6, 20 x workers) tasks ends.
#include "core/master_core.hpp"
#include "tests/unit/test_kinds.hpp"

#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <vector>

using namespace cohort;

namespace {

std::size_t heap_in_use() {
  return mallinfo2().uordblks;
}

void simulate(std::uint32_t workers, double budget_s) {
  using clock = std::chrono::steady_clock;
  const auto heap_before = heap_in_use();
  master_core m({});
  for (std::uint32_t i = 0; i < workers; ++i) {
    worker_entry w;
    // Names as long as real ones: a host, host/pid/n, and CAF's node id (40 hex digits#pid).
    char host[16];
    std::snprintf(host, sizeof host, "node-%06u", i);
    w.host = host;
    w.id = w.host + "/31337/0";
    w.node = std::string(32, 'f') + host + "#31337";
    w.slots = 2;
    m.add_worker(std::move(w), master_core::clock::time_point{});
  }
  // Idle for 12 s of the fake clock, the status board sampling each worker every second: what
  // a worker costs once its meters are full, not just as it joins.
  auto now = master_core::clock::time_point{};
  for (int s = 1; s <= 12; ++s) {
    now += std::chrono::seconds(1);
    m.tick(now);
  }
  const auto per_worker =
      static_cast<double>(heap_in_use() - heap_before) / static_cast<double>(workers);

  test::fake_kind kind(task_bound::cpu);
  job_request req;
  const std::uint64_t tasks = std::max<std::uint64_t>(1'000'000, 20ULL * workers);
  req.args.set("tasks", std::to_string(tasks));
  // The fake clock moves a microsecond a step: no timeout or speculation fires.
  auto tick = [&now] {
    now += std::chrono::microseconds(1);
    return now;
  };
  std::deque<outgoing_batch> sent;
  std::uint64_t answered = 0;
  const auto started = clock::now();
  m.submit(test::checked(kind, req), tick());
  auto send = [&] {
    for (auto& b : m.dispatch(tick())) {
      sent.push_back(std::move(b));
    }
  };
  send();
  double seconds = 0;
  while (!sent.empty()) {
    auto b = std::move(sent.front());
    sent.pop_front();
    std::vector<task_result> results;
    results.reserve(b.tasks.size());
    for (const auto& t : b.tasks) {
      results.push_back({t.index, t.attempt, task_outcome::ok, partial{1, {}}, {}});
    }
    answered += results.size();
    m.on_results(b.id, b.worker, std::move(results), true, tick());
    send();
    // The clock is read every 1,024 answers: reading it each time would be part of the figure.
    if ((answered & 1023) == 0) {
      seconds = std::chrono::duration<double>(clock::now() - started).count();
      if (seconds > budget_s) {
        break;
      }
    }
  }
  seconds = std::chrono::duration<double>(clock::now() - started).count();
  std::printf("{\"workers\": %u, \"tasks\": %llu, \"seconds\": %.3f, \"tasks_per_s\": %.0f, "
              "\"heap_bytes_per_idle_worker\": %.0f}\n",
              workers, static_cast<unsigned long long>(answered), seconds,
              static_cast<double>(answered) / seconds, per_worker);
  std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: master_sim SECONDS WORKERS...\n");
    return 2;
  }
  const double budget = std::atof(argv[1]);
  for (int i = 2; i < argc; ++i) {
    const auto n = std::strtoul(argv[i], nullptr, 10);
    if (budget <= 0 || n == 0) {
      std::fprintf(stderr, "master_sim: bad SECONDS or WORKERS '%s'\n", argv[i]);
      return 2;
    }
    simulate(static_cast<std::uint32_t>(n), budget);
  }
  return 0;
}
