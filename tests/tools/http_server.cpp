// An HTTP/1.1 server for the tests and benchmarks of ctx.http and the http kind, on Boost.Beast:
// one thread, keep-alive, fast enough that 10,000 connections at once measure the client.
//
//     http_server PORT_FILE [CERT KEY]
//
// Listens on 127.0.0.1 on a free port (HTTPS with the certificate CERT and its key KEY, PEM files,
// when they are given), writes the port to PORT_FILE, and answers:
//     /delay/MS        200 after MS milliseconds, body "ok"
//     /status/CODE     CODE at once, body "status"
//     /flaky/KEY/N     503 for the first N requests naming KEY, then 200, body "flaky"
//     /hang            never answers; reads on, so a client that gives up is seen closing
//     /stats           {"open", "opened", "closed", "requests"}: connections open now, ever
//                      opened, ever closed, requests ever read
// Anything else is 404. A query string is ignored. It runs until killed.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

struct counters {
  std::uint64_t open = 0;
  std::uint64_t opened = 0;
  std::uint64_t closed = 0;
  std::uint64_t requests = 0;
};

counters stats;
std::map<std::string, std::uint64_t> flaky_seen;

std::vector<std::string> path_parts(std::string_view target) {
  target = target.substr(0, target.find('?'));
  std::vector<std::string> parts;
  for (std::size_t at = 0; at < target.size();) {
    const auto slash = target.find('/', at);
    const auto end = slash == std::string_view::npos ? target.size() : slash;
    if (end > at) {
      parts.emplace_back(target.substr(at, end - at));
    }
    at = end + 1;
  }
  return parts;
}

std::string reason_of(unsigned code) {
  switch (code) {
  case 200:
    return "OK";
  case 404:
    return "Not Found";
  case 503:
    return "Service Unavailable";
  default:
    return "Status";
  }
}

/// One connection; Stream is a tcp::socket, or an ssl::stream of one after its handshake.
template <class Stream> class session : public std::enable_shared_from_this<session<Stream>> {
public:
  template <class... Args>
  explicit session(Args&&... args)
      : socket_(std::forward<Args>(args)...), timer_(socket_.get_executor()) {
    ++stats.open;
    ++stats.opened;
  }
  session(const session&) = delete;
  session& operator=(const session&) = delete;
  ~session() {
    --stats.open;
    ++stats.closed;
  }

  Stream& stream() { return socket_; }

  void read() {
    request_ = {};
    http::async_read(socket_, buffer_, request_,
                     [self = this->shared_from_this()](boost::beast::error_code ec, std::size_t) {
                       if (!ec) {
                         ++stats.requests;
                         self->route();
                       }
                     });
  }

private:
  void route() {
    try {
      route(path_parts({request_.target().data(), request_.target().size()}));
    } catch (const std::logic_error&) { // a number that is none, or out of range
      reply(404, "");
    }
  }

  void route(const std::vector<std::string>& parts) {
    if (parts.size() == 2 && parts[0] == "delay") {
      timer_.expires_after(std::chrono::milliseconds(std::stoul(parts[1])));
      timer_.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
        if (!ec) {
          self->reply(200, "ok");
        }
      });
    } else if (parts.size() == 2 && parts[0] == "status") {
      reply(static_cast<unsigned>(std::stoul(parts[1])), "status");
    } else if (parts.size() == 3 && parts[0] == "flaky") {
      const auto seen = flaky_seen[parts[1]]++;
      reply(seen < std::stoull(parts[2]) ? 503 : 200, "flaky");
    } else if (parts.size() == 1 && parts[0] == "hang") {
      drain();
    } else if (parts.size() == 1 && parts[0] == "stats") {
      reply(200, "{\"open\": " + std::to_string(stats.open) +
                     ", \"opened\": " + std::to_string(stats.opened) +
                     ", \"closed\": " + std::to_string(stats.closed) +
                     ", \"requests\": " + std::to_string(stats.requests) + "}");
    } else {
      reply(404, "");
    }
  }

  // Reads and drops whatever comes until the client closes.
  void drain() {
    socket_.async_read_some(asio::buffer(sink_), [self = this->shared_from_this()](
                                                     boost::system::error_code ec, std::size_t) {
      if (!ec) {
        self->drain();
      }
    });
  }

  void reply(unsigned code, const std::string& body) {
    out_ = "HTTP/1.1 " + std::to_string(code) + " " + reason_of(code) +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    if (request_.method() != http::verb::head) {
      out_ += body;
    }
    asio::async_write(socket_, asio::buffer(out_),
                      [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) {
                        if (!ec) {
                          self->read();
                        }
                      });
  }

  Stream socket_;
  asio::steady_timer timer_;
  boost::beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  std::string out_;
  char sink_[4096];
};

void accept(tcp::acceptor& acceptor, asio::ssl::context* tls) {
  acceptor.async_accept([&acceptor, tls](boost::system::error_code ec, tcp::socket socket) {
    if (!ec && tls == nullptr) {
      std::make_shared<session<tcp::socket>>(std::move(socket))->read();
    } else if (!ec) {
      using tls_stream = asio::ssl::stream<tcp::socket>;
      auto s = std::make_shared<session<tls_stream>>(std::move(socket), *tls);
      s->stream().async_handshake(asio::ssl::stream_base::server,
                                  [s](boost::system::error_code failed) {
                                    if (!failed) {
                                      s->read();
                                    }
                                  });
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1)); // out of descriptors: no spin
    }
    accept(acceptor, tls);
  });
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 4) {
    std::cerr << "usage: http_server PORT_FILE [CERT KEY]\n";
    return 2;
  }
  std::unique_ptr<asio::ssl::context> tls;
  if (argc == 4) {
    tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    tls->use_certificate_chain_file(argv[2]);
    tls->use_private_key_file(argv[3], asio::ssl::context::pem);
  }
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  asio::io_context io;
  tcp::acceptor acceptor(io);
  const tcp::endpoint at(asio::ip::make_address("127.0.0.1"), 0);
  acceptor.open(at.protocol());
  acceptor.bind(at);
  acceptor.listen(20000);
  {
    const auto tmp = std::string(argv[1]) + ".tmp";
    std::ofstream(tmp) << acceptor.local_endpoint().port() << "\n";
    std::rename(tmp.c_str(), argv[1]);
  }
  accept(acceptor, tls.get());
  io.run();
}
