// Unit tests of progress lines: the plain form of the contract, its parser (what a client reads
// from its master) and the terminal form with its bar and width.
#include "cohort/progress.hpp"

#include <catch2/catch.hpp>

using namespace cohort;

namespace {

job_progress_report running(std::uint64_t done, std::uint64_t total) {
  job_progress_report p;
  p.id = 3;
  p.done = done;
  p.total = total;
  p.in_flight = 8;
  return p;
}

} // namespace

TEST_CASE("progress: a plain line gives the rate and the time left once there is a rate",
          "[progress]") {
  auto p = running(50, 200);
  CHECK(plain_progress_line(p) == "progress job=3 done=50 total=200 inflight=8 rate=?/s eta=?");
  p.rate = 25;
  p.eta_s = 6;
  CHECK(plain_progress_line(p) == "progress job=3 done=50 total=200 inflight=8 rate=25/s eta=6.0s");
  p.name = "nightly";
  CHECK(plain_progress_line(p).rfind("progress job=nightly done=50 ", 0) == 0);
}

TEST_CASE("progress: a waiting job's plain line says how many workers joined of how many",
          "[progress]") {
  auto p = running(0, 10);
  p.waiting = job_progress_report::waiting_for{1, 2, 27.2};
  CHECK(plain_progress_line(p) == "progress job=3 waiting joined=1 need=2 left=28s");
}

TEST_CASE("progress: a plain line parses back into the report it came from", "[progress]") {
  auto p = running(50, 200);
  p.rate = 25;
  p.eta_s = 6;
  auto back = parse_progress_line(plain_progress_line(p));
  REQUIRE(back);
  CHECK(back->id == 3);
  CHECK(back->name.empty());
  CHECK(back->done == 50);
  CHECK(back->total == 200);
  CHECK(back->in_flight == 8);
  CHECK(back->rate == 25);
  CHECK(back->eta_s == 6);
  CHECK_FALSE(back->waiting);

  p.name = "nightly";
  p.rate.reset();
  p.eta_s.reset();
  back = parse_progress_line(plain_progress_line(p));
  REQUIRE(back);
  CHECK(back->name == "nightly");
  CHECK_FALSE(back->rate);
  CHECK_FALSE(back->eta_s);

  p.waiting = job_progress_report::waiting_for{1, 2, 28};
  back = parse_progress_line(plain_progress_line(p));
  REQUIRE(back);
  REQUIRE(back->waiting);
  CHECK(back->waiting->joined == 1);
  CHECK(back->waiting->need == 2);
  CHECK(back->waiting->left_s == 28);
}

TEST_CASE("progress: what is not a progress line does not parse", "[progress]") {
  CHECK_FALSE(parse_progress_line(""));
  CHECK_FALSE(parse_progress_line("progress job="));
  CHECK_FALSE(parse_progress_line("progress job=3"));
  CHECK_FALSE(parse_progress_line("progress job=3 done=x total=2 inflight=0 rate=1/s eta=?"));
  CHECK_FALSE(parse_progress_line("progress job=3 done=1 total=2 inflight=0"));
  CHECK_FALSE(parse_progress_line("progress job=3 waiting joined=1"));
  CHECK_FALSE(parse_progress_line("{\"id\":1}"));
}

TEST_CASE("progress: a terminal line has a bar, the counts, the rate and the time left",
          "[progress]") {
  auto p = running(4512, 10000);
  p.name = "nightly";
  p.rate = 1234.5;
  p.eta_s = 125;
  auto line = terminal_progress_line(p, 80);
  CHECK(line.size() <= 80);
  CHECK(line.rfind("nightly  [", 0) == 0);
  CHECK_THAT(line, Catch::EndsWith("] 45%  4512/10000  1.23k/s  eta 2 min 05 s"));
  // Half the bar's cells are full, then the head.
  auto open = line.find('[');
  auto close = line.find(']');
  auto bar = line.substr(open + 1, close - open - 1);
  auto full = bar.find_first_not_of('=');
  CHECK(full == bar.size() * 4512 / 10000);
  CHECK(bar[full] == '>');
}

TEST_CASE("progress: a narrow terminal drops the bar, then cuts the line", "[progress]") {
  auto p = running(1, 3);
  p.rate = 2;
  p.eta_s = 1;
  auto wide = terminal_progress_line(p, 100);
  CHECK(wide.find('[') != std::string::npos);
  auto narrow = terminal_progress_line(p, 30);
  CHECK(narrow.find('[') == std::string::npos);
  CHECK(narrow == "3 33%  1/3  2.0/s  eta 1 s");
  CHECK(terminal_progress_line(p, 10).size() == 10);
}

TEST_CASE("progress: a waiting job's terminal line says who joined and how long it waits",
          "[progress]") {
  auto p = running(0, 10);
  p.waiting = job_progress_report::waiting_for{1, 2, 27.5};
  CHECK(terminal_progress_line(p, 80) == "3  waiting for workers: 1 of 2 joined (28 s left)");
  p.rate.reset();
  auto q = running(0, 10);
  CHECK_THAT(terminal_progress_line(q, 80), Catch::EndsWith("0%  0/10  -/s  eta ?"));
}
