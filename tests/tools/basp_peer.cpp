// basp_peer: a hostile peer speaking CAF 0.17's wire protocol (BASP) itself, over TCP or TLS, so it
// can say what no CAF node would: claim any sender, route messages through the master to other
// nodes' actors, send exit, down and error messages, forge the BASP operation that kills a proxy.
//   basp_peer [--tls CERT KEY CA] HOST PORT COMMAND [ARGS]
// Commands (each prints one line per message sent, then "done" once the master has read all of it
// and closed the connection):
//   control           the master's and a worker's control messages, without joining: tick,
//                     speculate, cancel, bye, stop, drain, part and run in their local shapes,
//                     envelopes sealed under a guessed key, a join's second step with a guessed
//                     session, and the same messages claiming the master itself as their sender
//   kill              an exit message (reason kill), a down message and an error, to the master
//   ticks N           N tick messages to the master
//   forge-run PID FILE ACTORS  a sealed run of exec job FILE to each of actors 1..ACTORS of the
//                     worker process PID (on this host), routed through the master, once claiming
//                     the master as sender and once anonymous
//   forge-down PID ACTORS  BASP down operations claiming actors 1..ACTORS of process PID died
//   half-open N SECONDS  N connections that never say a word, held SECONDS, then closed
#include "actors/messages.hpp"
#include "core/session.hpp"
#include "core/wire.hpp"

#include <caf/all.hpp>
#include <caf/io/basp/header.hpp>
#include <caf/io/basp/message_type.hpp>
#include <caf/io/basp/version.hpp>

#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace cohort;
namespace basp = caf::io::basp;

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "basp_peer: %s\n", why.c_str());
  std::exit(1);
}

int dial(const std::string& host, const std::string& port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) {
    die("cannot resolve " + host);
  }
  int fd = socket(found->ai_family, found->ai_socktype, found->ai_protocol);
  bool ok = fd >= 0 && connect(fd, found->ai_addr, found->ai_addrlen) == 0;
  freeaddrinfo(found);
  if (!ok) {
    if (fd >= 0) {
      close(fd);
    }
    return -1;
  }
  return fd;
}

struct tls_files {
  std::string cert;
  std::string key;
  std::string ca;
};

// One connection, plain or TLS.
class wire {
public:
  wire(const std::string& host, const std::string& port, const std::optional<tls_files>& tls) {
    fd_ = dial(host, port);
    if (fd_ < 0) {
      die("cannot connect to " + host + ":" + port);
    }
    if (!tls) {
      return;
    }
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (SSL_CTX_use_certificate_chain_file(ctx_, tls->cert.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx_, tls->key.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_load_verify_locations(ctx_, tls->ca.c_str(), nullptr) != 1) {
      die("cannot load the TLS files");
    }
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    if (SSL_connect(ssl_) != 1) {
      die("TLS handshake failed");
    }
  }
  ~wire() {
    if (ssl_ != nullptr) {
      SSL_free(ssl_);
      SSL_CTX_free(ctx_);
    }
    close(fd_);
  }
  wire(const wire&) = delete;
  wire& operator=(const wire&) = delete;

  void write(const std::vector<char>& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      auto n = ssl_ != nullptr
                   ? SSL_write(ssl_, bytes.data() + done, static_cast<int>(bytes.size() - done))
                   : ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (n <= 0) {
        die("the peer closed the connection");
      }
      done += static_cast<std::size_t>(n);
    }
  }
  /// Ends this side of the connection and waits until the master closes its side, which CAF
  /// does only once it has read everything sent before. Closing at once could lose the end of it:
  /// a socket closed with the master's heartbeats still unread sends a reset, and the master
  /// drops what it had not read yet.
  void finish(std::chrono::seconds limit) {
    if (ssl_ != nullptr) {
      SSL_shutdown(ssl_);
    }
    ::shutdown(fd_, SHUT_WR);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    std::vector<char> buf(4096);
    for (;;) {
      if (ssl_ == nullptr || SSL_pending(ssl_) == 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd p{fd_, POLLIN, 0};
        int ready = left.count() > 0 ? ::poll(&p, 1, static_cast<int>(left.count())) : 0;
        if (ready < 0 && errno == EINTR) {
          continue;
        }
        if (ready == 0) {
          die("the master did not close the connection within " + std::to_string(limit.count()) +
              " s");
        }
      }
      auto n = ssl_ != nullptr ? SSL_read(ssl_, buf.data(), static_cast<int>(buf.size()))
                               : ::read(fd_, buf.data(), buf.size());
      if (n <= 0 && !(n < 0 && ssl_ == nullptr && errno == EINTR)) {
        return;
      }
    }
  }
  std::vector<char> read(std::size_t size) {
    std::vector<char> out(size);
    std::size_t done = 0;
    while (done < size) {
      auto n = ssl_ != nullptr ? SSL_read(ssl_, out.data() + done, static_cast<int>(size - done))
                               : ::read(fd_, out.data() + done, size - done);
      if (n <= 0) {
        die("the peer closed the connection");
      }
      done += static_cast<std::size_t>(n);
    }
    return out;
  }

private:
  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
};

