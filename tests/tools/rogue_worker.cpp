// rogue_worker: a test peer that lies. Usage:
//   rogue_worker HOST PORT           joins a master as a worker (with the handshake and the token
//   in
//                                    $COHORT_TOKEN, if any) and answers each batch with its own
//                                    tasks' honest answers plus forged ones (tasks it was not
//                                    given, wrong attempt numbers, a huge count), and sends answers
//                                    ahead for batches it does not hold; prints "joined", then
//                                    "batches N" after every batch. A master that merges a lie
//                                    reports a wrong result.
//   rogue_worker spawn HOST PORT FILE [CERT KEY CA] plays a rogue master (over TLS with those
//                                    files, as an insider holding a certificate would): spawns a
//                                    worker actor on a spawn node, opens its attach handshake with
//                                    a wrong token, then sends it the first command of exec job
//                                    FILE in an envelope it could not seal; prints what each step
//                                    got.
//   rogue_worker claim VERSION HOST PORT joins claiming protocol version VERSION (a worker of
//                                    another build); prints the version this build speaks, then
//                                    "joined" or "join refused:" and the master's reason.
//   rogue_worker name ID HOST PORT   joins under the worker id ID (say, with a newline in it);
//                                    prints "joined" or "join refused:" and the master's reason.
#include "actors/messages.hpp"
#include "cohort/registry.hpp"
#include "core/session.hpp"
#include "core/wire.hpp"
#include "node/transport.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <unistd.h>

