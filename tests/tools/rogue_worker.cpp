// rogue_worker: a test peer that joins a master as a worker and lies. It answers each batch with
// its own tasks' honest answers plus forged ones (tasks it was not given, wrong attempt numbers,
// a huge count), and sends answers ahead for batches it does not hold. A master that merges any of
// them reports a wrong result. Usage: rogue_worker HOST PORT; prints "joined" once the master took
// the join, and "batches N" after every batch it answered.
// With `rogue_worker spawn HOST PORT FILE` it plays a rogue master instead: spawns a worker actor
// on a spawn node, tries to attach it with a wrong token, then sends it the first task of an exec
// job of FILE without attaching; prints what each step got.
// With `rogue_worker claim VERSION HOST PORT` it joins claiming protocol version VERSION (a worker
// of another build) and prints the version this build speaks, then "joined" or "join refused:" and
// the master's reason.
#include "actors/messages.hpp"
#include "cohort/registry.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace {

using namespace cohort;

struct rogue_state {
  std::uint64_t batches = 0;
};

caf::behavior rogue(caf::stateful_actor<rogue_state>* self, caf::actor master) {
  worker_hello hello;
  hello.id = "rogue/" + std::to_string(getpid()) + "/0";
  hello.host = "rogue";
  self->monitor(master);
  self->set_down_handler([self](caf::down_msg&) { self->quit(); });
  self->request(master, std::chrono::seconds(10), join_atom::value, caf::actor{self}, hello,
                std::string{})
      .then(
          [](join_atom) {
            std::printf("joined\n");
            std::fflush(stdout);
          },
          [self](caf::error& err) {
            std::fprintf(stderr, "join refused: %s\n", caf::to_string(err).c_str());
            self->quit();
          });
  return {
      [self, master](run_atom, const job_desc&, std::uint64_t batch,
                     std::vector<task_spec>& tasks) {
        // Honest answers for its own tasks; forged ones for its neighbours' tasks (batches are
        // runs of consecutive indices), for tasks beyond the job, and for its own tasks with
        // another attempt number.
        std::vector<task_result> answers;
        std::vector<task_result> forged;
        auto lie = [&](std::uint64_t index, std::uint32_t attempt) {
          forged.push_back({index, attempt, task_outcome::ok, partial{1000, {}}, {}});
        };
        for (const auto& t : tasks) {
          answers.push_back({t.index, t.attempt, task_outcome::ok, partial{1, {}}, {}});
          lie(t.index + tasks.size(), 1);
          if (t.index >= tasks.size()) {
            lie(t.index - tasks.size(), 1);
          }
          lie(t.index + 1'000'000'000, 1);
          lie(t.index, t.attempt + 1);
        }
        // Answers sent ahead, for batches sent to other workers and for its own.
        for (std::uint64_t b = 1; b <= batch + 10; ++b) {
          self->send(master, part_atom::value, b, forged);
        }
        answers.insert(answers.end(), forged.begin(), forged.end());
        std::printf("batches %llu\n", static_cast<unsigned long long>(++self->state.batches));
        std::fflush(stdout);
        return answers;
      },
      [](cancel_atom, std::uint64_t) {},
      [](cancel_atom, std::uint64_t, std::uint64_t, std::uint32_t) {},
  };
}

} // namespace

