// The handshake's proofs and key are HMAC-SHA256 under the token over a label, both nonces and the
// session number, so a proof made for one session, role or pair of nonces proves nothing in
// another.
#include "core/session.hpp"

#include <algorithm>

namespace cohort {

namespace {

constexpr std::size_t nonce_size = 16;

std::string bytes_of(const key128& k) {
  return std::string(reinterpret_cast<const char*>(k.data()), k.size());
}

key128 key_of(std::string_view s) {
  key128 k{};
  std::copy_n(s.begin(), std::min(s.size(), k.size()), k.begin());
  return k;
}

std::string material(std::string_view label, const key128& opener, const key128& answerer,
                     std::uint64_t session) {
  std::string m(label);
  m += bytes_of(opener);
  m += bytes_of(answerer);
  for (int i = 0; i < 8; ++i) {
    m.push_back(static_cast<char>(session >> (8 * i)));
  }
  return m;
}

std::string proof(std::string_view token, std::string_view role, const key128& opener,
                  const key128& answerer, std::uint64_t session) {
  auto d = hmac_sha256(token, material(role, opener, answerer, session));
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

key128 derived_key(std::string_view token, const key128& opener, const key128& answerer,
                   std::uint64_t session) {
  auto d = hmac_sha256(token, material("cohort session key", opener, answerer, session));
  return key_of(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

constexpr std::string_view answerer_role = "cohort answerer proof";
constexpr std::string_view opener_role = "cohort opener proof";

} // namespace

envelope session::seal(std::string body) {
  envelope e;
  e.session = id_;
  e.seq = ++sent_;
  auto tag = mac_.seal(out_, e.seq, body);
  e.tag.assign(reinterpret_cast<const char*>(tag.data()), tag.size());
  e.body = std::move(body);
  return e;
}

bool session::open(const envelope& e) {
  if (e.session != id_ || e.tag.size() != sizeof(tag128)) {
    return false;
  }
  tag128 tag{};
  std::copy(e.tag.begin(), e.tag.end(), tag.begin());
  // The tag is checked before the sequence number is taken, so a forged envelope cannot burn the
  // number a genuine one will carry.
  return mac_.verify(in_, e.seq, e.body, tag) && received_.accept(e.seq);
}

namespace handshake_detail {

std::uint64_t session_id() {
  auto k = random_key();
  std::uint64_t id = 0;
  for (int i = 0; i < 8; ++i) {
    id = (id << 8) | k[static_cast<std::size_t>(i)];
  }
  return id;
}

std::pair<handshake_answer, nonces> answer(const std::optional<std::string>& token,
                                           std::string_view opener_nonce, std::uint64_t session) {
  if (opener_nonce.size() != nonce_size) {
    throw handshake_refused("a handshake nonce must be 16 bytes");
  }
  handshake_answer a;
  a.session = session;
  nonces n{key_of(opener_nonce), random_key(), random_key()};
  a.nonce = bytes_of(n.answerer);
  if (token) {
    n.key = derived_key(*token, n.opener, n.answerer, session);
    a.proof = proof(*token, answerer_role, n.opener, n.answerer, session);
  } else {
    a.key = bytes_of(n.key);
  }
  return {a, n};
}

key128 finish(const std::optional<std::string>& token, const nonces& n, std::uint64_t session,
              std::string_view given) {
  if (!token) {
    return n.key;
  }
  if (given.empty()) {
    throw handshake_refused("no token: this node requires one (--token-file or COHORT_TOKEN)");
  }
  if (!equal_in_constant_time(given, proof(*token, opener_role, n.opener, n.answerer, session))) {
    throw handshake_refused("wrong token");
  }
  return n.key;
}

} // namespace handshake_detail

handshake_opener::handshake_opener(std::optional<std::string> token)
    : token_(std::move(token)), nonce_(random_key()) {}

std::string handshake_opener::nonce() const {
  return bytes_of(nonce_);
}

handshake_opener::completion handshake_opener::complete(const handshake_answer& a) const {
  if (a.nonce.size() != nonce_size) {
    throw handshake_refused("the peer's handshake nonce is not 16 bytes");
  }
  auto theirs = key_of(a.nonce);
  if (!token_) {
    // A peer that requires a token refuses the empty proof itself, and says so.
    return {{}, key_of(a.key), std::nullopt};
  }
  completion c{proof(*token_, opener_role, nonce_, theirs, a.session),
               derived_key(*token_, nonce_, theirs, a.session), std::nullopt};
  if (a.proof.empty()) {
    c.distrust = "it has no token and this node has one, so it cannot prove it holds the same "
                 "(give it --token-file or COHORT_TOKEN)";
  } else if (!equal_in_constant_time(a.proof,
                                     proof(*token_, answerer_role, nonce_, theirs, a.session))) {
    c.distrust = "wrong token";
  }
  return c;
}

} // namespace cohort
