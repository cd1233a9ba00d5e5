// Unit tests of job summaries and the bounded history of ended jobs.
#include "core/job_history.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

using namespace cohort;

namespace {

job_history::record record_of(std::uint64_t id, job_status status = job_status::ok) {
  job_history::record r;
  r.summary.id = id;
  r.summary.owner = 1;
  r.summary.kind = "fake";
  r.summary.state = status_name(status);
  r.summary.done = id;
  r.summary.total = id + 1;
  r.status = status;
  r.line = R"({"id":)" + std::to_string(id) + "}";
  return r;
}

std::vector<std::uint64_t> ids(const job_history& h) {
  std::vector<std::uint64_t> out;
  for (const auto* r : h.all()) {
    REQUIRE(r != nullptr);
    out.push_back(r->summary.id);
  }
  return out;
}

} // namespace

TEST_CASE("job_history: a summary line has its fields in order with the name when given",
          "[job_history]") {
  job_summary s{7, 3, "wordcount", "nightly", "running", 3, 10, 1.23456};
  CHECK(summary_line(s) == R"({"id":7,"name":"nightly","job":"wordcount","status":"running",)"
                           R"("done":3,"total":10,"wall_s":1.235})");
}

TEST_CASE("job_history: a summary line leaves out an empty name and not the owner",
          "[job_history]") {
  job_summary s{1, 9, "primes", "", "queued", 0, 4, 0};
  CHECK(summary_line(s) ==
        R"({"id":1,"job":"primes","status":"queued","done":0,"total":4,"wall_s":0.0})");
  auto parsed = nlohmann::json::parse(summary_line(s));
  CHECK_FALSE(parsed.contains("name"));
  CHECK_FALSE(parsed.contains("owner"));
}

TEST_CASE("job_history: a summary line stays valid JSON with quotes and bad UTF-8 in the name",
          "[job_history]") {
  job_summary s{2, 0, "exec", "say \"hi\"\n\\ \xff", "ok", 1, 1, 12.0004};
  auto line = summary_line(s);
  CHECK(line.find('\n') == std::string::npos);
  auto parsed = nlohmann::json::parse(line);
  CHECK(parsed["name"] == "say \"hi\"\n\\ \xef\xbf\xbd");
  CHECK(parsed["wall_s"].get<double>() == Approx(12.0));
}

TEST_CASE("job_history: status names are ok failed and cancelled", "[job_history]") {
  CHECK(status_name(job_status::ok) == "ok");
  CHECK(status_name(job_status::failed) == "failed");
  CHECK(status_name(job_status::cancelled) == "cancelled");
}

TEST_CASE("job_history: a record is found by its id with what was added", "[job_history]") {
  job_history h(10);
  CHECK(h.find(1) == nullptr);
  CHECK(h.all().empty());
  h.add(record_of(4, job_status::cancelled));
  h.add(record_of(2, job_status::failed));
  const auto* r = h.find(4);
  REQUIRE(r != nullptr);
  CHECK(r->summary.id == 4);
  CHECK(r->summary.state == "cancelled");
  CHECK(r->summary.done == 4);
  CHECK(r->summary.total == 5);
  CHECK(r->status == job_status::cancelled);
  CHECK(r->line == R"({"id":4})");
  REQUIRE(h.find(2) != nullptr);
  CHECK(h.find(2)->status == job_status::failed);
  CHECK(h.find(3) == nullptr);
  // Oldest first: the order of adding, not of ids.
  CHECK(ids(h) == std::vector<std::uint64_t>{4, 2});
}

TEST_CASE("job_history: only the newest N ended jobs are kept", "[job_history]") {
  job_history h(3);
  for (std::uint64_t id = 1; id <= 3; ++id) {
    h.add(record_of(id));
  }
  CHECK(ids(h) == std::vector<std::uint64_t>{1, 2, 3});
  h.add(record_of(4));
  h.add(record_of(5));
  CHECK(ids(h) == std::vector<std::uint64_t>{3, 4, 5});
  CHECK(h.find(1) == nullptr);
  CHECK(h.find(2) == nullptr);
  for (std::uint64_t id = 3; id <= 5; ++id) {
    REQUIRE(h.find(id) != nullptr);
    CHECK(h.find(id)->line == R"({"id":)" + std::to_string(id) + "}");
  }
  for (std::uint64_t id = 6; id <= 1000; ++id) {
    h.add(record_of(id));
  }
  CHECK(ids(h) == std::vector<std::uint64_t>{998, 999, 1000});
  CHECK(h.find(997) == nullptr);
}

TEST_CASE("job_history: a history of 0 keeps nothing", "[job_history]") {
  job_history h(0);
  h.add(record_of(1));
  CHECK(h.find(1) == nullptr);
  CHECK(h.all().empty());
}

TEST_CASE("job_history: a history of 1 keeps the last job", "[job_history]") {
  job_history h(1);
  h.add(record_of(1));
  h.add(record_of(2));
  CHECK(h.find(1) == nullptr);
  REQUIRE(h.find(2) != nullptr);
  CHECK(ids(h) == std::vector<std::uint64_t>{2});
}
