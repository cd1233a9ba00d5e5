// Process tests of wordcount: a generated corpus, checked with tr | sort | uniq -c.
#include "tests/process/cohort_run.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>

namespace {

using namespace cohort::test;
namespace fs = std::filesystem;

constexpr auto run_timeout = std::chrono::seconds(120);
// jobs/wordcount.hpp's wordcount_chunk_bytes (its header needs include paths this target lacks);
// the tests assert stats.tasks, so a change there shows up here.
constexpr std::uint64_t chunk_bytes = std::uint64_t{8} << 20;
// wordcount.cpp feeds a chunk's bytes to the tokenizer in blocks of this size: block edges cut
// words too.
constexpr std::uint64_t block_bytes = std::uint64_t{1} << 20;

using word_counts = std::map<std::string, std::uint64_t>;

/// The regular files under root as wordcount sees them: symlinks skipped, sorted by path.
std::vector<fs::path> regular_files(const fs::path& root) {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (fs::is_regular_file(e.symlink_status())) {
      files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.string() < b.string(); });
  return files;
}

/// Per-word counts of files by the shell tools, each file tokenized on its own (a word never spans
/// two files, which `cat FILES | tr ...` would glue together when a file ends inside a word).
word_counts reference_counts(const std::vector<fs::path>& files) {
  std::vector<std::string> argv{"/bin/sh", "-c",
                                "for f in \"$@\"; do LC_ALL=C tr -cs 'A-Za-z' '\\n' < \"$f\"; "
                                "echo; done | LC_ALL=C tr 'A-Z' 'a-z' | LC_ALL=C sort | "
                                "LC_ALL=C uniq -c",
                                "reference"};
  for (const auto& f : files) {
    argv.push_back(f.string());
  }
  const auto r = run_process(argv, run_timeout);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  word_counts counts;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::uint64_t n = 0;
    std::string word;
    fields >> n;
    fields >> word;
    if (!word.empty()) {
      counts[word] += n;
    }
  }
  return counts;
}

