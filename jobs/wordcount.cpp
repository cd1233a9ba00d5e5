// The wordcount built-in job kind: counts the words of a file or directory tree.
#include "jobs/wordcount.hpp"

#include "cohort/context.hpp"
#include "cohort/fingerprint.hpp"
#include "jobs/word_codec.hpp"
#include "jobs/word_files.hpp"
#include "jobs/word_table.hpp"
#include "jobs/word_tokenizer.hpp"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace cohort {

namespace {

// The first byte of task_spec.data: how the chunk travels.
constexpr char shipped_bytes = 'B';
constexpr char shared_path = 'P';

// Bytes tokenized between two checkpoints: about 4 ms of work, inside the worker's yield interval.
constexpr std::size_t block_bytes = std::size_t{1} << 20;

struct wordcount_options {
  std::string path;
  std::uint64_t top = std::numeric_limits<std::uint64_t>::max();
  bool ship_path = false;
};

wordcount_options parse_options(const params& p) {
  wordcount_options o;
  o.path = p.get_string("path", {});
  o.top = p.get_u64("top", o.top);
  o.ship_path = p.get_string("ship", "bytes") == "path";
  return o;
}

class wordcount_reducer : public reducer {
public:
  explicit wordcount_reducer(std::uint64_t top) : top_(top) {}

  void merge(partial&& p) override {
    decode_counts(p.data, p.count, table_);
    total_ += p.count;
  }

  std::uint64_t result_bytes() const override {
    // A table entry with its word, and the word once more in the rendered counts.
    return static_cast<std::uint64_t>(table_.size()) * 48;
  }

  // The table as a task's counts are encoded, after the total they sum to.
  std::optional<std::string> snapshot() const override {
    std::string out;
    put_varint(out, total_);
    out += encode_counts(table_);
    return out;
  }

  void restore(std::string_view bytes) override {
    byte_reader in(bytes);
    const auto total = in.varint();
    word_table table;
    decode_counts(in.rest(), total, table);
    table_ = std::move(table);
    total_ = total;
  }

  nlohmann::ordered_json render() const override {
    struct item {
      std::string_view word;
      std::uint64_t count;
    };
    std::vector<item> order;
    order.reserve(table_.size());
    table_.for_each([&order](std::string_view word, std::uint64_t count) {
      order.push_back(item{word, count});
    });
    const auto before = [](const item& a, const item& b) {
      if (a.count != b.count) {
        return a.count > b.count;
      }
      return a.word < b.word;
    };
    const auto shown = static_cast<std::size_t>(std::min<std::uint64_t>(top_, order.size()));
    const auto shown_end = order.begin() + static_cast<std::ptrdiff_t>(shown);
    if (shown < order.size()) {
      std::partial_sort(order.begin(), shown_end, order.end(), before);
    } else {
      std::sort(order.begin(), order.end(), before);
    }

    auto counts = nlohmann::ordered_json::object();
    // ordered_json's insert searches the keys linearly; these words are distinct: append them.
    auto& items = counts.get_ref<nlohmann::ordered_json::object_t&>();
    items.reserve(shown);
    for (auto it = order.begin(); it != shown_end; ++it) {
      items.emplace_back(std::string(it->word), it->count);
    }
    nlohmann::ordered_json out;
    out["total"] = total_;
    out["distinct"] = table_.size();
    out["counts"] = std::move(counts);
    return out;
  }

private:
  std::uint64_t top_;
  std::uint64_t total_ = 0;
  word_table table_;
};

class wordcount_plan : public job_plan {
public:
  wordcount_plan(word_layout layout, const wordcount_options& o)
      : layout_(std::move(layout)), top_(o.top), ship_path_(o.ship_path) {}

  std::uint64_t task_count() const override { return layout_.chunk_count(); }

  // Each file's path, size and modification time, as they are now.
  std::string input_digest() const override {
    fingerprint f;
    for (std::size_t i = 0; i < layout_.file_count(); ++i) {
      const auto& file = layout_.file(i);
      std::error_code ec;
      const auto mtime = std::filesystem::last_write_time(file.path, ec);
      f.add(file.path).add(file.size);
      f.add(ec ? 0 : static_cast<std::uint64_t>(mtime.time_since_epoch().count()));
    }
    return f.hex();
  }

