// What the fuzz targets share: oracles, a scratch directory, keeping file names from the input
// harmless, and splitting input into words.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace cohort::fuzz {

/// A fresh directory for files a target writes, removed at exit; its absolute path.
inline const std::string& scratch_dir() {
  // Never destroyed: the atexit handler below runs after static destructors.
  static const std::string& dir = *[] {
    auto* d =
        new std::string((std::filesystem::temp_directory_path() / "cohort-fuzz-XXXXXX").string());
    if (mkdtemp(d->data()) == nullptr) {
      std::abort();
    }
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratch_dir(), ec);
    });
    return d;
  }();
  return dir;
}

/// Sets the process up as the parsers would meet it, without a token in the environment.
inline void set_up() {
  unsetenv("COHORT_TOKEN");
}

/// An oracle: stops the run as a crash when a property of parsed input does not hold.
inline void require(bool ok) {
  if (!ok) {
    std::abort();
  }
}

/// True when `text` names no path: a file name in it is then relative to the working directory
/// (tests/fuzz/run uses an empty one), so it cannot reach a device or FIFO that blocks a read.
inline bool names_no_path(std::string_view text) {
  return text.find('/') == std::string_view::npos;
}

/// Whether a config key's value is a file the command-line layer reads (app/command_line.cpp).
inline bool is_file_key(std::string_view key) {
  return key == "config" || key == "jobs" || key == "token-file" || key == "tls-cert" ||
         key == "tls-key" || key == "tls-ca" || key == "kinds-from";
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// The pieces of `text` between `sep`s; an empty text gives no pieces.
inline std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto end = text.find(sep);
    out.emplace_back(text.substr(0, end));
    if (end == std::string_view::npos) {
      break;
    }
    text.remove_prefix(end + 1);
  }
  return out;
}

} // namespace cohort::fuzz