/// The words in the contract's order: count descending, ties by word ascending.
std::vector<std::pair<std::string, std::uint64_t>> ordered(const word_counts& counts) {
  std::vector<std::pair<std::string, std::uint64_t>> out(counts.begin(), counts.end());
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

/// Runs `cohort master --job wordcount --param path=PATH` with extra params; the one job line, in
/// the printed key order.
nlohmann::ordered_json run_wordcount(const fs::path& path, std::vector<std::string> params = {}) {
  std::vector<std::string> args{"master",  "--local-workers",      "2", "--job", "wordcount",
                                "--param", "path=" + path.string()};
  for (auto& p : params) {
    args.insert(args.end(), {"--param", std::move(p)});
  }
  const auto r = run_cohort(args, run_timeout);
  INFO("cohort " << describe(args) << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(job_lines(r.out).size() == 1);
  auto line = nlohmann::ordered_json::parse(r.out);
  REQUIRE(line["status"] == "ok");
  return line;
}

/// Asserts total, distinct and every count, in order, against the reference; `top` entries shown.
void check_result(const nlohmann::ordered_json& result, const word_counts& expected,
                  std::size_t top) {
  std::uint64_t total = 0;
  for (const auto& [word, n] : expected) {
    total += n;
  }
  CHECK(result["total"].get<std::uint64_t>() == total);
  CHECK(result["distinct"].get<std::uint64_t>() == expected.size());
  const auto want = ordered(expected);
  const auto& counts = result["counts"];
  REQUIRE(counts.is_object());
  REQUIRE(counts.size() == std::min(top, want.size()));
  std::size_t i = 0;
  for (const auto& [word, n] : counts.items()) {
    INFO("entry " << i << ": " << word << " " << n.dump());
    CHECK(word == want[i].first);
    CHECK(n.get<std::uint64_t>() == want[i].second);
    ++i;
  }
}

/// Text from a fixed vocabulary with mixed separators and case, about `bytes` long.
std::string random_text(std::mt19937_64& rng, std::size_t bytes) {
  static const std::vector<std::string> separators{" ",
                                                   " ",
                                                   " ",
                                                   "\n",
                                                   "\r\n",
                                                   ", ",
                                                   ". ",
                                                   "'",
                                                   "-",
                                                   "\t",
                                                   "42",
                                                   "\xc3\xa9",
                                                   "\xf0\x9f\x98\x80",
                                                   "\xff",
                                                   std::string(1, '\0')};
  std::vector<std::string> vocabulary;
  for (int i = 0; i < 3000; ++i) {
    std::string w;
    const auto length = std::uniform_int_distribution<int>(1, 14)(rng);
    for (int j = 0; j < length; ++j) {
      w += static_cast<char>('a' + std::uniform_int_distribution<int>(0, 25)(rng));
    }
    vocabulary.push_back(w);
  }
  // Zipf-like: a few words are very common, so counts have ties and a long tail.
  std::uniform_real_distribution<double> unit(0, 1);
  std::string text;
  text.reserve(bytes + 64);
  while (text.size() < bytes) {
    auto word = vocabulary[static_cast<std::size_t>(std::pow(unit(rng), 3) * 2999)];
    if (unit(rng) < 0.1) {
      word[0] = static_cast<char>(word[0] - 'a' + 'A');
    } else if (unit(rng) < 0.02) {
      std::transform(word.begin(), word.end(), word.begin(),
                     [](char c) { return static_cast<char>(c - 'a' + 'A'); });
    }
    text += word;
    text += separators[std::uniform_int_distribution<std::size_t>(0, separators.size() - 1)(rng)];
  }
  return text;
}

/// Writes the word `head + tail` over text so that it covers [at - head.size(), at + tail.size()),
/// with a separator on each side.
void put_word(std::string& text, std::size_t at, const std::string& head, const std::string& tail) {
  REQUIRE(at >= head.size() + 1);
  REQUIRE(at + tail.size() + 1 <= text.size());
  text[at - head.size() - 1] = ' ';
  text.replace(at - head.size(), head.size(), head);
  text.replace(at, tail.size(), tail);
  text[at + tail.size()] = ' ';
}

std::string letters(std::mt19937_64& rng, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = std::uniform_int_distribution<int>(0, 51)(rng);
    out += static_cast<char>(c < 26 ? 'a' + c : 'A' + c - 26);
  }
  return out;
}

/// The corpus: small files with every kind of separator, empty files, a nested directory, symlinks
/// to a file and to a directory, and one big file (sorted last) holding every chunk boundary.
struct corpus {
  temp_dir dir;
  std::vector<fs::path> small_files;
  fs::path big_file;
  std::uint64_t chunks = 0;
};

void make_corpus(corpus& c, std::mt19937_64& rng) {
  const auto& d = c.dir;
  c.small_files = {
      d.write("a_mixed.txt", "Hello hello HELLO hElLo World world\nThe the THE tHe\n"),
      d.write("b_apostrophes.txt", "don't it's O'Brien rock'n'roll 'quoted' can't won't\n"),
      d.write("c_utf8.txt", "caf\xc3\xa9 na\xc3\xafve \xc3\xbc"
                            "ber Stra\xc3\x9f"
                            "e fa\xc3\xa7"
                            "ade\n"
                            "\xf0\x9f\x98\x80"
                            "emoji\xf0\x9f\x98\x80word\xf0\x9f\x8e\x89 end\n"),
      d.write("d_crlf.txt", "first line\r\nSecond Line\r\n\r\nthird\rline\r\n"),
      d.write("e_digits.txt", "abc123def 42 x1y2z3 2024 v2 route66 0xFF\n"),
      d.write("f_ends_in_word.txt", "no newline at the end tailword"),
      d.write("g_starts_in_word.txt", "headword begins this file\n"),
      d.write("h_empty.txt", ""),
      d.write("i_binary.bin", std::string("nul\0byte\xff\xfe"
                                          "bytes\x80high",
                                          20)),
      d.write("sub/j_nested.txt", "Nested words in a Sub Directory\n"),
      d.write("sub/deeper/k_deep.txt", random_text(rng, 20000)),
      d.write("sub/deeper/l_empty.txt", ""),
      d.write("m_random.txt", random_text(rng, 300000)),
  };
  fs::create_symlink(d.path() / "a_mixed.txt", d.path() / "n_link_to_file.txt");
  fs::create_symlink(d.path() / "sub", d.path() / "o_link_to_dir");

  // The whole corpus is 3.5 chunks and the big file sorts last: every chunk boundary falls in it.
  std::uint64_t small = 0;
  for (const auto& f : c.small_files) {
    small += fs::file_size(f);
  }
  const std::uint64_t total = chunk_bytes * 7 / 2;
  const std::uint64_t big_start = small;
  std::string big = random_text(rng, total - small);
  big.resize(total - small);
  c.chunks = (total + chunk_bytes - 1) / chunk_bytes;
  const std::uint64_t stride = (total + c.chunks - 1) / c.chunks;

  // Every chunk boundary inside a word (some long enough to need several tail reads); every block
  // edge inside a chunk gets a word across it, or starting or ending exactly on it.
  const std::size_t tail_lengths[] = {1, 63, 64, 65, 129, 5000};
  std::size_t variant = 0;
  for (std::uint64_t k = 0; k < c.chunks; ++k) {
    const std::uint64_t chunk_lo = std::max(k * stride, big_start) - big_start;
    const std::uint64_t chunk_hi = std::min((k + 1) * stride, total) - big_start;
    if (k > 0) {
      REQUIRE(k * stride > big_start);
      put_word(big, chunk_lo, letters(rng, 1 + variant % 7),
               letters(rng, tail_lengths[variant % std::size(tail_lengths)]));
      ++variant;
    }
    for (std::uint64_t at = chunk_lo + block_bytes; at < chunk_hi; at += block_bytes) {
      const auto head = letters(rng, 1 + variant % 5);
      const auto tail = letters(rng, tail_lengths[variant % std::size(tail_lengths)]);
      switch (variant % 3) {
      case 0:
        put_word(big, at, head, tail);
        break;
      case 1:
        put_word(big, at, "", tail);
        break;
      default:
        put_word(big, at, head, "");
        break;
      }
      ++variant;
    }
  }
  c.big_file = d.write("z_big.txt", big);
  REQUIRE(regular_files(d.path()).back() == c.big_file);
}

TEST_CASE("wordcount: generated corpus equals tr | sort | uniq -c") {
  std::mt19937_64 rng(test_seed());
  INFO("COHORT_TEST_SEED=" << test_seed());
  corpus c;
  make_corpus(c, rng);
  const auto files = regular_files(c.dir.path());
  REQUIRE(files.size() == c.small_files.size() + 1);
  const auto expected = reference_counts(files);
  REQUIRE(expected.count("hello") == 1);
  CHECK(expected.at("hello") >= 4);

  // One corpus for all runs (SECTIONs would build it again for each).
  {
    INFO("ship=bytes, the default");
    const auto line = run_wordcount(c.dir.path());
    CHECK(line["stats"]["tasks"].get<std::uint64_t>() == c.chunks);
    check_result(line["result"], expected, expected.size());
  }
  {
    INFO("ship=path");
    const auto line = run_wordcount(c.dir.path(), {"ship=path"});
    CHECK(line["stats"]["tasks"].get<std::uint64_t>() == c.chunks);
    check_result(line["result"], expected, expected.size());
  }
  {
    INFO("top=7 keeps total and distinct and shows the first words");
    check_result(run_wordcount(c.dir.path(), {"top=7"})["result"], expected, 7);
  }
  {
    INFO("top=0 shows no words");
    check_result(run_wordcount(c.dir.path(), {"top=0", "ship=path"})["result"], expected, 0);
  }
}

TEST_CASE("wordcount: each small file on its own equals tr | sort | uniq -c") {
  std::mt19937_64 rng(test_seed());
  INFO("COHORT_TEST_SEED=" << test_seed());
  const temp_dir dir;
  const std::vector<std::pair<std::string, std::string>> files{
      {"mixed.txt", "Hello hello HELLO hElLo World\n"},
      {"apostrophes.txt", "don't it's O'Brien rock'n'roll\n"},
      {"utf8.txt", "caf\xc3\xa9 \xc3\xbc"
                   "ber \xf0\x9f\x98\x80"
                   "emoji\xf0\x9f\x98\x80word"},
      {"crlf.txt", "one\r\ntwo\r\nThree\r\n"},
      {"digits.txt", "abc123def 42 x1y2z3"},
      {"empty.txt", ""},
      {"only_separators.txt", "123 ,.;\r\n\xc3\xa9\xf0\x9f\x98\x80 456\n"},
      {"one_word.txt", "Word"},
      {"random.txt", random_text(rng, 50000)},
  };
  for (const auto& [name, text] : files) {
    INFO("file " << name);
    const auto path = dir.write(name, text);
    const auto expected = reference_counts({path});
    const auto line = run_wordcount(path);
    check_result(line["result"], expected, expected.size());
  }
}

} // namespace
