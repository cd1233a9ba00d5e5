// MACs on OpenSSL 3's EVP_MAC: GMAC (AES-128-GCM) per message, where AES-NI and PCLMUL make a tag
// over a 30 KB batch cost about 5 us (HMAC-SHA256: about 40 us); HMAC-SHA256 for the join.
#include "core/message_auth.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace cohort {

key128 random_key() {
  key128 k{};
  if (RAND_bytes(k.data(), static_cast<int>(k.size())) != 1) {
    throw std::runtime_error("no random bytes from OpenSSL's generator");
  }
  return k;
}

digest256 hmac_sha256(std::string_view secret, std::string_view data) {
  digest256 out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  return out;
}

bool equal_in_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

struct message_mac::state {
  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* ctx = nullptr;
  key128 key{};
};

message_mac::message_mac(const key128& key) : state_(std::make_unique<state>()) {
  state_->key = key;
  state_->mac = EVP_MAC_fetch(nullptr, "GMAC", nullptr);
  state_->ctx = state_->mac ? EVP_MAC_CTX_new(state_->mac) : nullptr;
  char cipher[] = "AES-128-GCM";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
                         OSSL_PARAM_construct_end()};
  if (state_->ctx == nullptr || EVP_MAC_CTX_set_params(state_->ctx, params) != 1) {
    EVP_MAC_CTX_free(state_->ctx);
    EVP_MAC_free(state_->mac);
    throw std::runtime_error("OpenSSL has no AES-128-GMAC");
  }
}

message_mac::~message_mac() {
  EVP_MAC_CTX_free(state_->ctx);
  EVP_MAC_free(state_->mac);
}

tag128 message_mac::seal(direction d, std::uint64_t seq, std::string_view bytes) {
  // The 96-bit GCM nonce: the direction, then the sequence number, never repeated under one key.
  std::array<unsigned char, 12> iv{};
  iv[0] = static_cast<unsigned char>(d);
  for (int i = 0; i < 8; ++i) {
    iv[4 + i] = static_cast<unsigned char>(seq >> (8 * i));
  }
  OSSL_PARAM params[] = {OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_IV, iv.data(), iv.size()),
                         OSSL_PARAM_construct_end()};
  tag128 tag{};
  std::size_t len = 0;
  if (EVP_MAC_init(state_->ctx, state_->key.data(), state_->key.size(), params) != 1 ||
      EVP_MAC_update(state_->ctx, reinterpret_cast<const unsigned char*>(bytes.data()),
                     bytes.size()) != 1 ||
      EVP_MAC_final(state_->ctx, tag.data(), &len, tag.size()) != 1 || len != tag.size()) {
    throw std::runtime_error("GMAC failed");
  }
  return tag;
}

bool message_mac::verify(direction d, std::uint64_t seq, std::string_view bytes,
                         const tag128& tag) {
  auto expected = seal(d, seq, bytes);
  return CRYPTO_memcmp(expected.data(), tag.data(), tag.size()) == 0;
}

} // namespace cohort
