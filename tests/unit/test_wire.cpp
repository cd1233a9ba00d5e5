// The wire format inside envelopes: every message decodes as it was encoded, and bytes that are not
// a well-formed encoding (truncated, another version or kind, lengths beyond the buffer, trailing
// bytes) are refused with a reason, never read past the end or allocated for.
#include "core/wire.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <limits>

using namespace cohort;
using namespace std::chrono_literals;

namespace {

run_message some_run() {
  run_message m;
  m.batch = 9;
  m.job = job_desc{42, "primes", {{"from", "0"}, {"to", "100"}}, 1500ms};
  m.tasks.push_back({0, 1, 0, 100, {}});
  m.tasks.push_back({7, 3, std::numeric_limits<std::uint64_t>::max(), 5, std::string("b\0x", 3)});
  m.tasks.push_back(
      {1'000'000'000'000ULL, std::numeric_limits<std::uint32_t>::max(), 1, 2, "data"});
  return m;
}

std::string reason(const std::function<void()>& f) {
  try {
    f();
  } catch (const wire_error& e) {
    return e.what();
  }
  return "no error";
}

template <class T> T round_trip(const T& m) {
  auto back = decode(encode(m));
  REQUIRE(std::holds_alternative<T>(back));
  return std::get<T>(back);
}

} // namespace

TEST_CASE("wire: a batch decodes as it was encoded", "[wire]") {
  auto m = some_run();
  auto b = round_trip(m);
  CHECK(b.batch == 9);
  CHECK(b.job.job == 42);
  CHECK(b.job.kind == "primes");
  CHECK(b.job.args == m.job.args);
  CHECK(b.job.task_timeout == 1500ms);
  REQUIRE(b.tasks.size() == m.tasks.size());
  for (std::size_t i = 0; i < m.tasks.size(); ++i) {
    CHECK(b.tasks[i].index == m.tasks[i].index);
    CHECK(b.tasks[i].attempt == m.tasks[i].attempt);
    CHECK(b.tasks[i].lo == m.tasks[i].lo);
    CHECK(b.tasks[i].hi == m.tasks[i].hi);
    CHECK(b.tasks[i].data == m.tasks[i].data);
  }
  CHECK(round_trip(run_message{}).tasks.empty());
}

TEST_CASE("wire: answers and the small messages decode as they were encoded", "[wire]") {
  answers_message m;
  m.batch = 3;
  m.final = true;
  m.answers.push_back({3, 1, task_outcome::ok, partial{78498, {}}, {}});
  m.answers.push_back({4, 2, task_outcome::failed, partial{}, "it threw"});
  m.answers.push_back({5, 1, task_outcome::cancelled, partial{0, std::string(1000, 'x')}, {}});
  auto back = round_trip(m);
  CHECK(back.batch == 3);
  CHECK(back.final);
  REQUIRE(back.answers.size() == 3);
  CHECK(back.answers[0].value.count == 78498);
  CHECK(back.answers[1].outcome == task_outcome::failed);
  CHECK(back.answers[1].error == "it threw");
  CHECK(back.answers[2].value.data == std::string(1000, 'x'));
  CHECK(round_trip(cancel_job_message{77}).job == 77);
  auto c = round_trip(cancel_task_message{1, 2, 3});
  CHECK((c.job == 1 && c.index == 2 && c.attempt == 3));
  round_trip(bye_message{});
  round_trip(leave_message{});
}

TEST_CASE("wire: malformed bytes are refused with a reason", "[wire]") {
  auto packed = encode(some_run());
  for (std::size_t cut = 0; cut < packed.size(); ++cut) {
    CHECK(reason([&] { decode(std::string_view(packed).substr(0, cut)); }) != "no error");
  }
  CHECK(reason([&] { decode(packed + "x"); }) == "1 bytes after the end");
  auto other = packed;
  other[0] = 9;
  CHECK(reason([&] { decode(other); }) == "wire format 9, this build reads 1");
  std::string unknown{static_cast<char>(wire_version), 42};
  CHECK(reason([&] { decode(unknown); }) == "unknown message kind");
  // A batch of 2^62 tasks in a few bytes: refused before anything is allocated.
  std::string huge{static_cast<char>(wire_version), 0, 0, 0, 0, 0, 0};
  huge += std::string("\x80\x80\x80\x80\x80\x80\x80\x80\x40", 9);
  CHECK(reason([&] { decode(huge); }).find("beyond the bytes left") != std::string::npos);
  std::string long_number{static_cast<char>(wire_version), 1};
  long_number += std::string(10, '\xff');
  CHECK(reason([&] { decode(long_number); }) == "number beyond 64 bits");
  // One encoding per message: a number with a needless byte is refused (found by fuzzing).
  std::string padded{static_cast<char>(wire_version), 1, static_cast<char>(0xac), 0};
  CHECK(reason([&] { decode(padded); }) == "number not in its shortest form");
  answers_message bad;
  bad.answers.push_back({1, 1, task_outcome::ok, {}, {}});
  auto bad_outcome = encode(bad);
  bad_outcome[7] = 7;
  CHECK(reason([&] { decode(bad_outcome); }) == "unknown outcome 7");
}