class peer {
public:
  peer(caf::actor_system& sys, wire& w) : sys_(sys), wire_(w) {
    // The server speaks first: its node and the actor it publishes.
    auto hdr = read_header();
    if (hdr.operation != basp::message_type::server_handshake) {
      die("no server handshake");
    }
    auto payload = wire_.read(hdr.payload_len);
    caf::binary_deserializer source{sys_, payload};
    std::vector<std::string> app_ids;
    std::set<std::string> sigs;
    if (source(master_, app_ids, published_, sigs)) {
      die("cannot read the server handshake");
    }
    me_ = caf::make_node_id(static_cast<std::uint32_t>(getpid()), host_id());
    std::vector<char> buf;
    caf::binary_serializer sink{sys_, buf};
    if (sink(me_)) {
      die("cannot write the client handshake");
    }
    send(basp::header{basp::message_type::client_handshake, 0,
                      static_cast<std::uint32_t>(buf.size()), 0, 0, 0},
         buf);
    std::printf("connected: master actor %llu\n", static_cast<unsigned long long>(published_));
  }

  caf::actor_id master_actor() const { return published_; }
  const caf::node_id& master_node() const { return master_; }

  /// The host part of this machine's node ids (the master's, on a test's loopback).
  caf::node_id::default_data::host_id_type host_id() const {
    return dynamic_cast<const caf::node_id::default_data&>(*master_).host_id();
  }

  /// A message to `dest` on the master's node, claiming `source` as its sender (0: anonymous).
  void direct(caf::actor_id dest, caf::actor_id source, const caf::message& msg) {
    std::vector<char> buf;
    caf::binary_serializer sink{sys_, buf};
    std::vector<caf::strong_actor_ptr> stages;
    if (sink(stages, msg)) {
      die("cannot encode a message");
    }
    send(basp::header{basp::message_type::direct_message, 0, static_cast<std::uint32_t>(buf.size()),
                      caf::make_message_id().integer_value(), source, dest},
         buf);
  }

  /// A message routed through the master to `dest` on `node`, claiming `source` on `from`.
  void routed(const caf::node_id& from, caf::actor_id source, const caf::node_id& node,
              caf::actor_id dest, const caf::message& msg) {
    std::vector<char> buf;
    caf::binary_serializer sink{sys_, buf};
    std::vector<caf::strong_actor_ptr> stages;
    auto src = from;
    auto dst = node;
    if (sink(src, dst, stages, msg)) {
      die("cannot encode a routed message");
    }
    send(basp::header{basp::message_type::routed_message, 0, static_cast<std::uint32_t>(buf.size()),
                      caf::make_message_id().integer_value(), source, dest},
         buf);
  }

  /// BASP's own report that actor `aid` of `node` terminated.
  void down(const caf::node_id& node, caf::actor_id aid) {
    std::vector<char> buf;
    caf::binary_serializer sink{sys_, buf};
    auto src = node;
    auto dst = master_;
    caf::error reason = caf::exit_reason::kill;
    if (sink(src, dst, reason)) {
      die("cannot encode a down operation");
    }
    send(basp::header{basp::message_type::down_message, 0, static_cast<std::uint32_t>(buf.size()),
                      0, aid, 0},
         buf);
  }

  void heartbeat() { send(basp::header{basp::message_type::heartbeat, 0, 0, 0, 0, 0}, {}); }

private:
  basp::header read_header() {
    auto bytes = wire_.read(basp::header_size);
    caf::binary_deserializer source{sys_, bytes};
    basp::header hdr;
    if (source(hdr)) {
      die("cannot read a header");
    }
    return hdr;
  }
  void send(basp::header hdr, const std::vector<char>& payload) {
    std::vector<char> buf;
    caf::binary_serializer sink{sys_, buf};
    if (sink(hdr)) {
      die("cannot write a header");
    }
    buf.insert(buf.end(), payload.begin(), payload.end());
    wire_.write(buf);
  }

  caf::actor_system& sys_;
  wire& wire_;
  caf::node_id master_;
  caf::node_id me_;
  caf::actor_id published_ = 0;
};

envelope guessed(const wire_message& m) {
  session s(handshake_detail::session_id(), random_key(), direction::to_master,
            direction::to_worker);
  return s.seal(encode(m));
}

void control(peer& p) {
  auto to_master = [&](const char* what, const caf::message& msg) {
    p.direct(p.master_actor(), 0, msg);
    // The same, claiming the master itself as the sender (a routed message may claim any actor).
    p.routed(p.master_node(), p.master_actor(), p.master_node(), p.master_actor(), msg);
    std::printf("sent %s\n", what);
  };
  to_master("tick", caf::make_message(tick_atom::value));
  to_master("speculate", caf::make_message(speculate_atom::value));
  to_master("cancel", caf::make_message(cancel_atom::value));
  to_master("bye", caf::make_message(bye_atom::value));
  to_master("stop", caf::make_message(stop_atom::value));
  to_master("drain", caf::make_message(drain_atom::value));
  to_master("part", caf::make_message(part_atom::value, std::uint64_t{1}, true));
  to_master("run", caf::make_message(run_atom::value, std::uint64_t{1}));
  to_master(
      "sealed answers",
      caf::make_message(sealed_atom::value,
                        guessed(answers_message{
                            1, true, {{0, 1, task_outcome::ok, partial{1'000'000, {}}, {}}}})));
  to_master("sealed leave", caf::make_message(sealed_atom::value, guessed(leave_message{})));
  to_master("join proof", caf::make_message(join_atom::value, handshake_detail::session_id(),
                                            std::string(32, 'p')));
}

