// word_files: wordcount's input: the file walk, the cut into chunks, the reading of a chunk.
#include "jobs/word_files.hpp"

#include "cohort/params.hpp"
#include "jobs/word_tokenizer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace cohort {

namespace fs = std::filesystem;

namespace {

std::string in_quotes(const std::string& path) {
  return "'" + path + "'";
}

[[noreturn]] void cannot_read(const fs::filesystem_error& e) {
  throw param_error("wordcount: cannot read " + in_quotes(e.path1().string()) + ": " +
                    e.code().message());
}

} // namespace

void check_word_root(const std::string& root) {
  std::error_code ec;
  const fs::file_status st = fs::status(root, ec);
  if (!fs::exists(st)) {
    if (ec && ec != std::errc::no_such_file_or_directory) {
      throw param_error("wordcount: cannot access path " + in_quotes(root) + ": " + ec.message());
    }
    throw param_error("wordcount: path " + in_quotes(root) + " does not exist");
  }
  if (!fs::is_regular_file(st) && !fs::is_directory(st)) {
    throw param_error("wordcount: path " + in_quotes(root) + " is not a file or directory");
  }
}

std::vector<word_file> list_word_files(const std::string& root) {
  check_word_root(root);
  std::vector<word_file> files;
  try {
    if (fs::is_regular_file(root)) {
      files.push_back(word_file{root, fs::file_size(root)});
      return files;
    }
    // Without follow_directory_symlink the walk does not descend into symlinked directories;
    // symlinked files are dropped by testing the entry itself rather than its target.
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      if (fs::is_regular_file(entry.symlink_status())) {
        files.push_back(word_file{entry.path().string(), entry.file_size()});
      }
    }
  } catch (const fs::filesystem_error& e) {
    cannot_read(e);
  }
  std::sort(files.begin(), files.end(),
            [](const word_file& a, const word_file& b) { return a.path < b.path; });
  return files;
}

word_layout::word_layout(std::vector<word_file> files, std::uint64_t chunk_bytes) {
  for (auto& f : files) {
    if (f.size > 0) {
      starts_.push_back(total_);
      total_ += f.size;
      files_.push_back(std::move(f));
    }
  }
  if (total_ > 0) {
    chunk_bytes = std::max<std::uint64_t>(chunk_bytes, 1);
    chunks_ = (total_ + chunk_bytes - 1) / chunk_bytes;
    stride_ = (total_ + chunks_ - 1) / chunks_;
  }
}

std::pair<std::uint64_t, std::uint64_t> word_layout::range(std::uint64_t index) const {
  const std::uint64_t lo = index * stride_;
  return {lo, std::min(lo + stride_, total_)};
}

std::vector<word_segment> word_layout::segments(std::uint64_t index) const {
  const auto [lo, hi] = range(index);
  std::vector<word_segment> out;
  auto f = static_cast<std::size_t>(std::upper_bound(starts_.begin(), starts_.end(), lo) -
                                    starts_.begin() - 1);
  for (; f < files_.size() && starts_[f] < hi; ++f) {
    const std::uint64_t start = starts_[f];
    out.push_back(
        word_segment{f, std::max(lo, start) - start, std::min(hi, start + files_[f].size) - start});
  }
  return out;
}

word_segment_reader::word_segment_reader(std::string path, std::uint64_t lo, std::uint64_t hi,
                                         bool at_eof)
    : path_(std::move(path)), pos_(lo), hi_(hi), tail_done_(at_eof) {
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    throw std::runtime_error("wordcount: cannot open " + in_quotes(path_) + ": " +
                             std::generic_category().message(errno));
  }
  if (lo > 0) {
    char before = 0;
    if (read_at(&before, 1, lo - 1) != 1) {
      shrunk(lo);
    }
    mid_word_ = is_word_byte(before);
  }
}

word_segment_reader::~word_segment_reader() {
  ::close(fd_);
}

std::size_t word_segment_reader::read_body(std::string& out, std::size_t max) {
  if (pos_ >= hi_) {
    return 0;
  }
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(max, hi_ - pos_));
  const std::size_t old = out.size();
  out.resize(old + n);
  if (read_at(out.data() + old, n, pos_) != n) {
    shrunk(pos_ + n);
  }
  pos_ += n;
  ends_in_word_ = is_word_byte(out.back());
  return n;
}

std::size_t word_segment_reader::read_tail(std::string& out, std::size_t max) {
  if (tail_done_ || !ends_in_word_ || pos_ < hi_) {
    return 0;
  }
  // Tails are a few bytes: start small, grow for the odd long word.
  const std::size_t want = std::min(max, tail_step_);
  tail_step_ *= 2;
  const std::size_t old = out.size();
  out.resize(old + want);
  const std::size_t got = read_at(out.data() + old, want, pos_);
  const auto first = out.begin() + static_cast<std::ptrdiff_t>(old);
  const auto letters =
      static_cast<std::size_t>(std::find_if(first, first + static_cast<std::ptrdiff_t>(got),
                                            [](char c) { return !is_word_byte(c); }) -
                               first);
  out.resize(old + letters);
  pos_ += letters;
  tail_done_ = letters < want;
  return letters;
}

std::size_t word_segment_reader::read_at(char* buf, std::size_t n, std::uint64_t offset) const {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t got = ::pread(fd_, buf + done, n - done, static_cast<off_t>(offset + done));
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw std::runtime_error("wordcount: cannot read " + in_quotes(path_) + ": " +
                               std::generic_category().message(errno));
    }
    if (got == 0) {
      break;
    }
    done += static_cast<std::size_t>(got);
  }
  return done;
}

void word_segment_reader::shrunk(std::uint64_t wanted) const {
  throw std::runtime_error("wordcount: " + in_quotes(path_) + " has fewer than " +
                           std::to_string(wanted) + " bytes: it changed after the job was split");
}

} // namespace cohort