  task_spec make_task(std::uint64_t index) const override {
    task_spec spec;
    std::tie(spec.lo, spec.hi) = layout_.range(index);
    const auto segments = layout_.segments(index);
    if (ship_path_) {
      spec.data.push_back(shared_path);
      for (const auto& s : segments) {
        const word_file& f = layout_.file(s.file);
        put_bytes(spec.data, f.path);
        put_varint(spec.data, s.lo);
        put_varint(spec.data, s.hi);
        spec.data.push_back(s.hi == f.size ? 1 : 0);
      }
      return spec;
    }
    spec.data.reserve(1 + (spec.hi - spec.lo) + segments.size() * 16);
    spec.data.push_back(shipped_bytes);
    std::string tail;
    for (const auto& s : segments) {
      const word_file& f = layout_.file(s.file);
      word_segment_reader in(f.path, s.lo, s.hi, s.hi == f.size);
      spec.data.push_back(in.starts_mid_word() ? 1 : 0);
      put_varint(spec.data, s.hi - s.lo);
      in.read_body(spec.data, s.hi - s.lo);
      tail.clear();
      while (in.read_tail(tail, block_bytes) != 0) {
      }
      put_bytes(spec.data, tail);
    }
    return spec;
  }

  std::string describe(std::uint64_t index) const override {
    const auto segments = layout_.segments(index);
    const auto name = [this](const word_segment& s) {
      return "file=" + layout_.file(s.file).path + " bytes=" + std::to_string(s.lo) + ".." +
             std::to_string(s.hi);
    };
    if (segments.empty()) {
      return {};
    }
    if (segments.size() == 1) {
      return name(segments.front());
    }
    const std::string gap = segments.size() > 2 ? " ... " : " ";
    return name(segments.front()) + gap + name(segments.back()) + " (" +
           std::to_string(segments.size()) + " files)";
  }

  std::unique_ptr<reducer> make_reducer() const override {
    return std::make_unique<wordcount_reducer>(top_);
  }

private:
  word_layout layout_;
  std::uint64_t top_;
  bool ship_path_;
};

class wordcount_kind : public job_kind {
public:
  std::string_view name() const override { return "wordcount"; }
  std::string_view summary() const override {
    return "counts the words (runs of ASCII letters, lower-cased) of a file or directory tree; "
           "result {\"total\", \"distinct\", \"counts\"}";
  }
  std::vector<param_spec> parameters() const override {
    return {
        {"path", param_type::path, "",
         "a file, or a directory read recursively (regular files; symlinks not followed)", true},
        {"top", param_type::count, "", "list only the N most frequent words (default: all)"},
        {"ship",
         param_type::choice,
         "bytes",
         "bytes: the master reads and ships byte ranges; path: workers read the shared path",
         false,
         {"bytes", "path"}},
    };
  }
  task_bound bound(const params&) const override { return task_bound::cpu; }

  void validate(const params& p) const override { check_word_root(parse_options(p).path); }

  std::unique_ptr<job_plan> split(const params& p) const override {
    return split_wordcount(p, wordcount_chunk_bytes);
  }

  task<partial> run(task_spec spec, task_context& ctx) const override {
    word_table table;
    word_tokenizer words(table);
    byte_reader in(spec.data);
    const std::uint8_t how = in.byte();
    if (how != shipped_bytes && how != shared_path) {
      throw std::invalid_argument("wordcount: malformed task data");
    }
    std::string buffer;
    while (!in.at_end()) {
      if (how == shipped_bytes) {
        words.begin_segment(in.byte() != 0);
        const std::string_view body = in.bytes();
        for (std::size_t at = 0; at < body.size(); at += block_bytes) {
          words.feed(body.substr(at, block_bytes));
          const bool cancelled = co_await ctx.checkpoint();
          if (cancelled) {
            co_return partial{};
          }
        }
        words.feed(in.bytes());
      } else {
        std::string path(in.bytes());
        const std::uint64_t lo = in.varint();
        const std::uint64_t hi = in.varint();
        const bool at_eof = in.byte() != 0;
        word_segment_reader file(std::move(path), lo, hi, at_eof);
        words.begin_segment(file.starts_mid_word());
        for (;;) {
          buffer.clear();
          if (file.read_body(buffer, block_bytes) == 0 &&
              file.read_tail(buffer, block_bytes) == 0) {
            break;
          }
          words.feed(buffer);
          const bool cancelled = co_await ctx.checkpoint();
          if (cancelled) {
            co_return partial{};
          }
        }
      }
      words.end_segment();
      const bool cancelled = co_await ctx.checkpoint();
      if (cancelled) {
        co_return partial{};
      }
    }
    co_return partial{words.total(), encode_counts(table)};
  }
};

} // namespace

std::unique_ptr<job_plan> split_wordcount(const params& p, std::uint64_t chunk_bytes) {
  const auto o = parse_options(p);
  return std::make_unique<wordcount_plan>(word_layout(list_word_files(o.path), chunk_bytes), o);
}

std::shared_ptr<const job_kind> make_wordcount_kind() {
  return std::make_shared<const wordcount_kind>();
}

} // namespace cohort
