// Message authentication: a tag verifies only under its key, direction, sequence number and bytes;
// a replayed or reordered sequence number is refused.
#include "core/message_auth.hpp"

#include <catch2/catch.hpp>

using namespace cohort;

TEST_CASE("message auth: a GMAC tag verifies only for its key, direction, number and bytes",
          "[auth]") {
  auto key = random_key();
  message_mac mac(key);
  auto tag = mac.seal(direction::to_worker, 7, "a batch");
  CHECK(mac.verify(direction::to_worker, 7, "a batch", tag));
  CHECK_FALSE(mac.verify(direction::to_worker, 7, "a batcH", tag));
  CHECK_FALSE(mac.verify(direction::to_worker, 8, "a batch", tag));
  CHECK_FALSE(mac.verify(direction::to_master, 7, "a batch", tag));
  message_mac other(random_key());
  CHECK_FALSE(other.verify(direction::to_worker, 7, "a batch", tag));
  message_mac same(key);
  CHECK(same.verify(direction::to_worker, 7, "a batch", tag));
  CHECK(mac.seal(direction::to_worker, 7, "") != mac.seal(direction::to_worker, 8, ""));
}

TEST_CASE("message auth: keys are random, HMAC-SHA256 matches RFC 4231 case 2", "[auth]") {
  CHECK(random_key() != random_key());
  auto d = hmac_sha256("Jefe", "what do ya want for nothing?");
  const std::uint8_t expected[] = {0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24,
                                   0x26, 0x08, 0x95, 0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27,
                                   0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43};
  CHECK(std::equal(d.begin(), d.end(), std::begin(expected)));
  CHECK(equal_in_constant_time("token", "token"));
  CHECK_FALSE(equal_in_constant_time("token", "tokem"));
  CHECK_FALSE(equal_in_constant_time("token", "token2"));
}

TEST_CASE("message auth: each sequence number is taken once, in rising order", "[auth]") {
  replay_guard g;
  CHECK(g.accept(1));
  CHECK(g.accept(2));
  CHECK_FALSE(g.accept(2));
  CHECK(g.accept(10));
  CHECK_FALSE(g.accept(9));
  CHECK_FALSE(g.accept(0));
}
