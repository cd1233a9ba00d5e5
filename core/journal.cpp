// SQLite underneath: WAL mode with synchronous=NORMAL (a commit survives a crash of the process; a
// power cut may lose the last commits, docs/journal.md). The file is locked with flock beside
// SQLite's own locks, so a second master fails at once with a clear error.
#include "core/journal.hpp"

#include "core/byte_codec.hpp"
#include "core/job_report.hpp"

#include <sqlite3.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sys/file.h>
#include <unistd.h>

namespace cohort {

namespace {

constexpr int application_id = 0x636f6872; // "cohr"
constexpr const char* sqlite_magic = "SQLite format 3";
constexpr int busy_wait_ms = 5000;

const char* const schema = R"sql(
CREATE TABLE jobs(
  id INTEGER PRIMARY KEY,
  owner INTEGER NOT NULL,
  request TEXT NOT NULL,
  resumable INTEGER NOT NULL,
  accepted_ms INTEGER NOT NULL,
  status TEXT,
  line TEXT,
  ended_ms INTEGER,
  state BLOB,
  merged BLOB,
  plan TEXT
);
CREATE TABLE merges(
  job INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  tasks BLOB NOT NULL,
  PRIMARY KEY(job, seq)
) WITHOUT ROWID;
CREATE INDEX jobs_ended ON jobs(ended_ms) WHERE status IS NOT NULL;
)sql";

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A prepared statement, finalized when it goes.
class statement {
public:
  statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &st_, nullptr) != SQLITE_OK) {
      throw journal_error(sqlite3_errmsg(db));
    }
  }
  ~statement() { sqlite3_finalize(st_); }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  statement& bind(int i, std::int64_t v) {
    check(sqlite3_bind_int64(st_, i, v));
    return *this;
  }
  statement& bind_u64(int i, std::uint64_t v) { return bind(i, static_cast<std::int64_t>(v)); }
  statement& bind_text(int i, const std::string& v) {
    check(sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  statement& bind_blob(int i, const std::string& v) {
    check(sqlite3_bind_blob64(st_, i, v.data(), v.size(), SQLITE_TRANSIENT));
    return *this;
  }
  /// true while rows come.
  bool step() {
    const int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) {
      return true;
    }
    if (rc != SQLITE_DONE) {
      throw journal_error(sqlite3_errmsg(db_));
    }
    return false;
  }
  void run() {
    step();
    reset();
  }
  /// Ready to run again, with no values bound.
  void reset() {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(st_, col); }
  bool null(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
  std::string text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st_, col)))
             : std::string();
  }
  std::string blob(int col) const {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(st_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st_, col)))
             : std::string();
  }

private:
  void check(int rc) const {
    if (rc != SQLITE_OK) {
      throw journal_error(sqlite3_errmsg(db_));
    }
  }
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
};

std::string encode_tasks(const std::vector<merged_task>& tasks) {
  std::size_t size = 8;
  for (const auto& t : tasks) {
    size += 12 + t.answer.data.size();
  }
  codec_writer w(size);
  w.u64(tasks.size());
  for (const auto& t : tasks) {
    w.u64(t.index);
    w.u64(t.answer.count);
    w.bytes(t.answer.data);
  }
  return w.take();
}

void decode_tasks(std::string_view bytes, std::vector<merged_task>& out) {
  codec_reader r(bytes);
  const auto n = r.count(3);
  for (std::size_t i = 0; i < n; ++i) {
    merged_task t;
    t.index = r.u64();
    t.answer.count = r.u64();
    t.answer.data = r.text();
    out.push_back(std::move(t));
  }
  r.finish();
}

job_status status_of(const std::string& s) {
  if (s == "ok") {
    return job_status::ok;
  }
  if (s == "cancelled") {
    return job_status::cancelled;
  }
  if (s == "failed") {
    return job_status::failed;
  }
  throw journal_error("a job with status '" + s + "'");
}

// What the first bytes of an existing file say, read without SQLite (so nothing is written).
bool looks_like_sqlite(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[16] = {};
  in.read(head, sizeof head);
  return in.gcount() == sizeof head && std::memcmp(head, sqlite_magic, 16) == 0;
}

} // namespace

