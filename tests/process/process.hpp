// process: run a program with a time limit, capturing its output; a self-removing temp dir.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace cohort::test {

/// How a finished process ended and what it printed.
struct process_result {
  int exit_code = -1; ///< the exit status, or -1 when a signal ended the process
  int signal = 0;     ///< the signal that ended the process, 0 when it exited
  std::string out;
  std::string err;
  std::chrono::duration<double> wall{};
};

/// A signal for the process (not its group) once it has run this long; number 0 sends none.
struct timed_signal {
  int number = 0;
  std::chrono::milliseconds after{};
};

/// Runs argv (looked up in PATH like execvp) with stdin_text on its stdin, until it exits, sending
/// `send` on time. On timeout the process group is killed with SIGKILL and std::runtime_error names
/// the command and its output.
process_result run_process(std::vector<std::string> argv, std::chrono::milliseconds timeout,
                           std::string stdin_text = {}, timed_signal send = {});

/// CTest's skip code (SKIP_RETURN_CODE, set for every process test).
inline constexpr int skip_code = 77;

/// Ends this test process as skipped, saying why on stderr: only where the host lacks what the
/// test needs (CTest runs each test in a process of its own, so no other test is lost).
[[noreturn]] void skip_test(const std::string& why);

/// "argv[0] argv[1] ...", for messages.
std::string describe(const std::vector<std::string>& argv);

/// A fresh directory under /tmp, removed with everything in it when the object goes.
class temp_dir {
public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  /// path() / name, written with exactly these bytes.
  std::filesystem::path write(const std::string& name, const std::string& bytes) const;

private:
  std::filesystem::path path_;
};

} // namespace cohort::test
