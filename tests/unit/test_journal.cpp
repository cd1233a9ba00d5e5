// Unit tests of the journal (--journal): what it keeps across reopening, the records' effects, and
// the files it refuses (another program's, a newer format, corrupt, in use) left as they were.
#include "core/journal.hpp"
#include "core/journal_writer.hpp"

#include "tests/unit/scratch_dir.hpp"

#include <sqlite3.h>

#include <catch2/catch.hpp>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>

using namespace cohort;

namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void sql(const std::filesystem::path& p, const char* text) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(p.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, text, nullptr, nullptr, &err);
  INFO((err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

std::string refusal(const std::filesystem::path& p) {
  try {
    journal j(p.string());
  } catch (const journal_error& e) {
    return e.what();
  }
  return "opened";
}

merged_task answer(std::uint64_t index, std::uint64_t count, std::string data = {}) {
  return merged_task{index, partial{count, std::move(data)}};
}

} // namespace

TEST_CASE("journal: a job's records survive reopening, a snapshot replaces the answers before it",
          "[journal]") {
  const test::scratch_dir dir;
  const auto file = dir.path() / "j.db";
  {
    journal j(file.string());
    CHECK(j.last_id() == 0);
    CHECK(j.unfinished().empty());
    index_set covered;
    covered.insert(0);
    covered.insert(1);
    j.write({job_accepted{1, 7, R"({"job":"sleep"})", true, "6:ab"},
             tasks_merged{1, {answer(0, 1), answer(1, 1, "x")}},
             job_accepted{2, 0, "{}", true, "1:"}, job_snapshot{1, "2", covered}});
    j.write({tasks_merged{1, {answer(5, 1, std::string("\0b", 2))}},
             tasks_merged{1, {answer(3, 1)}}, tasks_merged{2, {answer(0, 9)}},
             job_finished{2, job_status::ok, R"({"id":2})"}, job_accepted{3, 4, "[]", false, "1:"},
             job_finished{3, job_status::cancelled, R"({"id":3})"}});
  }
  journal j(file.string());
  CHECK(j.last_id() == 3);
  const auto open = j.unfinished();
  REQUIRE(open.size() == 1);
  const auto& one = open.front();
  CHECK(one.id == 1);
  CHECK(one.owner == 7);
  CHECK(one.request == R"({"job":"sleep"})");
  CHECK(one.resumable);
  CHECK(one.plan == "6:ab");
  REQUIRE(one.state);
  CHECK(*one.state == "2");
  CHECK(one.merged.size() == 2);
  CHECK(one.merged.contains(1));
  REQUIRE(one.since.size() == 2);
  CHECK(one.since[0].index == 5);
  CHECK(one.since[0].answer.data == std::string("\0b", 2));
  CHECK(one.since[1].index == 3);
  const auto done = j.finished(10);
  REQUIRE(done.size() == 2);
  CHECK(done[0].id == 2);
  CHECK(done[0].owner == 0);
  CHECK(done[0].request == "{}");
  CHECK(done[0].status == job_status::ok);
  CHECK(done[0].line == R"({"id":2})");
  CHECK(done[1].status == job_status::cancelled);
  const auto newest = j.finished(1);
  REQUIRE(newest.size() == 1);
  CHECK(newest[0].id == 3);
  CHECK(newest[0].owner == 4);

  CHECK(j.forget_finished_before(std::chrono::system_clock::now() - std::chrono::hours(1)) == 0);
  CHECK(j.forget_finished_before(std::chrono::system_clock::now() + std::chrono::seconds(1)) == 2);
  CHECK(j.finished(10).empty());
  CHECK(j.unfinished().size() == 1);
}

TEST_CASE("journal: the writer tells which tasks_started it wrote, and they are kept until the job "
          "ends",
          "[journal]") {
  const test::scratch_dir dir;
  const auto file = (dir.path() / "j.db").string();
  std::mutex mutex;
  std::condition_variable told_cv;
  std::vector<std::pair<std::uint64_t, bool>> told;
  {
    journal_writer writer(std::make_unique<journal>(file), std::chrono::hours(24));
    writer.on_written([&](std::uint64_t ticket, bool ok) {
      std::lock_guard lock(mutex);
      told.emplace_back(ticket, ok);
      told_cv.notify_all();
    });
    index_set first;
    first.insert(3);
    first.insert(4);
    index_set second;
    second.insert(9);
    writer.post({job_accepted{1, 0, "{}", true, "2000:"}, tasks_started{1, 1, first},
                 tasks_started{1, 2, second}});
    std::unique_lock lock(mutex);
    REQUIRE(told_cv.wait_for(lock, std::chrono::seconds(10), [&] { return !told.empty(); }));
    CHECK(told == std::vector<std::pair<std::uint64_t, bool>>{{2, true}});
    lock.unlock();
    // Records with no tasks_started are not told.
    writer.post({tasks_merged{1, {answer(3, 1)}}});
    writer.flush();
    lock.lock();
    CHECK(told.size() == 1);
  }
  journal j(file);
  auto held = j.unfinished();
  REQUIRE(held.size() == 1);
  CHECK(held[0].started.size() == 3);
  CHECK(held[0].started.contains(4));
  CHECK(held[0].started.contains(9));
  j.write({job_finished{1, job_status::ok, "{}"}});
  j.write({job_accepted{1, 0, "{}", true, "2000:"}});
  held = j.unfinished();
  REQUIRE(held.size() == 1);
  CHECK(held[0].started.size() == 0);
}

TEST_CASE("journal: a second master on the same file is refused while the first holds it",
          "[journal]") {
  const test::scratch_dir dir;
  const auto file = dir.path() / "j.db";
  {
    journal first(file.string());
    CHECK(refusal(file) == "journal " + file.string() + ": in use by another master");
  }
  CHECK(refusal(file) == "opened");
}

TEST_CASE("journal: files that are not cohort's journal are refused and left as they were",
          "[journal]") {
  const test::scratch_dir dir;
  const auto text = dir.write("notes.txt", "not a database at all, but long enough to look at\n");
  CHECK(refusal(text) ==
        "journal " + text.string() + ": not a cohort journal (not an SQLite database)");
  CHECK(read_file(text) == "not a database at all, but long enough to look at\n");

  const auto other = dir.path() / "other.db";
  sql(other, "CREATE TABLE t(x); INSERT INTO t VALUES(1);");
  const auto before = read_file(other);
  CHECK(refusal(other) == "journal " + other.string() +
                              ": not a cohort journal (an SQLite database of another program)");
  CHECK(read_file(other) == before);
  CHECK_FALSE(std::filesystem::exists(other.string() + "-wal"));

  const auto newer = dir.path() / "newer.db";
  { journal j(newer.string()); }
  sql(newer, "PRAGMA user_version = 99;");
  const auto newer_bytes = read_file(newer);
  CHECK(refusal(newer) == "journal " + newer.string() +
                              ": written by a newer cohort (journal format 99, this one reads 1)");
  CHECK(read_file(newer) == newer_bytes);
}

TEST_CASE("journal: a corrupt journal is refused, naming the file", "[journal]") {
  const test::scratch_dir dir;
  const auto file = dir.path() / "j.db";
  {
    journal j(file.string());
    std::vector<merged_task> many;
    for (std::uint64_t i = 0; i < 2000; ++i) {
      many.push_back(answer(i, i, std::string(40, 'w')));
    }
    j.write({job_accepted{1, 0, "{}", true, "2000:"}, tasks_merged{1, many}});
  }
  // The journal is checkpointed on close; garble its second page onwards.
  auto bytes = read_file(file);
  REQUIRE(bytes.size() > 8192);
  for (std::size_t i = 4096; i < bytes.size(); i += 7) {
    bytes[i] = static_cast<char>(0xa5);
  }
  std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
  const auto why = refusal(file);
  CHECK(why.rfind("journal " + file.string() + ": corrupt (", 0) == 0);
}
