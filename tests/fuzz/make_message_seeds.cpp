// Writes the seed corpus of fuzz_messages into the directory given: each protocol type encoded
// after its selector byte, and whole BASP payloads (stages, then the message) as master and
// workers send them.
#include "actors/messages.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/make_message.hpp>
#include <caf/scoped_execution_unit.hpp>

#include <fstream>
#include <iostream>

namespace {

/// Selector bytes of fuzz_messages.cpp; any other value decodes a whole payload.
enum selector : char { hello = 0, desc = 1, specs = 2, results = 3, part = 4, payload = 5 };

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
  job_desc d{7, "wordcount", {{"path", "/var/log"}, {"top", "20"}}, std::chrono::seconds(30)};
  write(ctx, dir + "/job_desc", desc, d);
  std::vector<task_spec> ts{{0, 1, 0, 1000, ""}, {1, 2, 1000, 2000, std::string{1, 0, 'a', 'b'}}};
  write(ctx, dir + "/task_specs", specs, ts);
  std::vector<task_result> rs{{0, 1, task_outcome::ok, {168, ""}, ""},
                              {1, 2, task_outcome::failed, {}, "boom"},
                              {2, 1, task_outcome::cancelled, {}, ""}};
  write(ctx, dir + "/task_results", results, rs);
  partial p{3, "abc"};
  write(ctx, dir + "/partial", part, p);

  std::vector<caf::strong_actor_ptr> stages;
  auto join = caf::make_message(join_atom::value, caf::actor{}, h, std::string("token"));
  write(ctx, dir + "/payload_join", payload, stages, join);
  auto attach = caf::make_message(attach_atom::value, std::string("token"));
  write(ctx, dir + "/payload_attach", payload, stages, attach);
  auto run = caf::make_message(run_atom::value, d, std::uint64_t{42}, ts);
  write(ctx, dir + "/payload_run", payload, stages, run);
  auto answer = caf::make_message(part_atom::value, std::uint64_t{42}, rs);
  write(ctx, dir + "/payload_part", payload, stages, answer);
  auto reply = caf::make_message(rs);
  write(ctx, dir + "/payload_reply", payload, stages, reply);
  auto cancel =
      caf::make_message(cancel_atom::value, std::uint64_t{7}, std::uint64_t{1}, std::uint32_t{2});
  write(ctx, dir + "/payload_cancel", payload, stages, cancel);
  return 0;
}
