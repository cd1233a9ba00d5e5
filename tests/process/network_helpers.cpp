// network_helpers: background processes with output in files, TCP peers that are not cohort, and
// network namespaces torn down always.
#include "tests/process/network_helpers.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>

namespace cohort::test {

namespace {

using namespace std::chrono_literals;

constexpr auto socket_timeout = 5s;

[[noreturn]] void fail_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string tail(const std::string& text) {
  constexpr std::size_t keep = 3000;
  return text.size() <= keep ? text : "..." + text.substr(text.size() - keep);
}

int open_for_child(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0600);
  if (fd < 0) {
    fail_errno("open " + path.string());
  }
  return fd;
}

/// A socket closed when the object goes.
class socket_fd {
public:
  socket_fd() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    if (fd_ < 0) {
      fail_errno("socket");
    }
    timeval tv{std::chrono::duration_cast<std::chrono::seconds>(socket_timeout).count(), 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  socket_fd(socket_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  socket_fd& operator=(socket_fd&&) = delete;
  ~socket_fd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }

  int get() const { return fd_; }

private:
  int fd_;
};

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

socket_fd connect_loopback(std::uint16_t port) {
  socket_fd s;
  const auto a = loopback(port);
  if (::connect(s.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    fail_errno("connect 127.0.0.1:" + std::to_string(port));
  }
  return s;
}

/// Sends all of data; false when the peer closed or reset the connection first.
bool send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
      return false;
    } else {
      fail_errno("send");
    }
  }
  return true;
}

void ip(std::vector<std::string> args) {
  args.insert(args.begin(), "ip");
  const auto r = run_process(args, 10s);
  if (r.exit_code != 0) {
    throw std::runtime_error(describe(args) + " failed: " + r.err);
  }
}

std::string lab_prefix() {
  static std::atomic<unsigned> next{0};
  return "cohort-" + std::to_string(::getpid()) + "-" + std::to_string(next++);
}

} // namespace

background_process::background_process(std::vector<std::string> argv)
    : argv_(std::move(argv)), start_(std::chrono::steady_clock::now()) {
  if (argv_.empty()) {
    throw std::invalid_argument("background_process: empty argv");
  }
  std::vector<char*> cargv;
  for (auto& a : argv_) {
    cargv.push_back(a.data());
  }
  cargv.push_back(nullptr);
  const int in = open_for_child("/dev/null", O_RDONLY);
  const int out = open_for_child(dir_.path() / "stdout", O_WRONLY | O_CREAT | O_TRUNC);
  const int err = open_for_child(dir_.path() / "stderr", O_WRONLY | O_CREAT | O_TRUNC);
  std::array<int, 2> status{};
  if (::pipe2(status.data(), O_CLOEXEC) != 0) {
    fail_errno("pipe2");
  }
  pid_ = ::fork();
  if (pid_ == 0) {
    // Only async-signal-safe calls until exec.
    ::setpgid(0, 0);
    ::signal(SIGPIPE, SIG_DFL);
    ::dup2(in, STDIN_FILENO);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    ::execvp(cargv[0], cargv.data());
    const int e = errno;
    [[maybe_unused]] const auto n = ::write(status[1], &e, sizeof e);
    ::_exit(127);
  }
  const int fork_errno = errno;
  for (const int fd : {in, out, err, status[1]}) {
    ::close(fd);
  }
  if (pid_ < 0) {
    ::close(status[0]);
    errno = fork_errno;
    fail_errno("fork");
  }
  ::setpgid(pid_, pid_);
  int exec_errno = 0;
  ssize_t got = 0;
  do {
    got = ::read(status[0], &exec_errno, sizeof exec_errno);
  } while (got < 0 && errno == EINTR);
  ::close(status[0]);
  if (got == static_cast<ssize_t>(sizeof exec_errno)) {
    ::waitpid(pid_, nullptr, 0);
    throw std::system_error(exec_errno, std::generic_category(), "cannot run " + describe(argv_));
  }
}

background_process::~background_process() {
  if (!ended_) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

void background_process::signal(int sig) const {
  if (!ended_) {
    ::kill(pid_, sig);
  }
}

std::optional<process_result> background_process::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!ended_) {
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      process_result r;
      r.wall = std::chrono::steady_clock::now() - start_;
      if (WIFEXITED(status)) {
        r.exit_code = WEXITSTATUS(status);
      } else if (WIFSIGNALED(status)) {
        r.signal = WTERMSIG(status);
      }
      r.out = out();
      r.err = err();
      ended_ = std::move(r);
      break;
    }
    if (done < 0 && errno != EINTR) {
      fail_errno("waitpid");
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(10ms);
  }
  return ended_;
}

std::string background_process::out() const {
  return read_all(dir_.path() / "stdout");
}

std::string background_process::err() const {
  return read_all(dir_.path() / "stderr");
}

std::vector<std::string> background_process::wait_for_err(const std::regex& pattern,
                                                          std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const bool gone = !running();
    const auto text = err();
    std::smatch m;
    if (std::regex_search(text, m, pattern)) {
      return {m.begin(), m.end()};
    }
    if (gone || std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("stderr never matched the expected pattern: " + report());
    }
    std::this_thread::sleep_for(20ms);
  }
}

