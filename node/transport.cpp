// Transport: the same middleman requests for plain and TLS ports. Calls go to the middleman actor
// with a timeout of ours, because openssl's blocking helpers can wait for ever (docs/caf-notes.md).
#include "node/transport.hpp"

#include "actors/error_words.hpp"
#include "cohort/startup_error.hpp"
#include "node/socket_probe.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace cohort {

namespace {

constexpr auto open_timeout = std::chrono::seconds(10);
// One connection attempt (a TLS handshake included) waits at most this long.
constexpr auto dial_timeout = std::chrono::seconds(10);

std::string cannot_listen(const endpoint& at, const caf::error& err) {
  auto why = err == caf::sec::cannot_open_port ? why_cannot_listen(at) : std::string();
  return "cannot listen on " + to_string(at) + ": " + (why.empty() ? plain_words(err) : why);
}

} // namespace

void load_transport(caf::actor_system_config& cfg, const std::optional<tls_files>& tls) {
  cfg.load<caf::io::middleman>();
  if (tls) {
    cfg.load<caf::openssl::manager>();
    cfg.set("openssl.certificate", tls->cert);
    cfg.set("openssl.key", tls->key);
    cfg.set("openssl.cafile", tls->ca);
  }
}

caf::io::middleman_actor transport(caf::actor_system& sys, bool tls) {
  return tls ? sys.openssl_manager().actor_handle() : sys.middleman().actor_handle();
}

std::uint16_t publish_on(caf::actor_system& sys, bool tls, const caf::actor& whom,
                         const endpoint& at) {
  caf::scoped_actor self{sys};
  std::uint16_t port = 0;
  std::set<std::string> ifs;
  self->request(transport(sys, tls), open_timeout, caf::publish_atom::value, at.port,
                caf::actor_cast<caf::strong_actor_ptr>(whom), ifs, at.host, true)
      .receive([&](std::uint16_t p) { port = p; },
               [&](caf::error& err) { throw startup_error(cannot_listen(at, err)); });
  return port;
}

std::uint16_t open_on(caf::actor_system& sys, bool tls, const endpoint& at) {
  caf::scoped_actor self{sys};
  std::uint16_t port = 0;
  self->request(transport(sys, tls), open_timeout, caf::open_atom::value, at.port, at.host, true)
      .receive([&](std::uint16_t p) { port = p; },
               [&](caf::error& err) { throw startup_error(cannot_listen(at, err)); });
  return port;
}

caf::expected<dialed> dial(caf::actor_system& sys, bool tls, const endpoint& at,
                           std::chrono::nanoseconds timeout) {
  caf::scoped_actor self{sys};
  caf::expected<dialed> out{caf::sec::request_timeout};
  self->request(transport(sys, tls), caf::timespan{timeout.count()}, caf::connect_atom::value,
                at.host, at.port)
      .receive(
          [&](caf::node_id& nid, caf::strong_actor_ptr& ptr, std::set<std::string>&) {
            out = dialed{std::move(nid), caf::actor_cast<caf::actor>(std::move(ptr))};
          },
          [&](caf::error& err) {
            if (tls && err == caf::sec::disconnect_during_handshake) {
              out = caf::make_error(caf::sec::disconnect_during_handshake,
                                    "the TLS handshake failed: the peer's certificate is not "
                                    "from our --tls-ca, ours is not from its CA, or it does "
                                    "not speak TLS");
            } else if (tls &&
                       (err == caf::sec::connection_timeout || err == caf::sec::request_timeout)) {
              out = caf::make_error(caf::sec::connection_timeout,
                                    "no TLS handshake completed in time: the peer's certificate "
                                    "may be from another CA than our --tls-ca, or it does not "
                                    "speak TLS");
            } else if (err == caf::sec::disconnect_during_handshake) {
              out = caf::make_error(caf::sec::disconnect_during_handshake,
                                    "the peer closed the connection during the handshake: it "
                                    "may require TLS (--tls-cert, --tls-key, --tls-ca)");
            } else if (err == caf::sec::connection_timeout || err == caf::sec::request_timeout) {
              // A TLS port that reads a plain handshake may close at once or, busy, not at all.
              out = caf::make_error(caf::sec::connection_timeout,
                                    "no handshake completed in time: the peer may require TLS "
                                    "(--tls-cert, --tls-key, --tls-ca), or be too busy to answer");
            } else {
              out = std::move(err);
            }
          });
  return out;
}

std::variant<caf::actor, std::string>
dial_until(caf::actor_system& sys, bool tls, const endpoint& at,
           std::chrono::steady_clock::time_point deadline, const std::function<bool()>& give_up,
           const std::function<void(const std::string&)>& on_failure) {
  using steady = std::chrono::steady_clock;
  auto backoff = std::chrono::milliseconds(100);
  std::string last_error = "gave up";
  while (!give_up()) {
    auto now = steady::now();
    auto m =
        dial(sys, tls, at,
             std::clamp<steady::duration>(deadline - now, std::chrono::seconds(1), dial_timeout));
    if (m && m->actor) {
      return m->actor;
    }
    last_error = m ? "nothing is published there" : dial_failure(at, m.error());
    if (on_failure) {
      on_failure(last_error);
    }
    now = steady::now();
    if (now >= deadline) {
      break;
    }
    std::this_thread::sleep_for(std::min<steady::duration>(backoff, deadline - now));
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
  return last_error;
}

std::string dial_failure(const endpoint& at, const caf::error& err) {
  if (err != caf::sec::cannot_connect_to_node) {
    return plain_words(err);
  }
  auto why = why_cannot_connect(at);
  return why.empty() ? "connected, but no cohort node answered there" : why;
}

} // namespace cohort
