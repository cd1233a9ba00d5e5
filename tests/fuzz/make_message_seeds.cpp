// Writes the seed corpus of fuzz_messages into the directory given: each type that crosses the
// network encoded after its selector byte, every wire message's body alone and sealed in an
// envelope, and whole BASP payloads (stages, then the message) as master and workers send them.
#include "actors/messages.hpp"
#include "core/session.hpp"
#include "core/wire.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/make_message.hpp>
#include <caf/scoped_execution_unit.hpp>

#include <fstream>
#include <iostream>

namespace {

/// Selector bytes of fuzz_messages.cpp; any other value decodes a whole payload.
enum selector : char { hello = 0, answer = 1, sealed = 2, body = 3, forged = 4, payload = 5 };

template <class... Ts>
void write(caf::execution_unit& ctx, const std::string& path, selector s, Ts&... xs) {
  std::vector<char> buf{s};
  caf::binary_serializer sink{&ctx, buf};
  if (auto err = sink(xs...)) {
    std::cerr << path << ": " << caf::to_string(err) << "\n";
    std::exit(1);
  }
  std::ofstream(path, std::ios::binary).write(buf.data(), static_cast<std::streamsize>(buf.size()));
}

void write_bytes(const std::string& path, selector s, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.put(s);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A client's job with every field set.
cohort::job_request client_job() {
  cohort::job_request j;
  j.kind = "wordcount";
  j.args.set("path", "data/in.txt");
  j.name = "nightly";
  j.priority = -3;
  j.require = {"ssd"};
  j.task_timeout = std::chrono::seconds(5);
  j.deadline = std::chrono::minutes(2);
  j.max_attempts = 4;
  j.speculate = false;
  j.concurrency = 8;
  return j;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_message_seeds DIR\n";
    return 2;
  }
  std::string dir = argv[1];
  caf::actor_system_config cfg;
  cohort::add_message_types(cfg);
  caf::actor_system sys{cfg};
  caf::scoped_execution_unit ctx{&sys};
  using namespace cohort;

  worker_hello h;
  h.id = "host-1/0";
  h.host = "host-1";
  h.tags = {"gpu", "ssd"};
  h.capabilities = {"exec"};
  write(ctx, dir + "/hello", hello, h);
  handshake_opener opener(std::string("token"));
  handshake_answerer<int> answerer(std::string("token"));
  auto a = answerer.answer(opener.nonce(), 0);
  write(ctx, dir + "/handshake_answer", answer, a);

  job_desc d{7, "wordcount", {{"path", "/var/log"}, {"top", "20"}}, std::chrono::seconds(30)};
  std::vector<task_spec> ts{{0, 1, 0, 1000, ""}, {1, 2, 1000, 2000, std::string{1, 0, 'a', 'b'}}};
  std::vector<task_result> rs{{0, 1, task_outcome::ok, {168, ""}, ""},
                              {1, 2, task_outcome::failed, {}, "boom"},
                              {2, 1, task_outcome::cancelled, {}, ""}};
  const std::pair<std::string, wire_message> bodies[] = {
      {"run", run_message{42, d, ts}},
      {"answers", answers_message{42, true, rs}},
      {"cancel_job", cancel_job_message{7}},
      {"cancel_task", cancel_task_message{7, 1, 2}},
      {"bye", bye_message{}},
      {"leave", leave_message{}},
      {"submit", submit_message{3, {client_job()}, true, true}},
      {"wait", wait_message{4, {1, 2, 3}, true}},
      {"cancel_jobs", cancel_jobs_message{5, {2}}},
      {"list", list_message{6, true}},
      {"status", status_message{7}},
      {"reply", reply_message{3, "unknown job kind 'x'", {1, 2}, {"{\"id\":1}"}}},
      {"line", line_message{2, 1, "{\"id\":2,\"job\":\"sleep\"}"}},
      {"note", note_message{2, {}, "progress job=2 done=1 total=4"}},
      {"record", note_message{2, "joblog.tsv", "1\tvm\t0\t0.1\t0\t0\t0\t0\ttrue"}}};
  session s(a.session, random_key(), direction::to_worker, direction::to_master);
  std::vector<caf::strong_actor_ptr> stages;
  for (const auto& [name, m] : bodies) {
    auto bytes = encode(m);
    write_bytes(dir + "/body_" + name, body, bytes);
    auto e = s.seal(bytes);
    write(ctx, dir + "/envelope_" + name, sealed, e);
    write(ctx, dir + "/forged_" + name, forged, e);
    auto msg = caf::make_message(sealed_atom::value, e);
    write(ctx, dir + "/payload_" + name, payload, stages, msg);
  }
  auto join = caf::make_message(join_atom::value, caf::actor{}, h, opener.nonce());
  write(ctx, dir + "/payload_join", payload, stages, join);
  auto proof = caf::make_message(join_atom::value, a.session, std::string(32, 'p'));
  write(ctx, dir + "/payload_join_proof", payload, stages, proof);
  auto attach = caf::make_message(attach_atom::value, caf::actor{}, opener.nonce());
  write(ctx, dir + "/payload_attach", payload, stages, attach);
  auto client =
      caf::make_message(client_atom::value, caf::actor{}, protocol_version, opener.nonce());
  write(ctx, dir + "/payload_client", payload, stages, client);
  return 0;
}