journal::journal(std::string path) : path_(std::move(path)) {
  std::error_code ec;
  const bool existed =
      std::filesystem::exists(path_, ec) && std::filesystem::file_size(path_, ec) > 0;
  if (existed && !looks_like_sqlite(path_)) {
    fail("not a cohort journal (not an SQLite database)");
  }
  lock_fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0) {
    fail(std::strerror(errno));
  }
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int e = errno;
    ::close(lock_fd_);
    lock_fd_ = -1;
    fail(e == EWOULDBLOCK ? "in use by another master" : std::strerror(e));
  }
  try {
    if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
      fail(db_ ? sqlite3_errmsg(db_) : "cannot open");
    }
    sqlite3_extended_result_codes(db_, 1);
    // Another program reading FILE (a backup, the sqlite3 shell) holds its lock briefly: wait.
    sqlite3_busy_timeout(db_, busy_wait_ms);
    std::int64_t app = 0;
    std::int64_t version = 0;
    std::int64_t tables = 0;
    try {
      statement a(db_, "PRAGMA application_id");
      a.step();
      app = a.integer(0);
      statement v(db_, "PRAGMA user_version");
      v.step();
      version = v.integer(0);
      statement t(db_, "SELECT count(*) FROM sqlite_schema");
      t.step();
      tables = t.integer(0);
    } catch (const journal_error& e) {
      fail(std::string("corrupt (") + e.what() + ")");
    }
    if (app != application_id && (app != 0 || tables != 0)) {
      fail("not a cohort journal (an SQLite database of another program)");
    }
    if (app == application_id && version > format) {
      fail("written by a newer cohort (journal format " + std::to_string(version) +
           ", this one reads " + std::to_string(format) + ")");
    }
    if (app == application_id) {
      statement check(db_, "PRAGMA quick_check");
      try {
        check.step();
      } catch (const journal_error& e) {
        fail(std::string("corrupt (") + e.what() + ")");
      }
      if (check.text(0) != "ok") {
        fail("corrupt (" + check.text(0) + ")");
      }
    }
    try {
      exec("PRAGMA journal_mode=WAL");
      exec("PRAGMA synchronous=NORMAL");
      if (app == 0) {
        exec("BEGIN");
        exec(schema);
        exec(("PRAGMA application_id=" + std::to_string(application_id)).c_str());
        exec(("PRAGMA user_version=" + std::to_string(format)).c_str());
        exec("COMMIT");
      }
      statement plan_column(db_,
                            "SELECT count(*) FROM pragma_table_info('jobs') WHERE name = 'plan'");
      plan_column.step();
      if (plan_column.integer(0) == 0) {
        exec("ALTER TABLE jobs ADD COLUMN plan TEXT");
      }
      exec("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)");
      exec("CREATE TABLE IF NOT EXISTS starts(job INTEGER NOT NULL, seq INTEGER NOT NULL, "
           "tasks BLOB NOT NULL, PRIMARY KEY(job, seq)) WITHOUT ROWID");
      exec("INSERT OR IGNORE INTO meta VALUES('instance', lower(hex(randomblob(16))))");
      statement inst(db_, "SELECT value FROM meta WHERE key = 'instance'");
      inst.step();
      instance_ = inst.text(0);
      statement seq(db_, "SELECT coalesce(max(seq), 0) FROM merges");
      seq.step();
      next_seq_ = static_cast<std::uint64_t>(seq.integer(0)) + 1;
    } catch (const journal_error& e) {
      fail(e.what());
    }
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw;
  }
}

journal::~journal() {
  sqlite3_close(db_);
  if (lock_fd_ >= 0) {
    ::close(lock_fd_);
  }
}

void journal::fail(const std::string& what) const {
  throw journal_error("journal " + path_ + ": " + what);
}

void journal::exec(const char* sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string what = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    throw journal_error(what);
  }
}

std::vector<unfinished_job> journal::unfinished() const {
  std::vector<unfinished_job> out;
  try {
    statement jobs(db_, "SELECT id, owner, request, resumable, state, merged, plan FROM jobs "
                        "WHERE status IS NULL ORDER BY id");
    statement merges(db_, "SELECT tasks FROM merges WHERE job = ? ORDER BY seq");
    statement starts(db_, "SELECT tasks FROM starts WHERE job = ?");
    while (jobs.step()) {
      unfinished_job j;
      j.id = static_cast<std::uint64_t>(jobs.integer(0));
      j.owner = static_cast<std::uint64_t>(jobs.integer(1));
      j.request = jobs.text(2);
      j.resumable = jobs.integer(3) != 0;
      j.plan = jobs.text(6);
      if (!jobs.null(4)) {
        j.state = jobs.blob(4);
        j.merged = index_set::decode(jobs.blob(5), std::numeric_limits<std::uint64_t>::max());
      }
      merges.bind_u64(1, j.id);
      while (merges.step()) {
        decode_tasks(merges.blob(0), j.since);
      }
      merges.reset();
      starts.bind_u64(1, j.id);
      while (starts.step()) {
        const auto some =
            index_set::decode(starts.blob(0), std::numeric_limits<std::uint64_t>::max());
        for (const auto& [first, end] : some.ranges()) {
          for (auto i = first; i < end; ++i) {
            j.started.insert(i);
          }
        }
      }
      starts.reset();
      out.push_back(std::move(j));
    }
  } catch (const journal_error& e) {
    fail(std::string("cannot read its jobs (") + e.what() + ")");
  } catch (const codec_error& e) {
    fail(std::string("corrupt (") + e.what() + ")");
  }
  return out;
}

