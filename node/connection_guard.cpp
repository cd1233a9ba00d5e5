// The guard's scan: the port's accepted sockets from /proc/self/fd, their received bytes from
// TCP_INFO, and shutdown() for those that never began to speak.
#include "node/connection_guard.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <utility>
#include <vector>

namespace cohort {

namespace {

constexpr auto scan_interval = std::chrono::milliseconds(500);
// What a peer that speaks has sent by then: a whole BASP header (30 bytes) on a plain port; a TLS
// client's side of the handshake with its certificate (well over 1 KiB) on a TLS port.
constexpr std::uint64_t plain_mark = 30;
constexpr std::uint64_t tls_mark = 1024;

std::uint16_t port_of(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
  }
  if (a.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port);
  }
  return 0;
}

struct accepted {
  int fd;
  ino_t inode;
  std::uint64_t received;
};

// The sockets of this process accepted on `port` (connected, not the listener).
std::vector<accepted> sockets_on(std::uint16_t port) {
  std::vector<accepted> out;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) {
    return out;
  }
  while (auto* e = readdir(dir)) {
    char* end = nullptr;
    long fd = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || fd < 0 || fd == dirfd(dir)) {
      continue;
    }
    struct stat st {};
    if (fstat(static_cast<int>(fd), &st) != 0 || !S_ISSOCK(st.st_mode)) {
      continue;
    }
    sockaddr_storage local{};
    sockaddr_storage peer{};
    socklen_t len = sizeof local;
    socklen_t peer_len = sizeof peer;
    if (getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&local), &len) != 0 ||
        port_of(local) != port ||
        getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) {
      continue;
    }
    tcp_info info{};
    socklen_t info_len = sizeof info;
    if (getsockopt(static_cast<int>(fd), IPPROTO_TCP, TCP_INFO, &info, &info_len) != 0) {
      continue;
    }
    out.push_back({static_cast<int>(fd), st.st_ino, info.tcpi_bytes_received});
  }
  closedir(dir);
  return out;
}

} // namespace

connection_guard::connection_guard(settings s) : settings_(s), thread_([this] { run(); }) {}

connection_guard::~connection_guard() {
  stop_ = true;
  thread_.join();
}

void connection_guard::run() {
  using clock = std::chrono::steady_clock;
  auto mark = settings_.tls ? tls_mark : plain_mark;
  // When each silent socket was first seen, by its inode (an fd number is reused).
  std::map<ino_t, clock::time_point> first_seen;
  clock::time_point last_line{};
  while (!stop_) {
    std::this_thread::sleep_for(scan_interval);
    auto now = clock::now();
    std::vector<std::pair<clock::time_point, int>> silent;
    std::map<ino_t, clock::time_point> still;
    for (const auto& s : sockets_on(settings_.port)) {
      if (s.received >= mark) {
        continue;
      }
      auto seen = first_seen.count(s.inode) != 0 ? first_seen[s.inode] : now;
      still[s.inode] = seen;
      silent.emplace_back(seen, s.fd);
    }
    first_seen = std::move(still);
    std::sort(silent.begin(), silent.end());
    std::size_t shut = 0;
    for (std::size_t i = 0; i < silent.size(); ++i) {
      bool over_cap = silent.size() - i > settings_.cap;
      if (over_cap || now - silent[i].first >= settings_.bound) {
        shutdown(silent[i].second, SHUT_RDWR);
        ++shut;
      }
    }
    refused_ += shut;
    if (shut > 0 && now - last_line >= std::chrono::seconds(1)) {
      last_line = now;
      spdlog::warn("shut down {} connections to port {} that never began to speak ({} in all)",
                   shut, settings_.port, refused_.load());
    }
  }
}

std::uint64_t raise_file_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    return 0;
  }
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  return lim.rlim_cur;
}

} // namespace cohort
