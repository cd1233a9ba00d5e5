// Boost.Beast over Boost.Asio on one thread. Every object below is touched only on that thread,
// except op::cancel(), which posts to it. A call owns its connection while it runs; a connection
// that answered with keep-alive goes back to its origin's pool or straight to a waiting call.
#include "io/http_engine.hpp"

#include "cohort/version.hpp"
#include "core/url.hpp"
#include "io/call_engine.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <cctype>
#include <deque>
#include <map>
#include <optional>
#include <vector>

namespace cohort {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

constexpr auto name_lifetime = std::chrono::seconds(60);
constexpr std::size_t opening_limit = 256;

std::string words(const boost::system::error_code& ec) {
  auto text = ec.message();
  if (!text.empty()) {
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  }
  return text;
}

struct engine_state;
struct connection;

struct op final : http_call, io_detail::call_base<op, engine_state, http_result> {
  op(std::shared_ptr<engine_state> e, url w, std::chrono::nanoseconds t,
     std::function<void(http_result)> d)
      : call_base(std::move(e), t, std::move(d)), where(std::move(w)),
        key((where.tls ? "https://" : "http://") + where.origin()) {}

  static http_result failed(std::string why) { return {std::nullopt, std::move(why), 0}; }

  void cancel() override { cancel_call(); }
  /// Closes the connection this call runs on, or takes it out of its origin's line.
  void drop();

  url where;
  std::string key;
  bhttp::request<bhttp::string_body> request;
  bool may_retry = false;
  std::shared_ptr<connection> conn;
  bool retried = false;
};

struct pool {
  std::vector<std::shared_ptr<connection>> idle;
  std::size_t open = 0;
  std::deque<std::shared_ptr<op>> waiting;
  /// Connections being opened, and those waiting to start opening.
  std::size_t opening = 0;
  std::deque<std::shared_ptr<connection>> to_open;
};

struct engine_state : io_detail::engine_state_base<op> {
  ssl::context tls{ssl::context::tls_client};
  std::map<std::string, pool> pools;
  /// Names looked up, by origin key, until they are looked up again.
  struct looked_up {
    std::vector<tcp::endpoint> endpoints;
    clock_type::time_point until;
  };
  std::map<std::string, looked_up> names;

  engine_state() {
    tls.set_default_verify_paths();
    tls.set_verify_mode(ssl::verify_peer);
  }

  /// Gives `o` a connection: an idle one, a new one while the origin has room, else a place in
  /// line.
  void dispatch(const std::shared_ptr<op>& o, bool fresh_only);
  /// A connection of `key` closed: one more may open for a waiting call.
  void closed(const std::string& key);
  /// Opens `c` now, or once fewer than `opening_limit` of its origin are being opened: thousands
  /// of connection attempts at once would overflow the server's listen queue, and each attempt
  /// dropped there costs a second (TCP's first retransmission).
  void begin_connect(const std::shared_ptr<connection>& c);
  /// A connection of `key` is open, or gave up: the next waiting one starts opening.
  void end_connect(const std::string& key);
  /// `c` answered with keep-alive: it serves the next waiting call, or waits in the pool.
  void reuse(const std::shared_ptr<connection>& c);
};

struct connection : std::enable_shared_from_this<connection> {
  connection(engine_state& e, const url& where, std::string key)
      : engine(e), where(where), key(std::move(key)), resolver(e.io) {
    if (where.tls) {
      secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(e.io, e.tls);
    } else {
      plain = std::make_unique<beast::tcp_stream>(e.io);
    }
  }

  template <class F> void with_stream(F&& f) {
    if (secure) {
      f(*secure);
    } else {
      f(*plain);
    }
  }

  beast::tcp_stream& tcp_layer() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

  /// Runs `o` on this connection: connects first when it is new.
  void run(std::shared_ptr<op> o) {
    current = std::move(o);
    current->conn = shared_from_this();
    if (connected) {
      send(true);
      return;
    }
    engine.begin_connect(shared_from_this());
  }

  /// Looks the host up (unless it is an address or known) and connects; engine_state paces these
  /// per origin.
  void open() {
    opening = true;
    // An address needs no lookup; a name is looked up once a minute per origin, not per
    // connection (asio resolves on one thread of its own, one name at a time).
    boost::system::error_code not_an_address;
    auto address = asio::ip::make_address(where.host, not_an_address);
    if (!not_an_address) {
      connect(std::vector<tcp::endpoint>{{address, where.port}});
      return;
    }
    if (auto known = engine.names.find(key);
        known != engine.names.end() && clock_type::now() < known->second.until) {
      connect(known->second.endpoints);
      return;
    }
    auto self = shared_from_this();
    resolver.async_resolve(
        where.host, std::to_string(where.port),
        [self](const boost::system::error_code& ec, const tcp::resolver::results_type& found) {
          if (self->gone()) {
            return;
          }
          if (ec) {
            return self->fail("cannot resolve " + self->where.host + ": " + words(ec));
          }
          std::vector<tcp::endpoint> endpoints;
          for (const auto& entry : found) {
            endpoints.push_back(entry.endpoint());
          }
          self->engine.names[self->key] = {endpoints, clock_type::now() + name_lifetime};
          self->connect(endpoints);
        });
  }

