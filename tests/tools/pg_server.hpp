// pg_server: a throwaway PostgreSQL 15 server for a process test (tests/tools/pg_server start),
// stopped and removed with the object; a test on a host without PostgreSQL 15 exits as skipped.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace cohort::test {

class pg_server {
public:
  /// Starts a server: `tests/tools/pg_server start`. Exits the process with 77 (CTest's skip code)
  /// when PostgreSQL 15 is not installed; throws std::runtime_error when the server cannot start.
  pg_server() {
    const auto r = shell(quote(script()) + " start </dev/null 2>&1");
    if (r.status == skip_code) {
      std::fprintf(stderr, "skipped: PostgreSQL 15 is not installed\n");
      std::fflush(stderr);
      std::exit(skip_code);
    }
    auto lines = split_lines(r.out);
    if (r.status != 0 || lines.size() < 2) {
      throw std::runtime_error("pg_server start exited " + std::to_string(r.status) + ": " + r.out);
    }
    dir_ = lines[lines.size() - 2];
    conninfo_ = lines.back();
    if (dir_.empty() || dir_.front() != '/' || conninfo_.find("port=") == std::string::npos) {
      stop();
      throw std::runtime_error("pg_server start printed no directory and connection string: " +
                               r.out);
    }
  }

  ~pg_server() { stop(); }

  pg_server(const pg_server&) = delete;
  pg_server& operator=(const pg_server&) = delete;

  /// The server's directory: data/ and its log, server.log (one "connection authorized" line per
  /// connection).
  const std::string& dir() const { return dir_; }
  /// "host=127.0.0.1 port=PORT user=cohort dbname=cohort"
  const std::string& conninfo() const { return conninfo_; }

  /// What `psql -X -A -t -q -v ON_ERROR_STOP=1 -c sql` prints (unaligned, tuples only: a row a
  /// line, columns split by '|'), without its last newline; std::runtime_error with psql's stderr
  /// when it fails.
  std::string psql(const std::string& sql) const {
    auto err_path = std::filesystem::temp_directory_path() / "cohort-psql-err.XXXXXX";
    std::string err_name = err_path.string();
    const int fd = ::mkstemp(err_name.data());
    if (fd < 0) {
      throw std::runtime_error("pg_server::psql: cannot create a temp file in " +
                               err_path.parent_path().string());
    }
    ::close(fd);
    const auto r =
        shell(quote(psql_binary()) + " -X -A -t -q -v ON_ERROR_STOP=1 -d " + quote(conninfo_) +
              " -c " + quote(sql) + " </dev/null 2>" + quote(err_name));
    std::string err;
    if (std::FILE* f = std::fopen(err_name.c_str(), "r")) {
      char buf[4096];
      for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) {
        err.append(buf, n);
      }
      std::fclose(f);
    }
    std::filesystem::remove(err_name);
    if (r.status != 0) {
      throw std::runtime_error("psql exited " + std::to_string(r.status) + " on \"" + sql +
                               "\": " + err);
    }
    std::string out = r.out;
    if (!out.empty() && out.back() == '\n') {
      out.pop_back();
    }
    return out;
  }

private:
  static constexpr int skip_code = 77;

  struct shell_result {
    int status = -1; ///< the exit status, or -1 when the shell did not exit normally
    std::string out;
  };

  static std::string script() {
#ifdef COHORT_SOURCE_DIR
    return std::string(COHORT_SOURCE_DIR) + "/tests/tools/pg_server";
#else
    return (std::filesystem::path(__FILE__).parent_path() / "pg_server").string();
#endif
  }

  /// The psql of the PostgreSQL 15 the script runs ($COHORT_PG_BIN, as the script reads it).
  static std::string psql_binary() {
    const char* bin = std::getenv("COHORT_PG_BIN");
    const std::string path =
        std::string(bin && *bin ? bin : "/usr/lib/postgresql/15/bin") + "/psql";
    return ::access(path.c_str(), X_OK) == 0 ? path : "psql";
  }

  /// s in single quotes for /bin/sh: every byte literal.
  static std::string quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
      out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
  }

  static std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::string line;
    for (char c : text) {
      if (c == '\n') {
        lines.push_back(line);
        line.clear();
      } else {
        line += c;
      }
    }
    if (!line.empty()) {
      lines.push_back(line);
    }
    return lines;
  }

  /// command run by /bin/sh: its stdout and exit status.
  static shell_result shell(const std::string& command) {
    shell_result r;
    std::FILE* p = ::popen(command.c_str(), "r");
    if (!p) {
      throw std::runtime_error("pg_server: cannot run " + command);
    }
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) {
      r.out.append(buf, n);
    }
    const int status = ::pclose(p);
    if (status != -1 && WIFEXITED(status)) {
      r.status = WEXITSTATUS(status);
    }
    return r;
  }

  /// `tests/tools/pg_server stop DIR`; says on stderr what went wrong, never throws.
  void stop() noexcept {
    if (dir_.empty()) {
      return;
    }
    try {
      const auto r = shell(quote(script()) + " stop " + quote(dir_) + " </dev/null 2>&1");
      if (r.status != 0) {
        std::fprintf(stderr, "pg_server stop %s exited %d: %s\n", dir_.c_str(), r.status,
                     r.out.c_str());
      }
    } catch (...) {
      std::fprintf(stderr, "pg_server: cannot stop the server in %s\n", dir_.c_str());
    }
    dir_.clear();
  }

  std::string dir_;
  std::string conninfo_;
};

} // namespace cohort::test