void kill(peer& p) {
  p.direct(p.master_actor(), 0, caf::make_message(caf::exit_msg{{}, caf::exit_reason::kill}));
  std::printf("sent exit\n");
  p.direct(p.master_actor(), 0, caf::make_message(caf::down_msg{{}, caf::exit_reason::kill}));
  std::printf("sent down\n");
  p.direct(p.master_actor(), 0,
           caf::make_message(caf::make_error(caf::sec::runtime_error, "go away")));
  std::printf("sent error\n");
}

void forge_run(peer& p, std::uint32_t pid, const std::string& file, caf::actor_id actors) {
  auto node = caf::make_node_id(pid, p.host_id());
  auto kinds = builtin_registry();
  auto plan = kinds->find("exec")->split(params(params::map_type{{"file", file}}));
  auto task = plan->make_task(0);
  task.attempt = 1;
  run_message run{1, job_desc{1, "exec", {{"file", file}}, {}}, {task}};
  for (caf::actor_id aid = 1; aid <= actors; ++aid) {
    auto msg = caf::make_message(sealed_atom::value, guessed(run));
    p.routed(p.master_node(), p.master_actor(), node, aid, msg);
    p.routed(p.master_node(), 0, node, aid, msg);
    p.routed(p.master_node(), p.master_actor(), node, aid,
             caf::make_message(caf::exit_msg{{}, caf::exit_reason::kill}));
  }
  std::printf("sent runs to %llu actors\n", static_cast<unsigned long long>(actors));
}

void forge_down(peer& p, std::uint32_t pid, caf::actor_id actors) {
  auto node = caf::make_node_id(pid, p.host_id());
  for (caf::actor_id aid = 1; aid <= actors; ++aid) {
    p.down(node, aid);
  }
  std::printf("sent down operations for %llu actors\n", static_cast<unsigned long long>(actors));
}

void half_open(const std::string& host, const std::string& port, int n, int seconds) {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) {
    int fd = dial(host, port);
    if (fd < 0) {
      break;
    }
    fds.push_back(fd);
  }
  std::printf("opened %zu connections\n", fds.size());
  std::fflush(stdout);
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  std::size_t closed_by_peer = 0;
  for (int fd : fds) {
    char c = 0;
    if (recv(fd, &c, 1, MSG_DONTWAIT) == 0) {
      ++closed_by_peer;
    }
    close(fd);
  }
  std::printf("closed by the peer: %zu\n", closed_by_peer);
}

} // namespace

int main(int argc, char** argv) {
  // A connection the master closed is an error to report, not a signal that ends this process
  // before it says what happened.
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  std::optional<tls_files> tls;
  if (args.size() >= 4 && args[0] == "--tls") {
    tls = tls_files{args[1], args[2], args[3]};
    args.erase(args.begin(), args.begin() + 4);
  }
  if (args.size() < 3) {
    std::fprintf(stderr, "usage: basp_peer [--tls CERT KEY CA] HOST PORT COMMAND [ARGS]\n");
    return 2;
  }
  const auto& host = args[0];
  const auto& port = args[1];
  const auto& command = args[2];
  if (command == "half-open" && args.size() == 5) {
    half_open(host, port, std::stoi(args[3]), std::stoi(args[4]));
    std::printf("done\n");
    return 0;
  }
  caf::actor_system_config cfg;
  add_message_types(cfg);
  caf::actor_system sys{cfg};
  wire w(host, port, tls);
  peer p(sys, w);
  if (command == "control") {
    control(p);
  } else if (command == "kill") {
    kill(p);
  } else if (command == "ticks" && args.size() == 4) {
    auto n = std::stoi(args[3]);
    for (int i = 0; i < n; ++i) {
      p.direct(p.master_actor(), 0, caf::make_message(tick_atom::value));
      if (i % 1000 == 0) {
        p.heartbeat();
      }
    }
    std::printf("sent %d ticks\n", n);
  } else if (command == "forge-run" && args.size() == 6) {
    forge_run(p, static_cast<std::uint32_t>(std::stoul(args[3])), args[4],
              static_cast<caf::actor_id>(std::stoul(args[5])));
  } else if (command == "forge-down" && args.size() == 5) {
    forge_down(p, static_cast<std::uint32_t>(std::stoul(args[3])),
               static_cast<caf::actor_id>(std::stoul(args[4])));
  } else {
    std::fprintf(stderr, "basp_peer: unknown command or arguments\n");
    return 2;
  }
  w.finish(std::chrono::seconds(60));
  std::printf("done\n");
  return 0;
}