// Plays a master that did not attach the worker it spawned: nothing it sends may run.
int rogue_spawn(caf::actor_system& sys, const std::string& host, std::uint16_t port,
                const std::string& file) {
  auto node = sys.middleman().connect(host, port);
  if (!node) {
    std::fprintf(stderr, "cannot reach the node: %s\n", sys.render(node.error()).c_str());
    return 1;
  }
  auto worker = sys.middleman().remote_spawn<caf::actor>(
      *node, "cohort-worker", caf::make_message(), std::chrono::seconds(10));
  if (!worker) {
    std::printf("spawn refused: %s\n", sys.render(worker.error()).c_str());
    return 0;
  }
  std::printf("spawned\n");
  caf::scoped_actor self{sys};
  self->request(*worker, std::chrono::seconds(10), attach_atom::value, std::string("guessed"),
                caf::actor{self})
      .receive(
          [](attach_atom) { std::printf("attach accepted\n"); },
          [&](caf::error& err) { std::printf("attach refused: %s\n", sys.render(err).c_str()); });
  auto kinds = builtin_registry();
  auto exec = kinds->find("exec");
  if (!exec) {
    std::printf("no exec kind\n");
    return 3;
  }
  params args(params::map_type{{"file", file}});
  auto plan = exec->split(args);
  auto task = plan->make_task(0);
  task.attempt = 1;
  job_desc job{1, "exec", {{"file", file}}};
  self->request(*worker, std::chrono::seconds(10), run_atom::value, job, std::uint64_t{1},
                std::vector<task_spec>{task})
      .receive(
          [](std::vector<task_result>& r) {
            std::printf("run answered: %zu results, first %s\n", r.size(),
                        r.empty() ? "-" : r.front().error.c_str());
          },
          [&](caf::error& err) { std::printf("run refused: %s\n", sys.render(err).c_str()); });
  std::fflush(stdout);
  self->send_exit(*worker, caf::exit_reason::user_shutdown);
  return 0;
}

// Joins as a worker of another protocol version would; prints what the master answered.
int rogue_claim(caf::actor_system& sys, std::uint32_t version, const std::string& host,
                std::uint16_t port) {
  auto master = sys.middleman().remote_actor(host, port);
  if (!master) {
    std::fprintf(stderr, "cannot reach the master: %s\n", sys.render(master.error()).c_str());
    return 1;
  }
  std::printf("claiming protocol version %u; this build speaks %u\n", version, protocol_version);
  worker_hello hello;
  hello.protocol = version;
  hello.id = "rogue/" + std::to_string(getpid()) + "/0";
  hello.host = "rogue";
  caf::scoped_actor self{sys};
  self->request(*master, std::chrono::seconds(10), join_atom::value, caf::actor{self}, hello,
                std::string{})
      .receive([](join_atom) { std::printf("joined\n"); },
               [&](caf::error& err) {
                 // The master's own words travel as the error's context.
                 const auto& ctx = err.context();
                 auto reason = ctx.match_elements<std::string>() ? ctx.get_as<std::string>(0)
                                                                 : sys.render(err);
                 std::printf("join refused: %s\n", reason.c_str());
               });
  std::fflush(stdout);
  return 0;
}

int main(int argc, char** argv) {
  bool spawn = argc == 5 && std::string(argv[1]) == "spawn";
  bool claim = argc == 5 && std::string(argv[1]) == "claim";
  if (argc != 3 && !spawn && !claim) {
    std::fprintf(stderr, "usage: rogue_worker HOST PORT | rogue_worker spawn HOST PORT FILE | "
                         "rogue_worker claim VERSION HOST PORT\n");
    return 2;
  }
  caf::actor_system_config cfg;
  add_message_types(cfg);
  cfg.load<caf::io::middleman>();
  // The same heartbeats as cohort nodes, or the master would take this peer for dead.
  cfg.set("middleman.heartbeat-interval", caf::timespan{std::chrono::milliseconds(500)});
  cfg.set("middleman.connection-timeout", caf::timespan{std::chrono::seconds(2)});
  caf::actor_system sys{cfg};
  if (spawn) {
    return rogue_spawn(sys, argv[2], static_cast<std::uint16_t>(std::stoi(argv[3])), argv[4]);
  }
  if (claim) {
    return rogue_claim(sys, static_cast<std::uint32_t>(std::stoul(argv[2])), argv[3],
                       static_cast<std::uint16_t>(std::stoi(argv[4])));
  }
  auto port = static_cast<std::uint16_t>(std::stoi(argv[2]));
  auto master = sys.middleman().remote_actor(argv[1], port);
  if (!master) {
    std::fprintf(stderr, "cannot reach the master: %s\n", sys.render(master.error()).c_str());
    return 1;
  }
  sys.spawn(rogue, *master);
  return 0;
}
