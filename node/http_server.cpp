// cpp-httplib (Debian's libcpp-httplib, built with OpenSSL): a pool of two threads, keep-alive
// bounded in requests and seconds, request bodies refused past a few kilobytes, a port of its own.
#include "node/http_server.hpp"

#include "cohort/startup_error.hpp"
#include "core/status_page.hpp"

#include <httplib.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>

namespace cohort {

namespace {

constexpr std::size_t pool_threads = 2;
constexpr std::size_t keep_alive_requests = 100;
constexpr time_t keep_alive_seconds = 5;
constexpr time_t read_seconds = 5;
constexpr std::size_t max_body = 4096;

// Compares without stopping at the first difference, so the time taken says nothing of the token.
bool same_secret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

} // namespace

struct http_server::impl {
  http_settings settings;
  std::unique_ptr<httplib::Server> server;
  std::thread thread;
  std::uint16_t port = 0;
  std::mutex mutex;
  std::shared_ptr<const status_view> view = std::make_shared<status_view>();

  std::shared_ptr<const status_view> current() {
    std::lock_guard lock(mutex);
    return view;
  }

  bool allowed(const httplib::Request& req, bool page) const {
    if (!settings.token) {
      return true;
    }
    const auto header = req.get_header_value("Authorization");
    const std::string bearer = "Bearer ";
    if (header.rfind(bearer, 0) == 0 &&
        same_secret(header.substr(bearer.size()), *settings.token)) {
      return true;
    }
    return page && req.has_param("token") &&
           same_secret(req.get_param_value("token"), *settings.token);
  }

  void routes() {
    auto& s = *server;
    auto guarded = [this](bool page, auto render, const char* type) {
      return [this, page, render, type](const httplib::Request& req, httplib::Response& res) {
        res.set_header("Cache-Control", "no-store");
        if (!allowed(req, page)) {
          res.status = 401;
          res.set_header("WWW-Authenticate", "Bearer");
          res.set_content("a token is needed: Authorization: Bearer TOKEN\n", "text/plain");
          return;
        }
        res.set_content(render(*current()), type);
      };
    };
    s.Get("/", guarded(
                   true, [](const status_view& v) { return status_page(v); },
                   "text/html; charset=utf-8"));
    s.Get("/api/status",
          guarded(
              false, [](const status_view& v) { return status_json(v); }, "application/json"));
    s.Get("/metrics", guarded(
                          false, [](const status_view& v) { return metrics_text(v); },
                          "text/plain; version=0.0.4; charset=utf-8"));
    s.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("ok\n", "text/plain");
    });
  }
};

http_server::http_server(http_settings s) : impl_(std::make_unique<impl>()) {
  auto& m = *impl_;
  m.settings = std::move(s);
  const auto where = to_string(m.settings.at);
  if (m.settings.tls) {
    m.server = std::make_unique<httplib::SSLServer>(m.settings.tls->cert.c_str(),
                                                    m.settings.tls->key.c_str());
  } else {
    m.server = std::make_unique<httplib::Server>();
  }
  if (!m.server->is_valid()) {
    throw std::runtime_error("cannot serve HTTPS on " + where + ": the certificate or key of " +
                             "--tls-cert/--tls-key cannot be used");
  }
  m.server->new_task_queue = [] {
    return new httplib::ThreadPool(pool_threads);
  };
  // cpp-httplib sets SO_REUSEPORT by default: a second master could then bind the same port and
  // take half its requests. SO_REUSEADDR alone only lets a restarted master bind past TIME_WAIT.
  m.server->set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  m.server->set_keep_alive_max_count(keep_alive_requests);
  m.server->set_keep_alive_timeout(keep_alive_seconds);
  m.server->set_read_timeout(read_seconds);
  m.server->set_payload_max_length(max_body);
  m.routes();
  errno = 0;
  int port =
      m.settings.at.port == 0
          ? m.server->bind_to_any_port(m.settings.at.host)
          : (m.server->bind_to_port(m.settings.at.host, m.settings.at.port) ? m.settings.at.port
                                                                            : -1);
  if (port <= 0) {
    const int e = errno;
    std::string why = e != 0 ? std::strerror(e) : "cannot bind";
    why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
    throw startup_error("cannot serve HTTP on " + where + ": " + why);
  }
  m.port = static_cast<std::uint16_t>(port);
  m.thread = std::thread([&m] { m.server->listen_after_bind(); });
}

http_server::~http_server() {
  impl_->server->stop();
  impl_->thread.join();
}

std::uint16_t http_server::port() const {
  return impl_->port;
}

void http_server::publish(std::shared_ptr<const status_view> v) {
  std::lock_guard lock(impl_->mutex);
  impl_->view = std::move(v);
}

} // namespace cohort
