// Unit tests of the wordcount kind: tokenizer, chunk boundaries, walk, codec, result, errors.
#include "cohort/checked_job.hpp"
#include "cohort/context.hpp"
#include "jobs/word_codec.hpp"
#include "jobs/word_files.hpp"
#include "jobs/word_table.hpp"
#include "jobs/word_tokenizer.hpp"
#include "jobs/wordcount.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <coroutine>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace cohort;

namespace {

// Resumes suspended tasks in order, from the test's own loop, as a worker actor would.
class queue_executor : public executor {
public:
  void resume_after(task_context&, std::coroutine_handle<> h, std::chrono::nanoseconds) override {
    ready_.push_back(h);
  }

  void drain(task<partial>& t) {
    t.start();
    while (!t.done()) {
      if (ready_.empty()) {
        FAIL("a task is suspended with nothing to resume it");
      }
      auto h = ready_.front();
      ready_.pop_front();
      h.resume();
    }
  }

private:
  std::deque<std::coroutine_handle<>> ready_;
};

partial run_task(task_spec spec, const params& p, bool cancelled = false) {
  static const auto kind = make_wordcount_kind();
  queue_executor exec;
  task_context ctx(exec, p, spec.index, 1);
  if (cancelled) {
    ctx.cancel();
  }
  auto t = kind->run(std::move(spec), ctx);
  exec.drain(t);
  return t.result();
}

nlohmann::ordered_json run_job(const params& p, std::uint64_t chunk_bytes = wordcount_chunk_bytes) {
  const auto plan = split_wordcount(p, chunk_bytes);
  auto r = plan->make_reducer();
  for (std::uint64_t i = 0; i < plan->task_count(); ++i) {
    r->merge(run_task(plan->make_task(i), p));
  }
  return r->render();
}

// An independent, obviously right count of `text`, rendered as the kind renders its result.
nlohmann::ordered_json reference(const std::string& text) {
  std::map<std::string, std::uint64_t> counts;
  std::string word;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    const char c = i < text.size() ? text[i] : ' ';
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      word.push_back(static_cast<char>(c >= 'a' ? c : c - 'A' + 'a'));
    } else if (!word.empty()) {
      ++counts[word];
      ++total;
      word.clear();
    }
  }
  std::vector<std::pair<std::string, std::uint64_t>> sorted(counts.begin(), counts.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  nlohmann::ordered_json out;
  out["total"] = total;
  out["distinct"] = counts.size();
  out["counts"] = nlohmann::ordered_json::object();
  for (const auto& [w, n] : sorted) {
    out["counts"][w] = n;
  }
  return out;
}

std::map<std::string, std::uint64_t> as_map(const word_table& table) {
  std::map<std::string, std::uint64_t> out;
  // A word met twice would mean two spellings of one key (say, the tokenizer's fast and slow paths
  // disagreeing).
  table.for_each([&out](std::string_view word, std::uint64_t n) {
    if (!out.emplace(word, n).second) {
      FAIL("word twice in the table: " << word);
    }
  });
  return out;
}

std::map<std::string, std::uint64_t> tokenize(std::string_view text, std::size_t block = 0) {
  word_table table;
  word_tokenizer words(table);
  words.begin_segment(false);
  if (block == 0) {
    words.feed(text);
  } else {
    for (std::size_t at = 0; at < text.size(); at += block) {
      words.feed(text.substr(at, block));
    }
  }
  words.end_segment();
  return as_map(table);
}

