// child_process: posix_spawn into a fresh process group with default signals and no inherited
// descriptors (the worker's sockets must not leak into a command), then polling from the task.
#include "jobs/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <utility>

extern char** environ;

namespace cohort {

namespace {

// Bytes read from one pipe per drain(): a command writing without pause cannot hold the worker's
// thread for long.
constexpr std::size_t drain_budget = std::size_t{1} << 20;

void close_fd(int& fd) {
  if (fd >= 0) {
    ::close(fd);
    fd = -1;
  }
}

// Reads what fd holds now into tail; closes fd at end of file. True when any byte came.
bool read_available(int& fd, byte_tail& tail) {
  std::array<char, 65536> buf;
  std::size_t total = 0;
  while (fd >= 0 && total < drain_budget) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n > 0) {
      tail.append(buf.data(), static_cast<std::size_t>(n));
      total += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    } else {
      close_fd(fd);
    }
  }
  return total != 0;
}

// Frees posix_spawn's attribute objects on every path out of the constructor.
struct spawn_setup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  spawn_setup() {
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawnattr_init(&attr);
  }
  ~spawn_setup() {
    ::posix_spawnattr_destroy(&attr);
    ::posix_spawn_file_actions_destroy(&actions);
  }
  spawn_setup(const spawn_setup&) = delete;
  spawn_setup& operator=(const spawn_setup&) = delete;
};

void check(int rc, const char* what) {
  if (rc != 0) {
    throw std::system_error(rc, std::generic_category(), what);
  }
}

struct pipe_pair {
  int read = -1;
  int write = -1;
  pipe_pair() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      throw std::system_error(errno, std::generic_category(), "exec: pipe");
    }
    read = fds[0];
    write = fds[1];
  }
  ~pipe_pair() {
    close_fd(read);
    close_fd(write);
  }
  pipe_pair(const pipe_pair&) = delete;
  pipe_pair& operator=(const pipe_pair&) = delete;
};

} // namespace

void byte_tail::append(const char* data, std::size_t n) {
  if (n >= limit_) {
    dropped_ += bytes_.size() + (n - limit_);
    bytes_.assign(data + (n - limit_), limit_);
    return;
  }
  bytes_.append(data, n);
  if (bytes_.size() > limit_) {
    const std::size_t extra = bytes_.size() - limit_;
    dropped_ += extra;
    bytes_.erase(0, extra);
  }
}

std::string byte_tail::text() const {
  std::size_t skip = 0;
  if (dropped_ != 0) {
    // Continuation bytes (10xxxxxx) at the cut belong to a character whose start was dropped.
    while (skip < 3 && skip < bytes_.size() &&
           (static_cast<unsigned char>(bytes_[skip]) & 0xC0) == 0x80) {
      ++skip;
    }
  }
  return bytes_.substr(skip);
}

child_process::child_process(const std::vector<std::string>& argv, std::size_t tail_bytes)
    : out_(tail_bytes), err_(tail_bytes) {
  if (argv.empty()) {
    throw std::invalid_argument("exec: empty argv");
  }
  pipe_pair out;
  pipe_pair err;
  spawn_setup s;
  check(::posix_spawn_file_actions_addopen(&s.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0),
        "exec: spawn actions");
  check(::posix_spawn_file_actions_adddup2(&s.actions, out.write, STDOUT_FILENO),
        "exec: spawn actions");
  check(::posix_spawn_file_actions_adddup2(&s.actions, err.write, STDERR_FILENO),
        "exec: spawn actions");
  check(::posix_spawn_file_actions_addclosefrom_np(&s.actions, STDERR_FILENO + 1),
        "exec: spawn actions");
  // Own process group (so a kill reaches what the command starts), default signal handling and
  // an empty mask: the worker's ignored SIGPIPE or blocked SIGINT must not carry over.
  sigset_t all;
  sigfillset(&all);
  sigset_t none;
  sigemptyset(&none);
  check(::posix_spawnattr_setflags(&s.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                                POSIX_SPAWN_SETSIGMASK),
        "exec: spawn attributes");
  check(::posix_spawnattr_setpgroup(&s.attr, 0), "exec: spawn attributes");
  check(::posix_spawnattr_setsigdefault(&s.attr, &all), "exec: spawn attributes");
  check(::posix_spawnattr_setsigmask(&s.attr, &none), "exec: spawn attributes");

  std::vector<char*> cargv;
  cargv.reserve(argv.size() + 1);
  for (const auto& a : argv) {
    cargv.push_back(const_cast<char*>(a.c_str()));
  }
  cargv.push_back(nullptr);
  const int rc = ::posix_spawnp(&pid_, cargv[0], &s.actions, &s.attr, cargv.data(), environ);
  if (rc != 0) {
    pid_ = -1;
    status_ = child_status{rc == ENOENT || rc == ENOTDIR ? 127 : 126, std::nullopt};
    const std::string why = "cohort: cannot run '" + argv[0] + "': " + std::strerror(rc) + "\n";
    err_.append(why.data(), why.size());
    return;
  }
  for (int fd : {out.read, err.read}) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  out_fd_ = std::exchange(out.read, -1);
  err_fd_ = std::exchange(err.read, -1);
}

child_process::~child_process() {
  kill();
  close_pipes();
}

bool child_process::drain() {
  const bool got_out = read_available(out_fd_, out_);
  const bool got_err = read_available(err_fd_, err_);
  return got_out || got_err;
}

bool child_process::poll() {
  if (status_) {
    return true;
  }
  siginfo_t info{};
  int rc = 0;
  do {
    // WNOWAIT leaves the command a zombie, so its pid still names its process group below.
    rc = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT);
  } while (rc != 0 && errno == EINTR);
  if (rc == 0 && info.si_pid == 0) {
    return false;
  }
  // What the command left running in its group would hold the pipes open and outlive the task.
  ::kill(-pid_, SIGKILL);
  reap();
  drain();
  close_pipes();
  return true;
}

void child_process::kill() {
  if (status_ || pid_ <= 0) {
    return;
  }
  ::kill(-pid_, SIGKILL);
  reap();
  drain();
  close_pipes();
}

void child_process::reap() {
  int st = 0;
  pid_t got = 0;
  do {
    got = ::waitpid(pid_, &st, 0);
  } while (got < 0 && errno == EINTR);
  child_status s;
  if (got > 0 && WIFEXITED(st)) {
    s.exit_code = WEXITSTATUS(st);
  } else if (got > 0 && WIFSIGNALED(st)) {
    s.signal = WTERMSIG(st);
  }
  status_ = s;
}

void child_process::close_pipes() {
  close_fd(out_fd_);
  close_fd(err_fd_);
}

} // namespace cohort
