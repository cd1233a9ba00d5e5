// Unit tests of the terminal progress block: lines drawn, erased and drawn again with the cursor
// moved back over them, text written above them, ended jobs dropped.
#include "app/terminal_progress.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <memory>
#include <string>

using namespace cohort;
using cohort::app::terminal_progress;

namespace {

struct capture {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file{std::tmpfile(), &std::fclose};

  /// Everything written since the last call.
  std::string take() {
    std::fflush(file.get());
    std::string out;
    std::rewind(file.get());
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, file.get())) > 0) {
      out.append(buf, n);
    }
    REQUIRE(std::freopen(nullptr, "w+", file.get()) != nullptr);
    return out;
  }
};

job_progress_report job(std::uint64_t id, std::uint64_t done, std::string name = {}) {
  job_progress_report p;
  p.id = id;
  p.name = std::move(name);
  p.done = done;
  p.total = 10;
  return p;
}

} // namespace

TEST_CASE("terminal_progress: lines are drawn, then redrawn over the old ones", "[progress]") {
  capture c;
  terminal_progress d(c.file.get(), [] { return std::size_t{60}; });
  d.show({job(1, 2), job(2, 0, "nightly")});
  auto first = c.take();
  CHECK(first == terminal_progress_line(job(1, 2), 59) + "\n" +
                     terminal_progress_line(job(2, 0, "nightly"), 59) + "\n");
  d.show({job(2, 5, "nightly")});
  // Up two lines, back to the first column, clear to the end, one line now.
  CHECK(c.take() == "\x1b[2A\r\x1b[J" + terminal_progress_line(job(2, 5, "nightly"), 59) + "\n");
  d.clear();
  CHECK(c.take() == "\x1b[1A\r\x1b[J");
  d.clear();
  CHECK(c.take().empty());
}

TEST_CASE("terminal_progress: text goes above the lines, which are drawn again below it",
          "[progress]") {
  capture c;
  terminal_progress d(c.file.get(), [] { return std::size_t{40}; });
  d.update(job(1, 1));
  c.take();
  d.above([&] { std::fputs("a log line\n", c.file.get()); });
  CHECK(c.take() == "\x1b[1A\r\x1b[Ja log line\n" + terminal_progress_line(job(1, 1), 39) + "\n");
}

TEST_CASE("terminal_progress: a client's jobs come one by one and go when their line is printed",
          "[progress]") {
  capture c;
  terminal_progress d(c.file.get(), [] { return std::size_t{50}; });
  d.update(job(4, 1));
  d.update(job(5, 1, "b"));
  d.update(job(4, 3));
  c.take();
  d.update(job(5, 2, "b"));
  CHECK(c.take() == "\x1b[2A\r\x1b[J" + terminal_progress_line(job(4, 3), 49) + "\n" +
                        terminal_progress_line(job(5, 2, "b"), 49) + "\n");
  d.ended(R"({"id":4,"job":"sleep","status":"ok"})");
  CHECK(c.take() == "\x1b[2A\r\x1b[J" + terminal_progress_line(job(5, 2, "b"), 49) + "\n");
  d.ended(R"({"id":5,"name":"b","job":"sleep","status":"ok"})");
  CHECK(c.take() == "\x1b[1A\r\x1b[J");
  // Neither a line of another job nor garbage changes anything.
  d.ended(R"({"id":9})");
  d.ended("not json");
  CHECK(c.take().empty());
}
