// process: fork/execvp with pipes drained by poll, so neither side blocks on a full pipe.
#include "tests/process/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>

namespace cohort::test {

namespace {

/// An owned file descriptor.
class unique_fd {
public:
  unique_fd() = default;
  explicit unique_fd(int fd) : fd_(fd) {}
  unique_fd(unique_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& o) noexcept {
    reset(std::exchange(o.fd_, -1));
    return *this;
  }
  ~unique_fd() { reset(); }

  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = fd;
  }

private:
  int fd_ = -1;
};

struct pipe_ends {
  unique_fd read;
  unique_fd write;
};

[[noreturn]] void fail_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

pipe_ends make_pipe() {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
    fail_errno("pipe2");
  }
  return {unique_fd(fds[0]), unique_fd(fds[1])};
}

std::string tail(const std::string& text) {
  constexpr std::size_t keep = 4000;
  return text.size() <= keep ? text : "..." + text.substr(text.size() - keep);
}

/// Reads what is available on fd into out; false at end of file.
bool drain(int fd, std::string& out) {
  std::array<char, 65536> buf{};
  const ssize_t n = ::read(fd, buf.data(), buf.size());
  if (n > 0) {
    out.append(buf.data(), static_cast<std::size_t>(n));
    return true;
  }
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
    return true;
  }
  return false;
}

} // namespace

void skip_test(const std::string& why) {
  std::fprintf(stderr, "skipped: %s\n", why.c_str());
  std::fflush(stderr);
  std::_Exit(skip_code);
}

std::string describe(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    out += (out.empty() ? "" : " ") + a;
  }
  return out;
}

process_result run_process(std::vector<std::string> argv, std::chrono::milliseconds timeout,
                           std::string stdin_text, timed_signal send) {
  if (argv.empty()) {
    throw std::invalid_argument("run_process: empty argv");
  }
  // A child that stops reading its stdin must not kill the test with SIGPIPE; write() reports
  // EPIPE.
  static std::once_flag ignore_sigpipe;
  std::call_once(ignore_sigpipe, [] { std::signal(SIGPIPE, SIG_IGN); });

  std::vector<char*> cargv;
  for (auto& a : argv) {
    cargv.push_back(a.data());
  }
  cargv.push_back(nullptr);
  auto in = make_pipe();
  auto out = make_pipe();
  auto err = make_pipe();
  auto exec_status = make_pipe();

  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) {
    fail_errno("fork");
  }
  if (pid == 0) {
    // Only async-signal-safe calls until exec. Own process group, so a timeout kills its children
    // too.
    ::setpgid(0, 0);
    ::signal(SIGPIPE, SIG_DFL);
    ::dup2(in.read.get(), STDIN_FILENO);
    ::dup2(out.write.get(), STDOUT_FILENO);
    ::dup2(err.write.get(), STDERR_FILENO);
    ::execvp(cargv[0], cargv.data());
    const int e = errno;
    [[maybe_unused]] const auto n = ::write(exec_status.write.get(), &e, sizeof e);
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  in.read.reset();
  out.write.reset();
  err.write.reset();
  exec_status.write.reset();

  int exec_errno = 0;
  ssize_t got = 0;
  do {
    got = ::read(exec_status.read.get(), &exec_errno, sizeof exec_errno);
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof exec_errno)) {
    ::waitpid(pid, nullptr, 0);
    throw std::system_error(exec_errno, std::generic_category(), "cannot run " + describe(argv));
  }

  if (stdin_text.empty()) {
    in.write.reset();
  } else {
    ::fcntl(in.write.get(), F_SETFL, ::fcntl(in.write.get(), F_GETFL) | O_NONBLOCK);
  }
  std::size_t written = 0;
  process_result r;
  const auto deadline = start + timeout;
  const auto kill_on_timeout = [&] {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    throw std::runtime_error("timed out after " + std::to_string(timeout.count()) +
                             " ms, killed: " + describe(argv) + "\n--- stdout:\n" + tail(r.out) +
                             "\n--- stderr:\n" + tail(r.err));
  };
  const auto ms_until = [](std::chrono::steady_clock::time_point t) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(t - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<std::chrono::milliseconds::rep>(left.count(), 0));
  };
  const auto remaining_ms = [&] {
    return ms_until(deadline);
  };
  // Sends the timed signal once it is due; how long poll may wait for it (the deadline when none).
  bool signal_pending = send.number != 0;
  const auto signal_wait_ms = [&] {
    if (signal_pending && ms_until(start + send.after) == 0) {
      ::kill(pid, send.number);
      signal_pending = false;
    }
    return signal_pending ? std::min(ms_until(start + send.after), remaining_ms()) : remaining_ms();
  };

  while (out.read.get() >= 0 || err.read.get() >= 0) {
    std::array<pollfd, 3> fds{};
    fds[0] = {out.read.get(), POLLIN, 0};
    fds[1] = {err.read.get(), POLLIN, 0};
    fds[2] = {in.write.get(), POLLOUT, 0};
    const int wait = signal_wait_ms();
    if (remaining_ms() == 0) {
      kill_on_timeout();
    }
    if (::poll(fds.data(), fds.size(), wait) < 0 && errno != EINTR) {
      fail_errno("poll");
    }
    if (fds[0].revents != 0 && !drain(out.read.get(), r.out)) {
      out.read.reset();
    }
    if (fds[1].revents != 0 && !drain(err.read.get(), r.err)) {
      err.read.reset();
    }
    if (fds[2].revents != 0) {
      const ssize_t n =
          ::write(in.write.get(), stdin_text.data() + written, stdin_text.size() - written);
      if (n > 0) {
        written += static_cast<std::size_t>(n);
      }
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == stdin_text.size()) {
        in.write.reset();
      }
    }
  }
  in.write.reset();

  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      break;
    }
    if (done < 0 && errno != EINTR) {
      fail_errno("waitpid");
    }
    signal_wait_ms();
    if (remaining_ms() == 0) {
      kill_on_timeout();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  r.wall = std::chrono::steady_clock::now() - start;
  if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.signal = WTERMSIG(status);
  }
  return r;
}

temp_dir::temp_dir() {
  std::string pattern = "/tmp/cohort-test-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    fail_errno("mkdtemp");
  }
  path_ = pattern;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path temp_dir::write(const std::string& name, const std::string& bytes) const {
  const auto file = path_ / name;
  std::filesystem::create_directories(file.parent_path());
  std::ofstream f(file, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  f.close();
  if (!f) {
    throw std::runtime_error("cannot write " + file.string());
  }
  return file;
}

} // namespace cohort::test
