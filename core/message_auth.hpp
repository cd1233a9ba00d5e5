// Proof that a message comes from the session it names: a key per session, derived at the join
// from the shared token and a fresh nonce from each side; a sequence number per direction against
// replay; and a GMAC tag over the message's bytes, checked before anything else.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace cohort {

using key128 = std::array<std::uint8_t, 16>;
using tag128 = std::array<std::uint8_t, 16>;
using digest256 = std::array<std::uint8_t, 32>;

/// 16 bytes from the system's random source (OpenSSL's CSPRNG); throws std::runtime_error if it
/// has none.
key128 random_key();

/// HMAC-SHA256 of `data` under `secret`: the join's proofs and the session key are made with it.
digest256 hmac_sha256(std::string_view secret, std::string_view data);

/// Compares in time independent of where the two differ.
bool equal_in_constant_time(std::string_view a, std::string_view b);

/// Which way a message goes. Each direction counts its own sequence numbers, so a (key, nonce)
/// pair is never used twice.
enum class direction : std::uint8_t { to_worker = 1, to_master = 2, to_client = 3, to_server = 4 };

/// AES-128-GMAC under one session key, with the direction and the sequence number as its nonce.
/// Used by one actor at a time (it keeps OpenSSL state).
class message_mac {
public:
  explicit message_mac(const key128& key);
  ~message_mac();
  message_mac(const message_mac&) = delete;
  message_mac& operator=(const message_mac&) = delete;

  tag128 seal(direction d, std::uint64_t seq, std::string_view bytes);
  bool verify(direction d, std::uint64_t seq, std::string_view bytes, const tag128& tag);

private:
  struct state;
  std::unique_ptr<state> state_;
};

/// A receiver's defence against replay: each sequence number is taken once, in rising order.
class replay_guard {
public:
  bool accept(std::uint64_t seq) {
    if (seq <= last_) {
      return false;
    }
    last_ = seq;
    return true;
  }

private:
  std::uint64_t last_ = 0;
};

} // namespace cohort
