// Unit tests of record_files and of the master core's records: a job's header and one line per
// merged task, for its owner, in the file its records parameter names.
#include "core/record_files.hpp"

#include "core/master_core.hpp"
#include "tests/unit/scratch_dir.hpp"
#include "tests/unit/test_kinds.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

using namespace cohort;

namespace {

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace

TEST_CASE("record_files: a job's first line creates its file, later ones append, close flushes",
          "[record_files]") {
  test::scratch_dir dir;
  auto a = (dir.path() / "a.tsv").string();
  auto b = (dir.path() / "b.tsv").string();
  std::ofstream(a) << "old contents\n";
  record_files files;
  CHECK_FALSE(files.write(1, a, "header"));
  CHECK_FALSE(files.write(2, b, "other"));
  CHECK_FALSE(files.write(1, a, "line 1"));
  files.close(1);
  files.close(2);
  CHECK(read(a) == "header\nline 1\n");
  CHECK(read(b) == "other\n");
}

TEST_CASE("record_files: a file that cannot be written is said once, and the job's lines dropped",
          "[record_files]") {
  test::scratch_dir dir;
  auto bad = (dir.path() / "no" / "such" / "dir.tsv").string();
  record_files files;
  auto err = files.write(7, bad, "header");
  REQUIRE(err);
  CHECK_THAT(*err, Catch::Contains("job 7") && Catch::Contains(bad));
  CHECK_FALSE(files.write(7, bad, "line"));
}

namespace {

// "fake" tasks whose records name the task and the host that answered.
class logged_plan final : public job_plan {
public:
  std::uint64_t task_count() const override { return 3; }
  task_spec make_task(std::uint64_t) const override { return {}; }
  std::unique_ptr<reducer> make_reducer() const override {
    return test::count_plan(3).make_reducer();
  }
  std::string record_header() const override { return "task\thost"; }
  std::string record(std::uint64_t index, const partial&, std::string_view host,
                     std::string_view) const override {
    return std::to_string(index) + "\t" + std::string(host);
  }
};

class logged_kind final : public test::test_kind_base {
public:
  std::string_view name() const override { return "logged"; }
  std::vector<param_spec> parameters() const override {
    return {{"log", param_type::output, "", "records file"}};
  }
  std::string_view records_param() const override { return "log"; }
  task_bound bound(const params&) const override { return task_bound::cpu; }
  std::unique_ptr<job_plan> split(const params&) const override {
    return std::make_unique<logged_plan>();
  }
  task<partial> run(task_spec, task_context&) const override { co_return partial{}; }
};

} // namespace

TEST_CASE("master_core: a job's records are its header, then a line per merged task with the "
          "host that answered, for its owner",
          "[record_files]") {
  master_core m({});
  worker_entry w;
  w.id = w.node = "w/0";
  w.host = "host-w";
  w.slots = 3;
  m.add_worker(w);
  logged_kind kind;
  job_request req;
  req.args.set("log", "run.tsv");
  auto now = master_core::clock::now();
  auto id = m.submit(test::checked(kind, req), now, 4);
  auto header = m.take_records();
  REQUIRE(header.size() == 1);
  CHECK(header[0].job == id);
  CHECK(header[0].owner == 4);
  CHECK(header[0].file == "run.tsv");
  CHECK(header[0].line == "task\thost");
  for (auto& b : m.dispatch(now)) {
    std::vector<task_result> results;
    for (const auto& t : b.tasks) {
      results.push_back({t.index, t.attempt, task_outcome::ok, partial{1, {}}, {}});
    }
    m.on_results(b.id, b.worker, std::move(results), true, now);
  }
  std::vector<std::string> lines;
  for (const auto& r : m.take_records()) {
    CHECK(r.owner == 4);
    lines.push_back(r.line);
  }
  std::sort(lines.begin(), lines.end());
  CHECK(lines == std::vector<std::string>{"0\thost-w", "1\thost-w", "2\thost-w"});
  REQUIRE(m.take_ended().size() == 1);

  // Without the parameter, no records.
  m.submit(test::checked(kind, job_request{}), now);
  CHECK(m.take_records().empty());
}

TEST_CASE("record_files: jobs naming one file share it, its header written once",
          "[record_files]") {
  test::scratch_dir dir;
  auto log = (dir.path() / "log.tsv").string();
  record_files files;
  CHECK_FALSE(files.write(1, log, "header"));
  CHECK_FALSE(files.write(2, log, "header"));
  CHECK_FALSE(files.write(1, log, "a"));
  CHECK_FALSE(files.write(2, log, "b"));
  files.close(1);
  CHECK_FALSE(files.write(2, log, "c"));
  files.close(2);
  CHECK(read(log) == "header\na\nb\nc\n");
  // A job starting after the others closed it truncates it again.
  CHECK_FALSE(files.write(3, log, "header"));
  files.close(3);
  CHECK(read(log) == "header\n");
}

TEST_CASE("record_files: a job resumed from the journal appends to its file, with no header again",
          "[record_files][journal]") {
  test::scratch_dir dir;
  const auto log = (dir.path() / "run.tsv").string();
  std::ofstream(log) << "task\thost\n0\thost-w\n";
  master_settings s;
  s.journal = "in a test";
  master_core m(s);
  worker_entry w;
  w.id = w.node = "w/0";
  w.host = "host-w";
  w.slots = 3;
  m.add_worker(w);
  logged_kind kind;
  job_request req;
  req.args.set("log", log);
  unfinished_job held;
  held.id = 1;
  held.resumable = true;
  held.since.push_back({0, partial{1, {}}});
  const auto now = master_core::clock::now();
  m.resume(test::checked(kind, req), held, now);
  CHECK(m.take_records().empty());
  for (auto& b : m.dispatch(now)) {
    std::vector<task_result> results;
    for (const auto& t : b.tasks) {
      results.push_back({t.index, t.attempt, task_outcome::ok, partial{1, {}}, {}});
    }
    m.on_results(b.id, b.worker, std::move(results), true, now);
  }
  record_files files;
  for (const auto& r : m.take_records()) {
    CHECK(r.resumed);
    CHECK_FALSE(files.write(r.job, r.file, r.line, r.resumed));
  }
  files.close(1);
  CHECK(read(log) == "task\thost\n0\thost-w\n1\thost-w\n2\thost-w\n");
}