  void connect(const std::vector<tcp::endpoint>& found) {
    auto self = shared_from_this();
    tcp_layer().async_connect(
        found, [self](const boost::system::error_code& ec, const tcp::endpoint&) {
          if (self->gone()) {
            return;
          }
          if (ec) {
            return self->fail("cannot connect to " + self->where.origin() + ": " + words(ec));
          }
          if (!self->secure) {
            self->opened();
            return self->send(false);
          }
          self->handshake();
        });
  }

  void handshake() {
    auto* native = secure->native_handle();
    if (SSL_set_tlsext_host_name(native, where.host.c_str()) != 1) {
      return fail("cannot set the TLS server name " + where.host);
    }
    secure->set_verify_callback(ssl::host_name_verification(where.host));
    auto self = shared_from_this();
    secure->async_handshake(ssl::stream_base::client, [self](const boost::system::error_code& ec) {
      if (self->gone()) {
        return;
      }
      if (ec) {
        return self->fail("the TLS handshake with " + self->where.origin() +
                          " failed: " + words(ec));
      }
      self->opened();
      self->send(false);
    });
  }

  void opened() {
    connected = true;
    if (std::exchange(opening, false)) {
      engine.end_connect(key);
    }
  }

  void send(bool reused) {
    auto self = shared_from_this();
    with_stream([&](auto& stream) {
      // The write holds the call: a cancel or timeout may drop it after the request went out and
      // before this completion runs, and the serializer still walks the request's fields then.
      bhttp::async_write(
          stream, current->request,
          [self, reused, writing = current](const boost::system::error_code& ec, std::size_t) {
            if (self->gone()) {
              return;
            }
            if (ec) {
              return self->broken(reused,
                                  "sending to " + self->where.origin() + " failed: " + words(ec));
            }
            self->receive(reused);
          });
    });
  }

  void receive(bool reused) {
    parser.emplace();
    parser->body_limit(http_engine::max_body);
    if (current->request.method() == bhttp::verb::head) {
      parser->skip(true);
    }
    auto self = shared_from_this();
    with_stream([&](auto& stream) {
      bhttp::async_read(stream, buffer, *parser,
                        [self, reused](const boost::system::error_code& ec, std::size_t) {
                          if (self->gone()) {
                            return;
                          }
                          if (ec == bhttp::error::body_limit) {
                            return self->fail("the answer of " + self->where.origin() +
                                              " is larger than " +
                                              std::to_string(http_engine::max_body) + " bytes");
                          }
                          if (ec) {
                            return self->broken(reused, "reading from " + self->where.origin() +
                                                            " failed: " + words(ec));
                          }
                          self->answered();
                        });
    });
  }

  void answered() {
    auto message = parser->release();
    http_response r;
    r.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
      r.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    r.body = std::move(message.body());
    bool keep = message.keep_alive();
    auto o = std::exchange(current, nullptr);
    o->conn.reset();
    o->finish({std::move(r), {}, 0});
    if (keep) {
      engine.reuse(shared_from_this());
    } else {
      close();
    }
  }

  /// A reused connection the server had closed: an idempotent call runs once more on a new one.
  void broken(bool reused, const std::string& why) {
    if (reused && current->may_retry && !current->retried) {
      auto o = std::exchange(current, nullptr);
      o->conn.reset();
      o->retried = true;
      close();
      engine.dispatch(o, true);
      return;
    }
    fail(why);
  }

  void fail(const std::string& why) {
    auto o = std::exchange(current, nullptr);
    close();
    if (o) {
      o->conn.reset();
      o->finish(op::failed(why));
    }
  }

  /// Whether the call this connection ran ended meanwhile (timed out or cancelled): the
  /// connection was closed then, and its handlers only drop out.
  bool gone() const { return closed || !current; }

  void close() {
    if (closed) {
      return;
    }
    closed = true;
    boost::system::error_code ignored;
    resolver.cancel();
    tcp_layer().socket().close(ignored);
    if (std::exchange(opening, false)) {
      engine.end_connect(key);
    }
    engine.closed(key);
  }