std::vector<finished_job> journal::finished(std::size_t limit) const {
  std::vector<finished_job> out;
  try {
    statement jobs(db_, "SELECT * FROM (SELECT id, owner, request, status, line FROM jobs "
                        "WHERE status IS NOT NULL ORDER BY id DESC LIMIT ?) ORDER BY id");
    jobs.bind(1, static_cast<std::int64_t>(
                     std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max())));
    while (jobs.step()) {
      out.push_back({static_cast<std::uint64_t>(jobs.integer(0)),
                     static_cast<std::uint64_t>(jobs.integer(1)), jobs.text(2),
                     status_of(jobs.text(3)), jobs.text(4)});
    }
  } catch (const journal_error& e) {
    fail(std::string("cannot read its jobs (") + e.what() + ")");
  }
  return out;
}

std::uint64_t journal::last_id() const {
  statement s(db_, "SELECT coalesce(max(id), 0) FROM jobs");
  s.step();
  return static_cast<std::uint64_t>(s.integer(0));
}

void journal::write(const std::vector<journal_record>& records) {
  try {
    exec("BEGIN");
    statement accept(db_, "INSERT OR REPLACE INTO jobs(id, owner, request, resumable, accepted_ms, "
                          "plan) VALUES(?, ?, ?, ?, ?, ?)");
    statement merge(db_, "INSERT INTO merges(job, seq, tasks) VALUES(?, ?, ?)");
    statement snap(db_, "UPDATE jobs SET state = ?, merged = ? WHERE id = ?");
    statement finish(db_, "UPDATE jobs SET status = ?, line = ?, ended_ms = ?, state = NULL, "
                          "merged = NULL WHERE id = ?");
    statement drop(db_, "DELETE FROM merges WHERE job = ?");
    statement start(db_, "INSERT INTO starts(job, seq, tasks) VALUES(?, ?, ?)");
    statement unstart(db_, "DELETE FROM starts WHERE job = ?");
    for (const auto& r : records) {
      if (const auto* a = std::get_if<job_accepted>(&r)) {
        accept.bind_u64(1, a->job).bind_u64(2, a->owner).bind_text(3, a->request);
        accept.bind(4, a->resumable ? 1 : 0).bind(5, now_ms()).bind_text(6, a->plan).run();
        drop.bind_u64(1, a->job).run();
        unstart.bind_u64(1, a->job).run();
      } else if (const auto* m = std::get_if<tasks_merged>(&r)) {
        merge.bind_u64(1, m->job).bind_u64(2, next_seq_++).bind_blob(3, encode_tasks(m->tasks));
        merge.run();
      } else if (const auto* s = std::get_if<job_snapshot>(&r)) {
        snap.bind_blob(1, s->state).bind_blob(2, s->merged.encode()).bind_u64(3, s->job).run();
        drop.bind_u64(1, s->job).run();
      } else if (const auto* f = std::get_if<job_finished>(&r)) {
        finish.bind_text(1, status_name(f->status)).bind_text(2, f->line).bind(3, now_ms());
        finish.bind_u64(4, f->job).run();
        drop.bind_u64(1, f->job).run();
        unstart.bind_u64(1, f->job).run();
      } else if (const auto* t = std::get_if<tasks_started>(&r)) {
        start.bind_u64(1, t->job).bind_u64(2, next_seq_++).bind_blob(3, t->tasks.encode()).run();
      }
    }
    exec("COMMIT");
  } catch (const journal_error& e) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    fail(std::string("cannot write (") + e.what() + ")");
  }
}

std::uint64_t journal::forget_finished_before(std::chrono::system_clock::time_point before) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(before.time_since_epoch()).count();
  statement s(db_, "DELETE FROM jobs WHERE status IS NOT NULL AND ended_ms < ?");
  s.bind(1, ms).run();
  return static_cast<std::uint64_t>(sqlite3_changes(db_));
}

} // namespace cohort
