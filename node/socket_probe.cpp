// One connect or bind to the same address as the middleman's, closed at once.
#include "node/socket_probe.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace cohort {

namespace {

std::string lower_error(int code) {
  std::string s = std::strerror(code);
  if (!s.empty()) {
    s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  }
  return s;
}

struct address_list {
  addrinfo* head = nullptr;
  int status = 0;
  address_list(const endpoint& at, bool passive) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = passive ? AI_PASSIVE : 0;
    const auto port = std::to_string(at.port);
    status = getaddrinfo(at.host.empty() ? nullptr : at.host.c_str(), port.c_str(), &hints, &head);
  }
  ~address_list() {
    if (head != nullptr) {
      freeaddrinfo(head);
    }
  }
  address_list(const address_list&) = delete;
  address_list& operator=(const address_list&) = delete;
};

/// errno of a connect to `a` within two seconds; 0 when it connected.
int connect_error(const addrinfo& a) {
  int fd = socket(a.ai_family, a.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a.ai_protocol);
  if (fd < 0) {
    return errno;
  }
  int code = 0;
  if (connect(fd, a.ai_addr, a.ai_addrlen) != 0) {
    code = errno;
    if (code == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      if (poll(&p, 1, 2000) <= 0) {
        code = ETIMEDOUT;
      } else {
        socklen_t len = sizeof code;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &len);
      }
    }
  }
  close(fd);
  return code;
}

/// errno of a bind to `a` as the middleman binds (SO_REUSEADDR); 0 when it could bind.
int bind_error(const addrinfo& a) {
  int fd = socket(a.ai_family, a.ai_socktype | SOCK_CLOEXEC, a.ai_protocol);
  if (fd < 0) {
    return errno;
  }
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  int code = bind(fd, a.ai_addr, a.ai_addrlen) == 0 ? 0 : errno;
  close(fd);
  return code;
}

} // namespace

std::string why_cannot_connect(const endpoint& at) {
  address_list list(at, false);
  if (list.status != 0) {
    return std::string("cannot resolve '") + at.host + "': " + gai_strerror(list.status);
  }
  int code = ENOENT;
  for (auto* a = list.head; a != nullptr; a = a->ai_next) {
    code = connect_error(*a);
    if (code == 0) {
      return {};
    }
  }
  return lower_error(code);
}

std::string why_cannot_listen(const endpoint& at) {
  address_list list(at, true);
  if (list.status != 0) {
    return std::string("cannot resolve '") + at.host + "': " + gai_strerror(list.status);
  }
  for (auto* a = list.head; a != nullptr; a = a->ai_next) {
    if (int code = bind_error(*a); code != 0) {
      return lower_error(code);
    }
  }
  return {};
}

} // namespace cohort
