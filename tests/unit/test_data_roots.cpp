// Unit tests of data_roots: a client's `path` parameters are resolved and must lie under a
// --data-dir root, in temporary directories made and removed by each test.
#include "core/data_roots.hpp"
#include "jobs/wordcount.hpp"

#include "tests/unit/test_kinds.hpp"

#include "tests/unit/scratch_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>

namespace fs = std::filesystem;
using namespace cohort;

namespace {

using temp_dir = test::scratch_dir;

const job_kind& wordcount() {
  static const auto kind = make_wordcount_kind();
  return *kind;
}

params path_param(const std::string& path) {
  params p;
  p.set("path", path);
  return p;
}

// The message confine() throws, or "" when it accepts.
std::string refusal(const data_roots& roots, const std::string& path) {
  try {
    roots.confine(wordcount(), path_param(path));
  } catch (const param_error& e) {
    return e.what();
  }
  return {};
}

std::string confined(const data_roots& roots, const std::string& path) {
  auto out = roots.confine(wordcount(), path_param(path)).get("path");
  REQUIRE(out);
  return *out;
}

// A kind with no `path` parameter.
class no_path_kind final : public test::test_kind_base {
public:
  std::string_view name() const override { return "nopath"; }
  task_bound bound(const params&) const override { return task_bound::cpu; }
  void validate(const params&) const override {}
  std::unique_ptr<job_plan> split(const params&) const override { return nullptr; }
  task<partial> run(task_spec, task_context&) const override { co_return partial{}; }
};

} // namespace

TEST_CASE("data_roots: with no roots a path is refused naming --data-dir", "[data_roots]") {
  temp_dir t;
  auto file = t.write("a.txt");
  data_roots none({});
  auto why = refusal(none, file.string());
  CHECK_THAT(why, Catch::Contains("--data-dir"));
  CHECK_THAT(why, Catch::Contains("wordcount"));
  CHECK_THAT(why, Catch::Contains("'path'"));
  CHECK_THAT(why, Catch::Contains(file.string()));
  CHECK_THAT(refusal(none, "a.txt"), Catch::Contains("--data-dir"));
}

TEST_CASE("data_roots: parameters that are no path pass unchanged", "[data_roots]") {
  data_roots none({});
  params p;
  p.set("top", "5");
  p.set("ship", "path");
  // wordcount without its path (check_job reports that it is required), and a kind without one.
  CHECK(none.confine(wordcount(), p).all() == p.all());
  no_path_kind other;
  params q;
  q.set("tasks", "/etc/passwd");
  CHECK(none.confine(other, q).all() == q.all());
}

TEST_CASE("data_roots: a path under a root is accepted and resolved", "[data_roots]") {
  temp_dir t;
  auto root = t.dir("data");
  auto file = t.write("data/sub/a.txt");
  data_roots roots({root.string()});
  CHECK(confined(roots, file.string()) == file.string());
  CHECK(confined(roots, (root / "sub").string()) == (root / "sub").string());
  // The root itself, and a name that stays inside it on its way.
  CHECK(confined(roots, root.string()) == root.string());
  CHECK(confined(roots, (root / "sub" / ".." / "sub" / "a.txt").string()) == file.string());
  // A path that does not exist is refused: what is read must be what was checked.
  CHECK_THROWS_WITH(confined(roots, (root / "new" / "b.txt").string()),
                    Catch::Contains("cannot be read under the master's --data-dir roots"));
  // Other parameters stay as they were.
  auto p = path_param(file.string());
  p.set("top", "3");
  auto out = roots.confine(wordcount(), p);
  CHECK(out.get("top") == std::optional<std::string>{"3"});
  CHECK(out.all().size() == 2);
}

TEST_CASE("data_roots: a relative path is resolved under the first root", "[data_roots]") {
  temp_dir t;
  auto first = t.dir("first");
  auto second = t.dir("second");
  auto in_first = t.write("first/sub/a.txt");
  auto in_second = t.write("second/b.txt");
  data_roots roots({first.string(), second.string()});
  CHECK(confined(roots, "sub/a.txt") == in_first.string());
  CHECK(confined(roots, "./sub/../sub/a.txt") == in_first.string());
  // Not under the second root, even where only the second holds the name.
  CHECK_THROWS_WITH(confined(roots, "b.txt"), Catch::Contains("cannot be read"));
  // Absolute paths under any root are accepted.
  CHECK(confined(roots, in_second.string()) == in_second.string());
}

TEST_CASE("data_roots: a root named with .. and a trailing slash still confines", "[data_roots]") {
  temp_dir t;
  auto root = t.dir("data");
  auto file = t.write("data/a.txt");
  t.write("outside.txt");
  data_roots roots({(t.path() / "data" / ".." / "data" / "").string()});
  CHECK(confined(roots, "a.txt") == file.string());
  CHECK_THAT(refusal(roots, (t.path() / "outside.txt").string()), Catch::Contains("--data-dir"));
}

