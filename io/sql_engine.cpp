// libpq's asynchronous interface driven by Boost.Asio on one thread. Every object below is touched
// only on that thread, except op::cancel(), which posts to it. A call owns its connection while it
// runs; a connection that finished its query cleanly goes back to its pool or to a waiting call.
// Queries run in single-row mode, so a result's size is checked as its rows arrive.
#include "io/sql_engine.hpp"

#include "io/call_engine.hpp"
#include "io/sql_target.hpp"

#include <libpq-fe.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <deque>
#include <map>
#include <optional>

namespace cohort {

namespace {

namespace asio = boost::asio;

// libpq's messages end with a newline and may continue with hints on further lines.
std::string first_line(const char* text) {
  std::string s = text != nullptr ? text : "";
  s = s.substr(0, s.find('\n'));
  return s.empty() ? "lost the connection to the server" : s;
}

std::string result_error(const PGresult* r) {
  const char* severity = PQresultErrorField(r, PG_DIAG_SEVERITY);
  const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
  if (severity == nullptr || primary == nullptr) {
    return first_line(PQresultErrorMessage(r));
  }
  return std::string(severity) + ": " + primary;
}

struct engine_state;
struct connection;

struct op final : sql_call, io_detail::call_base<op, engine_state, sql_result> {
  op(std::shared_ptr<engine_state> e, std::string k, std::string q, std::vector<sql_value> p,
     std::chrono::nanoseconds t, std::function<void(sql_result)> d)
      : call_base(std::move(e), t, std::move(d)), key(std::move(k)), query(std::move(q)),
        params(std::move(p)) {}

  static sql_result failed(std::string why) {
    sql_result r;
    r.error = std::move(why);
    return r;
  }

  void cancel() override { cancel_call(); }
  /// Closes the connection this call runs on, or takes it out of its pool's line.
  void drop();

  std::string key;
  std::string query;
  std::vector<sql_value> params;
  std::shared_ptr<connection> conn;
  /// The rows so far, and the first error the server sent.
  sql_result result;
  std::size_t bytes = 0;
};

struct pool {
  std::vector<std::shared_ptr<connection>> idle;
  std::size_t open = 0;
  std::deque<std::shared_ptr<op>> waiting;
};

struct engine_state : io_detail::engine_state_base<op> {
  explicit engine_state(std::size_t l) : limit(l) {}

  std::size_t limit;
  std::map<std::string, pool> pools;

  /// Gives `o` a connection: an idle one, a new one while the pool has room, else a place in line.
  void dispatch(const std::shared_ptr<op>& o);
  /// A connection of `key` closed: one more may open for a waiting call.
  void closed(const std::string& key);
  /// `c` finished a query cleanly: it serves the next waiting call, or waits in the pool.
  void reuse(const std::shared_ptr<connection>& c);
};

struct connection : std::enable_shared_from_this<connection> {
  connection(engine_state& e, std::string k) : engine(e), key(std::move(k)), socket(e.io) {}
  // Every connection is closed before its last holder lets go; this only frees what is left.
  ~connection() {
    forget_socket();
    if (pg != nullptr) {
      PQfinish(pg);
    }
  }

  /// Runs the query of `o`, opening the connection first if it is new.
  void run(std::shared_ptr<op> o) {
    next_phase();
    current = std::move(o);
    current->conn = shared_from_this();
    if (pg == nullptr) {
      open();
    } else {
      send();
    }
  }

  void open() {
    sql_target target;
    try {
      target = parse_sql_target(key);
    } catch (const std::invalid_argument& e) {
      fail(e.what());
      return;
    }
    if (target.name_to_resolve.empty()) {
      start(target.options);
      return;
    }
    // Asio looks the name up on a thread of its own: libpq would block this one.
    resolver.emplace(engine.io);
    resolver->async_resolve(
        target.name_to_resolve, "",
        [self = shared_from_this(), target](const boost::system::error_code& ec,
                                            const asio::ip::tcp::resolver::results_type& found) {
          if (self->closed) {
            return;
          }
          if (ec || found.empty()) {
            self->fail("could not look up host '" + target.name_to_resolve + "': " + ec.message());
            return;
          }
          // Every address found, in order, each with the name (for TLS and ~/.pgpass): libpq
          // tries them one after the other, as it would have after its own lookup.
          std::string hosts;
          std::string addresses;
          for (const auto& entry : found) {
            hosts += (hosts.empty() ? "" : ",") + target.name_to_resolve;
            addresses += (addresses.empty() ? "" : ",") + entry.endpoint().address().to_string();
          }
          auto options = target.options;
          for (auto& [key, value] : options) {
            if (key == "host") {
              value = hosts;
            }
          }
          options.emplace_back("hostaddr", addresses);
          self->start(options);
        });
  }

