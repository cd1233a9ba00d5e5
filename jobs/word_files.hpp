// word_files: wordcount's input: the file walk, the cut into chunks, the reading of a chunk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cohort {

struct word_file {
  std::string path;
  std::uint64_t size = 0;
};

/// Checks that `root` is a file or directory (a symlink given as root is followed); throws
/// param_error naming it when it is missing, of another type or unreadable.
void check_word_root(const std::string& root);

/// The regular files at `root`: root itself when it is a file (a symlink given as root is
/// followed), else every regular file below it, sorted by path; symlinks below root, to files or
/// directories, are skipped. Throws param_error as check_word_root() does, or naming a file or
/// directory the walk cannot read.
std::vector<word_file> list_word_files(const std::string& root);

/// The part of one file a chunk covers: bytes [lo, hi) of the layout's file `file`.
struct word_segment {
  std::size_t file = 0;
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;
};

/// The files laid end to end and cut into chunks of at most `chunk_bytes`, nearly equal in size, so
/// that many small files share a task. A chunk counts the words that start inside it.
class word_layout {
public:
  word_layout(std::vector<word_file> files, std::uint64_t chunk_bytes);

  std::uint64_t chunk_count() const { return chunks_; }
  /// Chunk `index` as a range of the concatenated files.
  std::pair<std::uint64_t, std::uint64_t> range(std::uint64_t index) const;
  std::vector<word_segment> segments(std::uint64_t index) const;
  const word_file& file(std::size_t i) const { return files_[i]; }
  std::size_t file_count() const { return files_.size(); }

private:
  std::vector<word_file> files_;      // non-empty files only
  std::vector<std::uint64_t> starts_; // where each file starts in the concatenation
  std::uint64_t total_ = 0;
  std::uint64_t chunks_ = 0;
  std::uint64_t stride_ = 0;
};

/// Reads one segment: the byte before it (does it start inside a word?), its bytes, then the tail:
/// the rest of a word that straddles its end, which belongs to this chunk. Throws
/// std::runtime_error naming the file when it cannot be read or has shrunk since the split.
class word_segment_reader {
public:
  /// `at_eof`: hi was the file's end at split time, so nothing past it is read.
  word_segment_reader(std::string path, std::uint64_t lo, std::uint64_t hi, bool at_eof);
  ~word_segment_reader();
  word_segment_reader(const word_segment_reader&) = delete;
  word_segment_reader& operator=(const word_segment_reader&) = delete;

  bool starts_mid_word() const { return mid_word_; }
  /// Appends up to `max` bytes of [lo, hi) to `out`; returns how many, 0 once all are read.
  std::size_t read_body(std::string& out, std::size_t max);
  /// After the body: appends up to `max` bytes of the tail to `out`; returns how many, 0 once it is
  /// read.
  std::size_t read_tail(std::string& out, std::size_t max);

private:
  std::size_t read_at(char* buf, std::size_t n, std::uint64_t offset) const;
  [[noreturn]] void shrunk(std::uint64_t wanted) const;

  std::string path_;
  int fd_ = -1;
  std::uint64_t pos_;
  std::uint64_t hi_;
  bool mid_word_ = false;
  bool ends_in_word_ = false;
  bool tail_done_;
  std::size_t tail_step_ = 64;
};

} // namespace cohort