  engine_state& engine;
  url where;
  std::string key;
  tcp::resolver resolver;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  std::optional<bhttp::response_parser<bhttp::string_body>> parser;
  std::shared_ptr<op> current;
  bool connected = false;
  /// Between open() and the end of its connect (and TLS handshake).
  bool opening = false;
  bool closed = false;
};

void op::drop() {
  if (auto c = conn) {
    c->current.reset();
    conn.reset();
    c->close();
  } else {
    std::erase(engine->pools[key].waiting, shared_from_this());
  }
}

void engine_state::dispatch(const std::shared_ptr<op>& o, bool fresh_only) {
  auto& p = pools[o->key];
  if (!fresh_only) {
    while (!p.idle.empty()) {
      auto c = std::move(p.idle.back());
      p.idle.pop_back();
      if (!c->closed) {
        c->run(o);
        return;
      }
    }
  }
  if (p.open < http_engine::per_origin_limit) {
    ++p.open;
    std::make_shared<connection>(*this, o->where, o->key)->run(o);
    return;
  }
  p.waiting.push_back(o);
}

void engine_state::closed(const std::string& key) {
  auto& p = pools[key];
  --p.open;
  std::erase_if(p.idle, [](const auto& c) { return c->closed; });
  if (!p.waiting.empty() && !stopped) {
    auto next = std::move(p.waiting.front());
    p.waiting.pop_front();
    ++p.open;
    std::make_shared<connection>(*this, next->where, next->key)->run(next);
  }
}

void engine_state::begin_connect(const std::shared_ptr<connection>& c) {
  auto& p = pools[c->key];
  if (p.opening < opening_limit) {
    ++p.opening;
    c->open();
    return;
  }
  p.to_open.push_back(c);
}

void engine_state::end_connect(const std::string& key) {
  auto& p = pools[key];
  --p.opening;
  while (!p.to_open.empty() && p.opening < opening_limit) {
    auto next = std::move(p.to_open.front());
    p.to_open.pop_front();
    if (!next->closed) {
      ++p.opening;
      next->open();
    }
  }
}

void engine_state::reuse(const std::shared_ptr<connection>& c) {
  auto& p = pools[c->key];
  if (!p.waiting.empty()) {
    auto next = std::move(p.waiting.front());
    p.waiting.pop_front();
    c->run(next);
    return;
  }
  p.idle.push_back(c);
  // An idle connection the server closes is noticed by the next call that takes it (a retry for
  // idempotent methods); a read here would tell sooner, at the price of a handler per idle socket.
}

io_detail::process_engine<http_engine> the_engine;

} // namespace

struct http_engine::impl {
  io_detail::engine_thread<engine_state> thread{std::make_shared<engine_state>()};
};

http_engine::http_engine() : impl_(std::make_unique<impl>()) {}

http_engine::~http_engine() {
  impl_->thread.end([](engine_state& s) {
    for (auto& [key, p] : s.pools) {
      p.waiting.clear();
    }
    s.end_calls();
    for (auto& [key, p] : s.pools) {
      p.to_open.clear();
      for (auto& c : std::exchange(p.idle, {})) {
        c->close();
      }
    }
  });
}

http_engine& http_engine::instance() {
  return the_engine.get([] { return std::unique_ptr<http_engine>(new http_engine()); });
}

void http_engine::stop() {
  the_engine.reset();
}

std::shared_ptr<http_call> http_engine::start(http_request request,
                                              std::chrono::nanoseconds timeout,
                                              std::function<void(http_result)> done) {
  const auto& s = impl_->thread.state();
  url where;
  try {
    check_http_request(request);
    where = parse_url(request.url);
  } catch (const std::invalid_argument& e) {
    auto refused = std::make_shared<op>(s, url{}, timeout, std::move(done));
    asio::post(s->io, [refused, why = std::string(e.what())] { refused->finish(op::failed(why)); });
    return refused;
  }
  auto o = std::make_shared<op>(s, where, timeout, std::move(done));
  auto& req = o->request;
  req.version(11);
  auto verb = bhttp::string_to_verb(request.method);
  if (verb == bhttp::verb::unknown) {
    req.method_string(request.method);
  } else {
    req.method(verb);
  }
  o->may_retry = idempotent_method(request.method);
  req.target(where.target);
  req.set(bhttp::field::host, where.host_header());
  req.set(bhttp::field::user_agent, "cohort/" + std::string(version));
  for (auto& h : request.headers) {
    req.set(h.name, h.value);
  }
  req.body() = std::move(request.body);
  if (!req.body().empty() || (verb != bhttp::verb::get && verb != bhttp::verb::head)) {
    req.prepare_payload();
  }
  asio::post(s->io, [o] {
    if (o->begin()) {
      o->engine->dispatch(o, false);
    }
  });
  return o;
}

} // namespace cohort