namespace {

using namespace cohort;

std::optional<std::string> token_of_env() {
  const char* t = std::getenv("COHORT_TOKEN");
  return t != nullptr && *t != '\0' ? std::optional<std::string>(t) : std::nullopt;
}

std::string reason_of(caf::actor_system& sys, const caf::error& err) {
  // The peer's own words travel as the error's context.
  const auto& ctx = err.context();
  return ctx.match_elements<std::string>() ? ctx.get_as<std::string>(0) : sys.render(err);
}

worker_hello rogue_hello() {
  worker_hello hello;
  hello.id = "rogue/" + std::to_string(getpid()) + "/0";
  hello.host = "rogue";
  return hello;
}

struct rogue_state {
  std::uint64_t batches = 0;
  std::unique_ptr<session> sealed;
};

// Honest answers for its own tasks; forged ones for its neighbours' tasks (batches are runs of
// consecutive indices), for tasks beyond the job, and for its own tasks with another attempt.
std::vector<task_result> lies_about(const std::vector<task_spec>& tasks) {
  std::vector<task_result> forged;
  auto lie = [&](std::uint64_t index, std::uint32_t attempt) {
    forged.push_back({index, attempt, task_outcome::ok, partial{1000, {}}, {}});
  };
  for (const auto& t : tasks) {
    lie(t.index + tasks.size(), 1);
    if (t.index >= tasks.size()) {
      lie(t.index - tasks.size(), 1);
    }
    lie(t.index + 1'000'000'000, 1);
    lie(t.index, t.attempt + 1);
  }
  return forged;
}

caf::behavior rogue(caf::stateful_actor<rogue_state>* self, caf::actor master) {
  auto opener = std::make_shared<handshake_opener>(token_of_env());
  self->request(master, std::chrono::seconds(10), join_atom::value, caf::actor{self}, rogue_hello(),
                opener->nonce())
      .then(
          [self, master, opener](handshake_answer& a) {
            auto done = opener->complete(a);
            auto id = a.session;
            auto key = done.key;
            self->request(master, std::chrono::seconds(10), join_atom::value, id, done.proof)
                .then(
                    [self, id, key](join_atom) {
                      self->state.sealed = std::make_unique<session>(id, key, direction::to_master,
                                                                     direction::to_worker);
                      std::printf("joined\n");
                      std::fflush(stdout);
                    },
                    [self](caf::error& err) {
                      std::fprintf(stderr, "join refused: %s\n", caf::to_string(err).c_str());
                      self->quit();
                    });
          },
          [self](caf::error& err) {
            std::fprintf(stderr, "join refused: %s\n", caf::to_string(err).c_str());
            self->quit();
          });
  return {
      [self, master](sealed_atom, const envelope& e) {
        auto& st = self->state;
        if (!st.sealed || !st.sealed->open(e)) {
          return;
        }
        auto m = decode(e.body);
        auto* run = std::get_if<run_message>(&m);
        if (run == nullptr) {
          return;
        }
        auto forged = lies_about(run->tasks);
        // Answers sent ahead, for batches sent to other workers and for its own.
        for (std::uint64_t b = 1; b <= run->batch + 10; ++b) {
          self->send(master, sealed_atom::value,
                     st.sealed->seal(encode(answers_message{b, false, forged})));
        }
        std::vector<task_result> answers;
        for (const auto& t : run->tasks) {
          answers.push_back({t.index, t.attempt, task_outcome::ok, partial{1, {}}, {}});
        }
        answers.insert(answers.end(), forged.begin(), forged.end());
        self->send(master, sealed_atom::value,
                   st.sealed->seal(encode(answers_message{run->batch, true, answers})));
        std::printf("batches %llu\n", static_cast<unsigned long long>(++st.batches));
        std::fflush(stdout);
      },
  };
}

} // namespace

// Plays a master that cannot prove the node's token: nothing it sends may run.
int rogue_spawn(caf::actor_system& sys, const endpoint& at, bool tls, const std::string& file) {
  auto node = dial(sys, tls, at, std::chrono::seconds(10));
  if (!node) {
    std::fprintf(stderr, "cannot reach the node: %s\n", sys.render(node.error()).c_str());
    return 1;
  }
  auto worker = sys.middleman().remote_spawn<caf::actor>(
      node->node, "cohort-worker", caf::make_message(), std::chrono::seconds(10));
  if (!worker) {
    std::printf("spawn refused: %s\n", sys.render(worker.error()).c_str());
    return 0;
  }
  std::printf("spawned\n");
  caf::scoped_actor self{sys};
  handshake_opener opener(std::string("guessed"));
  handshake_answer answer;
  self->request(*worker, std::chrono::seconds(10), attach_atom::value, caf::actor{self},
                opener.nonce())
      .receive([&](handshake_answer& a) { answer = std::move(a); },
               [&](caf::error& err) {
                 std::printf("attach refused: %s\n", reason_of(sys, err).c_str());
               });
  auto done = opener.complete(answer);
  self->request(*worker, std::chrono::seconds(10), attach_atom::value, answer.session, done.proof)
      .receive([](worker_hello&) { std::printf("attach accepted\n"); },
               [&](caf::error& err) {
                 std::printf("attach refused: %s\n", reason_of(sys, err).c_str());
               });
  auto kinds = builtin_registry();
  auto plan = kinds->find("exec")->split(params(params::map_type{{"file", file}}));
  auto task = plan->make_task(0);
  task.attempt = 1;
  // Sealed under the key the rogue derived with its wrong token: the worker's session (if it had
  // one) could not open it.
  session guessed(answer.session, done.key, direction::to_worker, direction::to_master);
  self->send(*worker, sealed_atom::value,
             guessed.seal(encode(run_message{1, job_desc{1, "exec", {{"file", file}}, {}},
                                             std::vector<task_spec>{task}})));
  self->receive([](sealed_atom, const envelope&) { std::printf("run answered\n"); },
                caf::after(std::chrono::seconds(2)) >> [] { std::printf("run not answered\n"); });
  std::fflush(stdout);
  return 0;
}

// Opens a join with `hello`; prints what the master answered.
int rogue_join_as(caf::actor_system& sys, const worker_hello& hello, const std::string& host,
                  std::uint16_t port) {
  auto master = sys.middleman().remote_actor(host, port);
  if (!master) {
    std::fprintf(stderr, "cannot reach the master: %s\n", sys.render(master.error()).c_str());
    return 1;
  }
  handshake_opener opener(token_of_env());
  caf::scoped_actor self{sys};
  self->request(*master, std::chrono::seconds(10), join_atom::value, caf::actor{self}, hello,
                opener.nonce())
      .receive(
          [](handshake_answer&) { std::printf("joined\n"); },
          [&](caf::error& err) { std::printf("join refused: %s\n", reason_of(sys, err).c_str()); });
  std::fflush(stdout);
  return 0;
}

int main(int argc, char** argv) {
  bool spawn = (argc == 5 || argc == 8) && std::string(argv[1]) == "spawn";
  bool claim = argc == 5 && std::string(argv[1]) == "claim";
  bool name = argc == 5 && std::string(argv[1]) == "name";
  if (argc != 3 && !spawn && !claim && !name) {
    std::fprintf(stderr, "usage: rogue_worker HOST PORT | rogue_worker spawn HOST PORT FILE "
                         "[CERT KEY CA] | "
                         "rogue_worker claim VERSION HOST PORT | rogue_worker name ID HOST PORT\n");
    return 2;
  }
  caf::actor_system_config cfg;
  add_message_types(cfg);
  std::optional<tls_files> tls;
  if (spawn && argc == 8) {
    tls = tls_files{argv[5], argv[6], argv[7]};
  }
  load_transport(cfg, tls);
  // The same heartbeats as cohort nodes, or the master would take this peer for dead.
  cfg.set("middleman.heartbeat-interval", caf::timespan{std::chrono::milliseconds(500)});
  cfg.set("middleman.connection-timeout", caf::timespan{std::chrono::seconds(2)});
  caf::actor_system sys{cfg};
  if (spawn) {
    return rogue_spawn(sys, endpoint{argv[2], static_cast<std::uint16_t>(std::stoi(argv[3]))},
                       tls.has_value(), argv[4]);
  }
  if (claim || name) {
    auto hello = rogue_hello();
    if (claim) {
      hello.protocol = static_cast<std::uint32_t>(std::stoul(argv[2]));
      std::printf("claiming protocol version %u; this build speaks %u\n", hello.protocol,
                  protocol_version);
    } else {
      hello.id = argv[2];
    }
    return rogue_join_as(sys, hello, argv[3], static_cast<std::uint16_t>(std::stoi(argv[4])));
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
