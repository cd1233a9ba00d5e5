// A session between two cohort actors in different processes: opened by a handshake in which each
// side proves the shared token over two fresh nonces (so neither the token nor a replayed join
// opens anything), then every message goes in an envelope sealed under the session's key.
#pragma once

#include "core/message_auth.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace cohort {

/// A sealed message: the session it belongs to, its sequence number, its tag, and its body (a
/// wire-encoded message, core/wire.hpp).
struct envelope {
  std::uint64_t session = 0;
  std::uint64_t seq = 0;
  std::string tag;
  std::string body;
};

/// The answering side's reply to an opener's nonce: its session number, its own nonce, and its
/// proof of the token over both (empty without a token, when `key` carries the session's key).
struct handshake_answer {
  std::uint64_t session = 0;
  std::string nonce;
  std::string proof;
  std::string key;
};

/// One end of an open session: seals what it sends, opens what it receives, each direction
/// numbered on its own and taken once.
class session {
public:
  session(std::uint64_t id, const key128& key, direction out, direction in)
      : id_(id), mac_(key), out_(out), in_(in) {}

  std::uint64_t id() const { return id_; }
  envelope seal(std::string body);
  /// Whether `e` is this session's, fresh and intact; only then may its body be read.
  bool open(const envelope& e);

private:
  std::uint64_t id_;
  message_mac mac_;
  direction out_;
  direction in_;
  std::uint64_t sent_ = 0;
  replay_guard received_;
};

namespace handshake_detail {

/// Answers not finished are forgotten beyond this many.
inline constexpr std::size_t max_pending = 1024;

/// Both nonces of a pending handshake and the key it opens.
struct nonces {
  key128 opener;
  key128 answerer;
  key128 key;
};

/// A random session number: the peer that keys its sessions by number (a master with workers
/// attached by many nodes) never meets the same one twice.
std::uint64_t session_id();

/// A fresh answer to `opener_nonce` under session number `session`, and what finish() needs.
std::pair<handshake_answer, nonces> answer(const std::optional<std::string>& token,
                                           std::string_view opener_nonce, std::uint64_t session);
/// Checks the opener's proof; throws handshake_refused.
key128 finish(const std::optional<std::string>& token, const nonces& n, std::uint64_t session,
              std::string_view proof);

} // namespace handshake_detail

/// A handshake that fails; the message says why, in words both logs and the refused peer can show
/// (it never names the token).
struct handshake_refused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The side that answers handshakes (a master for joins, a spawned worker for its attach): a
/// pending session per answer, holding what the caller keeps with it, until the opener proves the
/// token.
template <class Payload> class handshake_answerer {
public:
  /// `token` none: no proof is asked, and each answer carries a random key of its own.
  explicit handshake_answerer(std::optional<std::string> token) : token_(std::move(token)) {}

  /// Answers an opener's nonce (16 bytes) and keeps `payload` with the pending session; the
  /// oldest pending sessions are forgotten beyond a bound, so half-done handshakes cost little.
  handshake_answer answer(std::string_view nonce, Payload payload) {
    auto [answer, keys] = handshake_detail::answer(token_, nonce, handshake_detail::session_id());
    while (order_.size() >= handshake_detail::max_pending) {
      pending_.erase(order_.front());
      order_.pop_front();
    }
    pending_.emplace(answer.session, pending{keys, std::move(payload)});
    order_.push_back(answer.session);
    return answer;
  }
  /// Checks the opener's proof for `session` and returns the session's key and the payload; the
  /// pending session is spent either way. Throws handshake_refused.
  std::pair<key128, Payload> finish(std::uint64_t session, std::string_view proof) {
    auto i = pending_.find(session);
    if (i == pending_.end()) {
      throw handshake_refused("no handshake is pending under that number");
    }
    auto p = std::move(i->second);
    pending_.erase(i);
    std::erase(order_, session);
    return {handshake_detail::finish(token_, p.keys, session, proof), std::move(p.payload)};
  }
  std::size_t pending_count() const { return pending_.size(); }

private:
  struct pending {
    handshake_detail::nonces keys;
    Payload payload;
  };
  std::optional<std::string> token_;
  std::unordered_map<std::uint64_t, pending> pending_;
  /// Pending sessions, oldest first.
  std::deque<std::uint64_t> order_;
};

/// The side that opens a handshake (a worker joining, a master attaching a spawned worker).
class handshake_opener {
public:
  explicit handshake_opener(std::optional<std::string> token);

  /// The nonce to send (16 bytes).
  std::string nonce() const;
  /// What to send back (the opener's proof), the session's key, and why the answerer is not to be
  /// trusted when it did not prove the token (the proof still goes back, so the answerer logs the
  /// refusal too). Throws handshake_refused on a malformed answer.
  struct completion {
    std::string proof;
    key128 key;
    std::optional<std::string> distrust;
  };
  completion complete(const handshake_answer& a) const;

private:
  std::optional<std::string> token_;
  key128 nonce_;
};

} // namespace cohort
