// Little-endian base-128 varints and length-prefixed strings: the bytes of the wire format and of
// the journal. The reader refuses any length beyond the bytes left and any number not in its
// shortest form, so what decodes re-encodes to the same bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace cohort {

/// Bytes that are not a well-formed encoding; the message says what is wrong.
struct codec_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class codec_writer {
public:
  explicit codec_writer(std::size_t reserve = 0) { out_.reserve(reserve); }
  void byte(std::uint8_t b) { out_.push_back(static_cast<char>(b)); }
  void u64(std::uint64_t x) {
    while (x >= 0x80) {
      out_.push_back(static_cast<char>((x & 0x7f) | 0x80));
      x >>= 7;
    }
    out_.push_back(static_cast<char>(x));
  }
  void bytes(std::string_view s) {
    u64(s.size());
    out_.append(s);
  }
  std::string take() { return std::move(out_); }

private:
  std::string out_;
};

/// Reads what codec_writer wrote; every call throws codec_error on bytes it did not write.
class codec_reader {
public:
  explicit codec_reader(std::string_view in) : in_(in) {}
  bool at_end() const { return in_.empty(); }
  std::uint8_t byte();
  std::uint64_t u64();
  std::uint32_t u32();
  std::string text();
  /// A count of items of at least `min_size` bytes each: never more than the bytes left allow.
  std::size_t count(std::size_t min_size);
  /// The same, and at most `most`: items far larger in memory than in bytes (a string, a job)
  /// are bounded by number too.
  std::size_t count(std::size_t min_size, std::size_t most);
  /// Throws unless every byte was read.
  void finish() const;

private:
  std::string_view in_;
};

} // namespace cohort