  void start(const std::vector<std::pair<std::string, std::string>>& options) {
    std::vector<const char*> keys;
    std::vector<const char*> values;
    for (const auto& [k, v] : options) {
      keys.push_back(k.c_str());
      values.push_back(v.c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    pg = PQconnectStartParams(keys.data(), values.data(), 0);
    if (pg == nullptr || PQstatus(pg) == CONNECTION_BAD) {
      fail(pg == nullptr ? "out of memory" : first_line(PQerrorMessage(pg)));
      return;
    }
    poll(PGRES_POLLING_WRITING);
  }

  // During the handshake libpq may close its socket and open another (SSL then plain, say), so the
  // descriptor is taken afresh at every step.
  void poll(PostgresPollingStatusType status) {
    if (status == PGRES_POLLING_OK) {
      PQsetnonblocking(pg, 1);
      send();
      return;
    }
    if (status == PGRES_POLLING_FAILED) {
      fail(first_line(PQerrorMessage(pg)));
      return;
    }
    forget_socket();
    watch(status == PGRES_POLLING_READING ? asio::posix::descriptor_base::wait_read
                                          : asio::posix::descriptor_base::wait_write,
          [](connection& c) { c.poll(PQconnectPoll(c.pg)); });
  }

  template <class Then> void watch(asio::posix::descriptor_base::wait_type type, Then then) {
    if (!socket.is_open()) {
      const int fd = PQsocket(pg);
      if (fd < 0) {
        fail(first_line(PQerrorMessage(pg)));
        return;
      }
      boost::system::error_code ec;
      socket.assign(fd, ec);
      if (ec) {
        fail("cannot watch the connection's socket: " + ec.message());
        return;
      }
    }
    socket.async_wait(type, [self = shared_from_this(), then,
                             phase = phase](const boost::system::error_code& ec) {
      if (!ec && !self->closed && self->phase == phase) {
        then(*self);
      }
    });
  }

  // Waits armed for one query (or the idle time before it) never act in the next: a write wait
  // left over from a flush, or the idle wait, may be ready when the phase has moved on.
  void next_phase() {
    ++phase;
    reading = false;
  }

  // An idle connection expects nothing: input now is the server closing it (a restart,
  // idle_session_timeout, pg_terminate_backend) or a message for no query. Either way it is closed
  // at once, so no query is sent on a dead connection, and the pool opens another when needed.
  void watch_idle() {
    watch(asio::posix::descriptor_base::wait_read, [](connection& c) { c.close(); });
  }

  void forget_socket() {
    if (socket.is_open()) {
      socket.release();
    }
  }

  void send() {
    std::vector<const char*> values;
    for (const auto& p : current->params) {
      values.push_back(p ? p->c_str() : nullptr);
    }
    if (PQsendQueryParams(pg, current->query.c_str(), static_cast<int>(values.size()), nullptr,
                          values.data(), nullptr, nullptr, 0) == 0) {
      fail(first_line(PQerrorMessage(pg)));
      return;
    }
    PQsetSingleRowMode(pg);
    flush();
  }

  void flush() {
    const int r = PQflush(pg);
    if (r < 0) {
      fail(first_line(PQerrorMessage(pg)));
      return;
    }
    if (r == 1) {
      watch(asio::posix::descriptor_base::wait_write, [](connection& c) { c.flush(); });
    }
    read();
  }

  void read() {
    if (reading || closed) {
      return;
    }
    reading = true;
    watch(asio::posix::descriptor_base::wait_read, [](connection& c) {
      c.reading = false;
      if (PQconsumeInput(c.pg) == 0) {
        c.fail(first_line(PQerrorMessage(c.pg)));
        return;
      }
      c.drain();
    });
  }

  void drain() {
    while (PQisBusy(pg) == 0) {
      PGresult* r = PQgetResult(pg);
      if (r == nullptr) {
        complete();
        return;
      }
      const bool go_on = take(r);
      PQclear(r);
      if (!go_on) {
        return;
      }
    }
    read();
  }

  // One result of the query; false when the call ended with it.
  bool take(const PGresult* r) {
    auto& o = *current;
    switch (PQresultStatus(r)) {
    case PGRES_SINGLE_TUPLE:
    case PGRES_TUPLES_OK: {
      const int fields = PQnfields(r);
      if (o.result.columns.empty()) {
        for (int i = 0; i < fields; ++i) {
          o.result.columns.emplace_back(PQfname(r, i));
        }
      }
      for (int row = 0; row < PQntuples(r); ++row) {
        std::vector<sql_value> values;
        values.reserve(static_cast<std::size_t>(fields));
        for (int i = 0; i < fields; ++i) {
          if (PQgetisnull(r, row, i) != 0) {
            values.emplace_back(std::nullopt);
          } else {
            values.emplace_back(std::string(PQgetvalue(r, row, i),
                                            static_cast<std::size_t>(PQgetlength(r, row, i))));
            o.bytes += values.back()->size();
          }
          o.bytes += sizeof(sql_value);
        }
        o.result.rows.push_back(std::move(values));
      }
      if (o.bytes > sql_engine::max_result_bytes) {
        fail("the result is larger than 256 MiB");
        return false;
      }
      return true;
    }
    case PGRES_COMMAND_OK:
    case PGRES_EMPTY_QUERY:
      return true;
    case PGRES_COPY_IN:
    case PGRES_COPY_OUT:
    case PGRES_COPY_BOTH:
      fail("COPY is not supported by ctx.sql");
      return false;
    default:
      if (o.result.error.empty()) {
        o.result.error = result_error(r);
      }
      return true;
    }
  }

  // The query's last result came: the connection serves again if it is in a clean state (a
  // transaction left open by the query, or a broken link, closes it).
  void complete() {
    next_phase();
    auto o = std::move(current);
    o->conn.reset();
    const bool clean = PQstatus(pg) == CONNECTION_OK && PQtransactionStatus(pg) == PQTRANS_IDLE;
    o->finish(o->result.ok() ? std::move(o->result) : op::failed(std::move(o->result.error)));
    if (!clean) {
      close();
    } else if (!engine.stopped) {
      engine.reuse(shared_from_this());
    }
  }

  void fail(std::string why) {
    close();
    if (auto o = std::move(current)) {
      o->conn.reset();
      o->finish(op::failed(std::move(why)));
    }
  }

  void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (resolver) {
      resolver->cancel();
    }
    forget_socket();
    if (pg != nullptr) {
      PQfinish(pg);
      pg = nullptr;
    }
    engine.closed(key);
  }

  engine_state& engine;
  std::string key;
  PGconn* pg = nullptr;
  asio::posix::stream_descriptor socket;
  std::optional<asio::ip::tcp::resolver> resolver;
  std::shared_ptr<op> current;
  bool reading = false;
  bool closed = false;
  std::uint64_t phase = 0;
};

void op::drop() {
  if (auto c = std::exchange(conn, nullptr)) {
    c->current.reset();
    c->close();
  } else {
    std::erase(engine->pools[key].waiting, shared_from_this());
  }
}

void engine_state::dispatch(const std::shared_ptr<op>& o) {
  auto& p = pools[o->key];
  while (!p.idle.empty()) {
    auto c = std::move(p.idle.back());
    p.idle.pop_back();
    if (!c->closed) {
      c->run(o);
      return;
    }
  }
  if (p.open < limit) {
    ++p.open;
    std::make_shared<connection>(*this, o->key)->run(o);
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
    // Not from inside the closing connection's own call chain: posted.
    asio::post(io, [this, next] {
      if (next->finished) {
        // Cancelled meanwhile: its place goes to the next in line.
        closed(next->key);
        return;
      }
      std::make_shared<connection>(*this, next->key)->run(next);
    });
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
  c->watch_idle();
}

io_detail::process_engine<sql_engine> the_engine;
std::atomic<std::size_t> configured_limit{sql_engine::default_limit};

} // namespace

struct sql_engine::impl {
  explicit impl(std::size_t limit) : thread(std::make_shared<engine_state>(limit)) {}
  io_detail::engine_thread<engine_state> thread;
};

sql_engine::sql_engine(std::size_t limit) : impl_(std::make_unique<impl>(limit)) {}

sql_engine::~sql_engine() {
  impl_->thread.end([](engine_state& s) {
    for (auto& [key, p] : s.pools) {
      p.waiting.clear();
    }
    s.end_calls();
    for (auto& [key, p] : s.pools) {
      for (auto& c : std::exchange(p.idle, {})) {
        c->close();
      }
    }
  });
}

sql_engine& sql_engine::instance() {
  return the_engine.get(
      [] { return std::unique_ptr<sql_engine>(new sql_engine(configured_limit)); });
}

void sql_engine::stop() {
  the_engine.reset();
}

void sql_engine::set_limit(std::size_t limit) {
  configured_limit = std::max<std::size_t>(1, limit);
}

std::shared_ptr<sql_call> sql_engine::start(std::string connection, std::string query,
                                            std::vector<sql_value> params,
                                            std::chrono::nanoseconds timeout,
                                            std::function<void(sql_result)> done) {
  const auto& s = impl_->thread.state();
  auto o = std::make_shared<op>(s, std::move(connection), std::move(query), std::move(params),
                                timeout, std::move(done));
  asio::post(s->io, [o] {
    if (o->begin()) {
      o->engine->dispatch(o);
    }
  });
  return o;
}

} // namespace cohort
