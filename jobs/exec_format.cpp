// exec_format: strict parsing of the commands file (every mistake names its line) and the varint
// codec shared with wordcount.
#include "jobs/exec_format.hpp"

#include "cohort/params.hpp"
#include "jobs/word_codec.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <stdexcept>

namespace cohort {

namespace {

constexpr char argv_tag = 'A';
constexpr char shell_tag = 'S';

// A result's flags byte: which of exit_code and signal is set.
constexpr std::uint8_t has_exit_code = 1;
constexpr std::uint8_t has_signal = 2;
constexpr std::uint8_t was_timed_out = 4;

// A string the kernel can take as an argument: no NUL inside.
std::string checked_arg(const nlohmann::json& v, const std::string& where, const char* what) {
  if (!v.is_string()) {
    throw param_error(where + what + " must be a string, got " + v.dump());
  }
  auto s = v.get<std::string>();
  if (s.find('\0') != std::string::npos) {
    throw param_error(where + what + " contains a NUL byte");
  }
  return s;
}

exec_command parse_line(const std::string& line, const std::string& where) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line);
  } catch (const nlohmann::json::parse_error& e) {
    throw param_error(where + "not JSON: " + e.what());
  }
  if (!j.is_object()) {
    throw param_error(where + "expected an object with \"argv\" or \"sh\", got " + j.dump());
  }
  for (const auto& [key, value] : j.items()) {
    if (key != "argv" && key != "sh" && key != "require") {
      throw param_error(where + "unknown field '" + key + "' (known: argv, sh, require)");
    }
  }
  const bool has_argv = j.contains("argv");
  const bool has_sh = j.contains("sh");
  if (has_argv == has_sh) {
    throw param_error(where + "needs exactly one of \"argv\" and \"sh\"");
  }
  exec_command c;
  c.shell = has_sh;
  if (j.contains("require")) {
    const auto& tags = j["require"];
    if (!tags.is_array()) {
      throw param_error(where + "\"require\" must be an array of tags, got " + tags.dump());
    }
    for (const auto& t : tags) {
      auto tag = checked_arg(t, where, "every \"require\" item");
      if (tag.empty() || tag.find_first_of(" \t,") != std::string::npos) {
        throw param_error(where + "a tag is non-empty and has no blanks or commas, got " +
                          t.dump());
      }
      c.require.push_back(std::move(tag));
    }
  }
  if (has_sh) {
    c.args.push_back(checked_arg(j["sh"], where, "\"sh\""));
    if (c.args.front().empty()) {
      throw param_error(where + "\"sh\" is empty");
    }
    return c;
  }
  const auto& argv = j["argv"];
  if (!argv.is_array() || argv.empty()) {
    throw param_error(where + "\"argv\" must be a non-empty array of strings, got " + argv.dump());
  }
  for (const auto& a : argv) {
    c.args.push_back(checked_arg(a, where, "every \"argv\" item"));
  }
  if (c.args.front().empty()) {
    throw param_error(where + "\"argv\"[0] is empty");
  }
  return c;
}

} // namespace

std::vector<std::string> exec_command::argv() const {
  if (shell) {
    return {"/bin/sh", "-c", args.front()};
  }
  return args;
}

std::string exec_command::describe() const {
  nlohmann::json j;
  if (shell) {
    j["sh"] = args.front();
  } else {
    j["argv"] = args;
  }
  if (!require.empty()) {
    j["require"] = require;
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<exec_command> load_exec_commands(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw param_error("exec: param 'file': cannot open '" + path + "': " + std::strerror(errno));
  }
  return read_exec_commands(in, path);
}

std::vector<exec_command> read_exec_commands(std::istream& in, const std::string& path) {
  std::vector<exec_command> out;
  std::string line;
  std::uint64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (line.find_first_not_of(" \t") == std::string::npos) {
      continue;
    }
    out.push_back(parse_line(line, "exec: " + path + ":" + std::to_string(number) + ": "));
  }
  if (in.bad()) {
    throw param_error("exec: cannot read the commands of '" + path + "'");
  }
  return out;
}

std::string encode_command(const exec_command& c) {
  std::string out;
  out.push_back(c.shell ? shell_tag : argv_tag);
  put_varint(out, c.args.size());
  for (const auto& a : c.args) {
    put_bytes(out, a);
  }
  return out;
}

exec_command decode_command(std::string_view data) {
  byte_reader in(data);
  exec_command c;
  const auto tag = static_cast<char>(in.byte());
  if (tag != argv_tag && tag != shell_tag) {
    throw std::invalid_argument("exec: task data of an unknown form");
  }
  c.shell = tag == shell_tag;
  const auto n = in.varint();
  if (n == 0 || n > data.size() || (c.shell && n != 1)) {
    throw std::invalid_argument("exec: task data with a bad argument count");
  }
  for (std::uint64_t i = 0; i < n; ++i) {
    c.args.emplace_back(in.bytes());
  }
  if (!in.at_end()) {
    throw std::invalid_argument("exec: task data with trailing bytes");
  }
  return c;
}

std::string encode_result(const exec_result& r) {
  std::string out;
  put_varint(out, r.index);
  std::uint8_t flags = 0;
  if (r.exit_code) {
    flags |= has_exit_code;
  }
  if (r.signal) {
    flags |= has_signal;
  }
  if (r.timed_out) {
    flags |= was_timed_out;
  }
  out.push_back(static_cast<char>(flags));
  put_varint(out, static_cast<std::uint64_t>(r.exit_code.value_or(r.signal.value_or(0))));
  put_varint(out, r.wall_ns);
  put_bytes(out, r.stdout_tail);
  put_bytes(out, r.stderr_tail);
  put_bytes(out, r.host);
  put_varint(out, r.start_ns);
  return out;
}

exec_result decode_result(std::string_view data) {
  byte_reader in(data);
  exec_result r;
  r.index = in.varint();
  const auto flags = in.byte();
  const auto code = in.varint();
  const auto status = flags & (has_exit_code | has_signal);
  if (flags > (has_exit_code | has_signal | was_timed_out) ||
      status == (has_exit_code | has_signal) ||
      code > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
    throw std::invalid_argument("exec: a partial with a bad status");
  }
  if ((flags & has_exit_code) != 0) {
    r.exit_code = static_cast<int>(code);
  }
  if ((flags & has_signal) != 0) {
    r.signal = static_cast<int>(code);
  }
  r.timed_out = (flags & was_timed_out) != 0;
  r.wall_ns = in.varint();
  r.stdout_tail = std::string(in.bytes());
  r.stderr_tail = std::string(in.bytes());
  // Journals written before host and start were sent hold results without them.
  if (!in.at_end()) {
    r.host = std::string(in.bytes());
    r.start_ns = in.varint();
  }
  if (!in.at_end()) {
    throw std::invalid_argument("exec: a partial with trailing bytes");
  }
  return r;
}

} // namespace cohort