class temp_dir {
public:
  temp_dir() {
    std::string pattern = (fs::temp_directory_path() / "cohort-wordcount-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = pattern;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  std::string write(const std::string& name, const std::string& text) const {
    const fs::path p = path_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  std::string str() const { return path_.string(); }
  fs::path path() const { return path_; }

private:
  fs::path path_;
};

params with(std::string path, std::string ship = "bytes") {
  params p;
  p.set("path", std::move(path));
  p.set("ship", std::move(ship));
  return p;
}

std::string error_of(const params& p) {
  try {
    job_request job;
    job.kind = "wordcount";
    job.args = p;
    check_job(*builtin_registry(), job);
    split_wordcount(p, wordcount_chunk_bytes);
  } catch (const param_error& e) {
    return e.what();
  }
  return "no error";
}

// Words of every length from 1 to 300 letters, mixed case, between varied separators: with small
// chunks, chunk boundaries fall inside words, at their first and last letters and between
// separators.
std::string straddling_text() {
  std::mt19937 rng(7);
  const std::string seps[] = {" ", "\r\n", "'", "3", "\xc3\xa9", "--", "\t"};
  std::string text;
  for (int i = 0; i < 400; ++i) {
    const std::size_t len = i < 300 ? static_cast<std::size_t>(i + 1) : 1 + rng() % 6;
    for (std::size_t k = 0; k < len; ++k) {
      const char c = static_cast<char>('a' + rng() % 3);
      text.push_back(rng() % 2 ? c : static_cast<char>(c - 'a' + 'A'));
    }
    text += seps[rng() % std::size(seps)];
  }
  return text + "Trailing";
}

} // namespace

TEST_CASE("wordcount tokenizer: letters make words, every other byte separates", "[wordcount]") {
  using counts = std::map<std::string, std::uint64_t>;
  CHECK(tokenize("Hello, World! hello HELLO") == counts{{"hello", 3}, {"world", 1}});
  CHECK(tokenize("don't") == counts{{"don", 1}, {"t", 1}});
  CHECK(tokenize("caf\xc3\xa9 na\xc3\xafve") == counts{{"caf", 1}, {"na", 1}, {"ve", 1}});
  CHECK(tokenize("one\r\ntwo\r\n") == counts{{"one", 1}, {"two", 1}});
  CHECK(tokenize("abc123def 42 x9") == counts{{"abc", 1}, {"def", 1}, {"x", 1}});
  CHECK(tokenize("@[`{ AZaz") == counts{{"azaz", 1}});
  CHECK(tokenize(std::string("a\0b", 3)) == counts{{"a", 1}, {"b", 1}});
  CHECK(tokenize("").empty());
  CHECK(tokenize(" \n\t12").empty());
}

TEST_CASE("wordcount tokenizer: blocks of any size give the same counts", "[wordcount]") {
  const std::string text = straddling_text();
  const auto whole = tokenize(text);
  for (std::size_t block : {1, 2, 3, 7, 64, 65, 1000}) {
    CHECK(tokenize(text, block) == whole);
  }
}

TEST_CASE("wordcount tokenizer: a segment starting mid-word skips that word's letters",
          "[wordcount]") {
  word_table table;
  word_tokenizer words(table);
  words.begin_segment(true);
  words.feed("rld");
  words.feed("ing next");
  words.end_segment();
  words.begin_segment(true);
  words.feed(" after");
  words.end_segment();
  CHECK(words.total() == 2);
  CHECK(as_map(table) == std::map<std::string, std::uint64_t>{{"after", 1}, {"next", 1}});
}

TEST_CASE("wordcount table: grows and keeps counts of short and long words", "[wordcount]") {
  word_table table;
  std::map<std::string, std::uint64_t> expected;
  for (int i = 0; i < 40000; ++i) {
    std::string w;
    for (int k = i % 5000; k > 0; k /= 26) {
      w.push_back(static_cast<char>('a' + k % 26));
    }
    // Lengths around the 16 bytes kept inline, and far beyond.
    w += std::string(static_cast<std::size_t>(i % 7 == 0 ? 40 : i % 20), 'x');
    table.add(w, 2);
    expected[w] += 2;
  }
  table.add("zero", 0);
  CHECK(table.size() == expected.size());
  CHECK(as_map(table) == expected);
}

TEST_CASE("wordcount codec: counts round-trip, bad data throws and leaves the table alone",
          "[wordcount]") {
  word_table source;
  source.add("apple", 3);
  source.add(std::string(200, 'z'), 1);
  const std::string data = encode_counts(source);

  word_table merged;
  merged.add("apple", 1);
  decode_counts(data, 4, merged);
  CHECK(as_map(merged) ==
        std::map<std::string, std::uint64_t>{{"apple", 4}, {std::string(200, 'z'), 1}});

  word_table untouched;
  CHECK_THROWS_AS(decode_counts(data, 5, untouched), std::invalid_argument);
  CHECK_THROWS_AS(decode_counts(data.substr(0, data.size() - 1), 4, untouched),
                  std::invalid_argument);
  std::string upper = data;
  upper[upper.find("apple")] = 'A';
  CHECK_THROWS_AS(decode_counts(upper, 4, untouched), std::invalid_argument);
  CHECK_THROWS_AS(decode_counts(data + "x", 4, untouched), std::invalid_argument);
  CHECK(untouched.size() == 0);
}

TEST_CASE("wordcount: result format, sort order and top", "[wordcount]") {
  temp_dir dir;
  const auto file = dir.write("a.txt", "b a c b a b d\n");
  CHECK(run_job(with(file)).dump() ==
        R"({"total":7,"distinct":4,"counts":{"b":3,"a":2,"c":1,"d":1}})");

  auto p = with(file);
  p.set("top", "3");
  CHECK(run_job(p).dump() == R"({"total":7,"distinct":4,"counts":{"b":3,"a":2,"c":1}})");
  p.set("top", "0");
  CHECK(run_job(p).dump() == R"({"total":7,"distinct":4,"counts":{}})");
  p.set("top", "100");
  CHECK(run_job(p)["counts"].size() == 4);
}

TEST_CASE("wordcount: words straddling chunk boundaries are counted exactly once", "[wordcount]") {
  temp_dir dir;
  const std::string text = straddling_text();
  const auto file = dir.write("t.txt", text);
  const auto expected = reference(text);
  REQUIRE(run_job(with(file)) == expected);
  for (const std::string ship : {"bytes", "path"}) {
    for (std::uint64_t chunk : {1, 2, 3, 5, 8, 13, 64, 100, 299, 301, 4096}) {
      INFO("ship=" << ship << " chunk=" << chunk);
      CHECK(run_job(with(file, ship), chunk) == expected);
    }
  }
}

TEST_CASE("wordcount: one huge word spanning every chunk", "[wordcount]") {
  temp_dir dir;
  const std::string text = "x " + std::string(5000, 'Q') + " y";
  const auto file = dir.write("w.txt", text);
  for (const std::string ship : {"bytes", "path"}) {
    CHECK(run_job(with(file, ship), 7) == reference(text));
  }
}

TEST_CASE("wordcount: a directory is walked sorted, symlinks skipped, small files share a task",
          "[wordcount]") {
  temp_dir dir;
  dir.write("b.txt", "beta alpha");
  dir.write("a.txt", "alpha");
  dir.write("sub/deeper/c.txt", "gamma");
  dir.write("sub/empty.txt", "");
  temp_dir outside;
  const auto linked_file = outside.write("linked.txt", "linked");
  outside.write("d/in-linked-dir.txt", "hidden");
  fs::create_symlink(linked_file, dir.path() / "link.txt");
  fs::create_directory_symlink(outside.path() / "d", dir.path() / "sub/linkdir");
  REQUIRE(::mkfifo((dir.path() / "fifo").c_str(), 0600) == 0);

  const auto files = list_word_files(dir.str());
  REQUIRE(files.size() == 4);
  CHECK(files[0].path == dir.str() + "/a.txt");
  CHECK(files[1].path == dir.str() + "/b.txt");
  CHECK(files[2].path == dir.str() + "/sub/deeper/c.txt");
  CHECK(files[3].path == dir.str() + "/sub/empty.txt");

  for (const std::string ship : {"bytes", "path"}) {
    const auto plan = split_wordcount(with(dir.str(), ship), wordcount_chunk_bytes);
    REQUIRE(plan->task_count() == 1);
    CHECK(plan->describe(0) == "file=" + files[0].path + " bytes=0..5 ... file=" + files[2].path +
                                   " bytes=0..5 (3 files)");
    CHECK(run_job(with(dir.str(), ship)).dump() ==
          R"({"total":4,"distinct":3,"counts":{"alpha":2,"beta":1,"gamma":1}})");
  }
  // File ends separate words: "alpha" + "beta" must not merge into one word across a.txt and b.txt.
  CHECK(run_job(with(dir.str()), 3)["counts"]["alpha"] == 2);
}

TEST_CASE("wordcount: a symlink given as the path is followed", "[wordcount]") {
  temp_dir dir;
  const auto file = dir.write("real.txt", "one two");
  fs::create_symlink(file, dir.path() / "link.txt");
  CHECK(run_job(with((dir.path() / "link.txt").string()))["total"] == 2);
}

TEST_CASE("wordcount: empty input gives no tasks and an empty result", "[wordcount]") {
  temp_dir dir;
  dir.write("e1.txt", "");
  dir.write("sub/e2.txt", "");
  const auto plan = split_wordcount(with(dir.str()), wordcount_chunk_bytes);
  CHECK(plan->task_count() == 0);
  CHECK(plan->make_reducer()->render().dump() == R"({"total":0,"distinct":0,"counts":{}})");
}

TEST_CASE("wordcount: chunks are nearly equal and describe their file and range", "[wordcount]") {
  temp_dir dir;
  const auto file = dir.write("f.txt", std::string(100, 'a'));
  const auto plan = split_wordcount(with(file), 30);
  REQUIRE(plan->task_count() == 4);
  CHECK(plan->describe(0) == "file=" + file + " bytes=0..25");
  CHECK(plan->describe(3) == "file=" + file + " bytes=75..100");
  CHECK(split_wordcount(with(file), 100)->task_count() == 1);
  CHECK(split_wordcount(with(file), 99)->task_count() == 2);
}

TEST_CASE("wordcount: a cancelled task returns at its first checkpoint", "[wordcount]") {
  temp_dir dir;
  std::string text;
  while (text.size() < (3u << 20)) {
    text += "lorem ipsum dolor ";
  }
  const auto file = dir.write("big.txt", text);
  for (const std::string ship : {"bytes", "path"}) {
    const auto p = with(file, ship);
    const auto plan = split_wordcount(p, wordcount_chunk_bytes);
    CHECK(run_task(plan->make_task(0), p, true).count == 0);
    CHECK(run_task(plan->make_task(0), p).count == text.size() / 6);
  }
}

TEST_CASE("wordcount: a file that shrank after the split fails the task, naming the file",
          "[wordcount]") {
  temp_dir dir;
  const auto file = dir.write("s.txt", "some words here and there");
  const auto p = with(file, "path");
  const auto plan = split_wordcount(p, 10);
  const auto shipping_plan = split_wordcount(with(file), 10);
  const auto last = plan->make_task(plan->task_count() - 1);
  dir.write("s.txt", "some");
  CHECK_THROWS_WITH(run_task(last, p), Catch::Contains(file) && Catch::Contains("changed"));
  CHECK_THROWS_WITH(shipping_plan->make_task(2),
                    Catch::Contains(file) && Catch::Contains("changed"));
  fs::remove(file);
  CHECK_THROWS_WITH(run_task(last, p), Catch::Contains("cannot open '" + file + "'"));
  CHECK_THROWS_WITH(shipping_plan->make_task(0), Catch::Contains("cannot open '" + file + "'"));
  CHECK_THROWS_WITH(split_wordcount(with(file), 10), Catch::Contains("does not exist"));
}

TEST_CASE("wordcount: parameter errors name the parameter", "[wordcount]") {
  temp_dir dir;
  const auto file = dir.write("x.txt", "x");
  const auto kind = make_wordcount_kind();
  CHECK(kind->name() == "wordcount");
  CHECK(kind->bound(params{}) == task_bound::cpu);
  CHECK(kind->idempotent(params{}));
  CHECK(error_of(with(file)) == "no error");

  CHECK(error_of(params{}) == "wordcount: param 'path' is required");
  CHECK(error_of(with("/nonexistent/x")) == "wordcount: path '/nonexistent/x' does not exist");
  REQUIRE(::mkfifo((dir.path() / "fifo").c_str(), 0600) == 0);
  const auto fifo = (dir.path() / "fifo").string();
  CHECK(error_of(with(fifo)) == "wordcount: path '" + fifo + "' is not a file or directory");

  auto p = with(file);
  p.set("top", "ten");
  CHECK(error_of(p) == "wordcount: param 'top': expected an unsigned integer, got 'ten'");
  p = with(file, "nfs");
  CHECK(error_of(p) == "wordcount: param 'ship': expected bytes or path, got 'nfs'");
  p = with(file);
  p.set("chunk", "4");
  CHECK_THAT(error_of(p), Catch::StartsWith("wordcount: unknown param 'chunk'"));
}

TEST_CASE("wordcount: malformed task data fails the task", "[wordcount]") {
  task_spec spec;
  spec.data = "Z";
  CHECK_THROWS_AS(run_task(spec, params{}), std::invalid_argument);
  spec.data = std::string{'B', '\0', '\x05', 'a', 'b'};
  CHECK_THROWS_AS(run_task(spec, params{}), std::invalid_argument);
}