TEST_CASE("data_roots: a .. that leaves the root is refused", "[data_roots]") {
  temp_dir t;
  auto root = t.dir("data");
  t.write("data/a.txt");
  auto outside = t.write("secret.txt");
  data_roots roots({root.string()});
  for (const auto& path : {std::string("../secret.txt"), std::string("sub/../../secret.txt"),
                           (root / ".." / "secret.txt").string(), std::string(".."),
                           (root / "nosuch" / ".." / ".." / "secret.txt").string(),
                           outside.string(), std::string("/etc/passwd")}) {
    CAPTURE(path);
    auto why = refusal(roots, path);
    CHECK_THAT(why, Catch::Contains("outside the master's --data-dir"));
    CHECK_THAT(why, Catch::Contains(path));
  }
}

TEST_CASE("data_roots: a sibling whose name starts with the root's is outside it", "[data_roots]") {
  temp_dir t;
  auto root = t.dir("data");
  auto sibling = t.write("data2/a.txt");
  data_roots roots({root.string()});
  CHECK_THAT(refusal(roots, sibling.string()), Catch::Contains("--data-dir"));
  CHECK_THAT(refusal(roots, "../data2/a.txt"), Catch::Contains("--data-dir"));
}

TEST_CASE("data_roots: a symlink inside a root pointing outside is refused", "[data_roots]") {
  temp_dir t;
  auto root = t.dir("data");
  auto secret = t.write("secret/key.txt");
  fs::create_symlink(secret, root / "file-link");
  fs::create_directory_symlink(t.path() / "secret", root / "dir-link");
  data_roots roots({root.string()});
  CHECK_THAT(refusal(roots, "file-link"), Catch::Contains("--data-dir"));
  CHECK_THAT(refusal(roots, (root / "file-link").string()), Catch::Contains("--data-dir"));
  CHECK_THAT(refusal(roots, "dir-link"), Catch::Contains("--data-dir"));
  CHECK_THAT(refusal(roots, "dir-link/key.txt"), Catch::Contains("--data-dir"));
  CHECK_THAT(refusal(roots, "dir-link/nosuch.txt"), Catch::Contains("--data-dir"));
}

TEST_CASE("data_roots: a symlink inside a root pointing inside it is replaced by its target",
          "[data_roots]") {
  temp_dir t;
  auto root = t.dir("data");
  auto file = t.write("data/real/a.txt");
  fs::create_symlink(file, root / "link");
  fs::create_directory_symlink(root / "real", root / "real-link");
  data_roots roots({root.string()});
  CHECK(confined(roots, "link") == file.string());
  CHECK(confined(roots, "real-link/a.txt") == file.string());
}

TEST_CASE("data_roots: a root reached through a symlink confines to its target", "[data_roots]") {
  temp_dir t;
  auto real = t.dir("real");
  auto file = t.write("real/a.txt");
  fs::create_directory_symlink(real, t.path() / "alias");
  data_roots roots({(t.path() / "alias").string()});
  // Named through the alias or directly, the file is under the root.
  CHECK(confined(roots, (t.path() / "alias" / "a.txt").string()) == file.string());
  CHECK(confined(roots, file.string()) == file.string());
  CHECK(confined(roots, "a.txt") == file.string());
}

TEST_CASE("data_roots: a root that does not exist or is no directory is refused at construction",
          "[data_roots]") {
  temp_dir t;
  auto missing = (t.path() / "nosuch").string();
  auto file = t.write("a.txt").string();
  auto good = t.dir("data").string();
  for (const auto& bad : {missing, file}) {
    CAPTURE(bad);
    try {
      data_roots roots({good, bad});
      FAIL("a bad root was accepted");
    } catch (const param_error& e) {
      CHECK_THAT(std::string(e.what()), Catch::Contains("--data-dir"));
      CHECK_THAT(std::string(e.what()), Catch::Contains(bad));
    }
  }
  CHECK_NOTHROW(data_roots({good}));
}

TEST_CASE("data_roots: an empty path is left for the kind's own check and never becomes a root",
          "[data_roots]") {
  temp_dir t;
  auto root = t.dir("data");
  data_roots roots({root.string()});
  CHECK(confined(roots, "").empty());
}

TEST_CASE("data_roots: a dangling symlink that points outside is refused", "[data_roots]") {
  temp_dir t;
  auto root = t.dir("data");
  auto outside = t.dir("outside");
  std::filesystem::create_symlink(outside / "later.txt", root / "link");
  data_roots roots({root.string()});
  CHECK_THROWS_AS(confined(roots, "link"), cohort::param_error);
}