std::string background_process::report() {
  std::string state = "running";
  if (const auto r = wait_exit(0ms)) {
    state = r->signal != 0 ? "killed by signal " + std::to_string(r->signal)
                           : "exited " + std::to_string(r->exit_code);
  }
  return describe(argv_) + " (pid " + std::to_string(pid_) + ", " + state + ")\n--- stderr:\n" +
         tail(err());
}

std::vector<std::string> cohort_argv(std::vector<std::string> args) {
  args.insert(args.begin(), COHORT_BINARY);
  return args;
}

std::uint16_t listening_port(background_process& p, std::chrono::milliseconds timeout) {
  static const std::regex listening(R"(listening on [^\s:]+:(\d+)\n)");
  return static_cast<std::uint16_t>(std::stoul(p.wait_for_err(listening, timeout).at(1)));
}

std::uint16_t free_port() {
  socket_fd s;
  auto a = loopback(0);
  if (::bind(s.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    fail_errno("bind 127.0.0.1:0");
  }
  socklen_t len = sizeof a;
  if (::getsockname(s.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    fail_errno("getsockname");
  }
  return ntohs(a.sin_port);
}

pid_t pid_of_worker_id(const std::string& id) {
  static const std::regex form(R"(^[^/]+/(\d+)/\d+$)");
  std::smatch m;
  if (!std::regex_match(id, m, form)) {
    return 0;
  }
  return static_cast<pid_t>(std::stol(m[1]));
}

std::uint64_t progress_done(const std::string& err) {
  static const std::regex line(R"(progress job=\d+ done=(\d+) )");
  std::uint64_t most = 0;
  for (auto i = std::sregex_iterator(err.begin(), err.end(), line); i != std::sregex_iterator();
       ++i) {
    most = std::max<std::uint64_t>(most, std::stoull((*i)[1]));
  }
  return most;
}

std::size_t send_random_bytes(std::uint16_t port, std::size_t connections, std::size_t bytes,
                              std::uint64_t seed) {
  std::vector<socket_fd> sockets;
  for (std::size_t i = 0; i < connections; ++i) {
    sockets.push_back(connect_loopback(port));
  }
  std::size_t dropped = 0;
  for (std::size_t i = 0; i < connections; ++i) {
    std::mt19937_64 rng(seed + i);
    std::string data(bytes, '\0');
    for (auto& c : data) {
      c = static_cast<char>(rng());
    }
    if (!send_all(sockets[i].get(), data)) {
      ++dropped;
    }
  }
  return dropped;
}

bool peer_drops(std::uint16_t port, const std::string& text, std::chrono::milliseconds timeout) {
  auto s = connect_loopback(port);
  if (!send_all(s.get(), text)) {
    return true;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return false;
    }
    pollfd p{s.get(), POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) {
      fail_errno("poll");
    }
    if (ready <= 0) {
      continue;
    }
    std::array<char, 4096> buf{};
    const ssize_t n = ::recv(s.get(), buf.data(), buf.size(), 0);
    if (n == 0 || (n < 0 && errno == ECONNRESET)) {
      return true;
    }
  }
}

bool netns_lab::permitted(std::string& why) {
  const auto name = lab_prefix() + "-probe";
  try {
    const auto r = run_process({"ip", "netns", "add", name}, 10s);
    if (r.exit_code != 0) {
      why = "ip netns add " + name + ": " + r.err;
      return false;
    }
  } catch (const std::exception& e) {
    why = e.what();
    return false;
  }
  ip({"netns", "delete", name});
  return true;
}

netns_lab::netns_lab(std::size_t workers) {
  const auto prefix = lab_prefix();
  names_.push_back(prefix + "-m");
  for (std::size_t i = 0; i < workers; ++i) {
    names_.push_back(prefix + "-w" + std::to_string(i + 1));
  }
  try {
    for (const auto& ns : names_) {
      ip({"netns", "add", ns});
      ip({"-n", ns, "link", "set", "lo", "up"});
    }
    for (std::size_t i = 0; i < workers; ++i) {
      const auto net = "10.231." + std::to_string(i + 1) + ".";
      const auto link = "veth" + std::to_string(i + 1);
      ip({"-n", master_ns(), "link", "add", link, "type", "veth", "peer", "name", "eth0", "netns",
          worker_ns(i)});
      ip({"-n", master_ns(), "addr", "add", net + "1/24", "dev", link});
      ip({"-n", master_ns(), "link", "set", link, "up"});
      ip({"-n", worker_ns(i), "addr", "add", net + "2/24", "dev", "eth0"});
      ip({"-n", worker_ns(i), "link", "set", "eth0", "up"});
    }
  } catch (...) {
    for (const auto& ns : names_) {
      run_process({"ip", "netns", "delete", ns}, 10s);
    }
    throw;
  }
}

netns_lab::~netns_lab() {
  // Deleting a namespace removes its end of each veth pair, and with it the pair.
  for (const auto& ns : names_) {
    try {
      run_process({"ip", "netns", "delete", ns}, 10s);
    } catch (const std::exception&) {
      // A destructor must not throw; a namespace left behind shows in `ip netns list`.
    }
  }
}

std::string netns_lab::master_address(std::size_t i) {
  return "10.231." + std::to_string(i + 1) + ".1";
}

void netns_lab::cut(std::size_t i) const {
  ip({"-n", master_ns(), "link", "set", "veth" + std::to_string(i + 1), "down"});
}

std::vector<std::string> netns_lab::in(const std::string& ns, std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"ip", "netns", "exec", ns});
  return argv;
}

} // namespace cohort::test
