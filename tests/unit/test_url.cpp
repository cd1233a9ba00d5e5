// Unit tests of URL parsing for HTTP requests.
#include "core/url.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>

using namespace cohort;

TEST_CASE("urls: scheme, host, port and target, with the defaults filled in", "[url]") {
  auto a = parse_url("http://example.org");
  CHECK_FALSE(a.tls);
  CHECK(a.host == "example.org");
  CHECK(a.port == 80);
  CHECK(a.target == "/");
  CHECK(a.host_header() == "example.org");
  auto b = parse_url("https://127.0.0.1:8443/a/b?x=1#frag");
  CHECK(b.tls);
  CHECK(b.host == "127.0.0.1");
  CHECK(b.port == 8443);
  CHECK(b.target == "/a/b?x=1");
  CHECK(b.origin() == "127.0.0.1:8443");
  CHECK(b.host_header() == "127.0.0.1:8443");
  auto c = parse_url("http://[::1]:9000?q");
  CHECK(c.host == "::1");
  CHECK(c.target == "/?q");
  CHECK(c.origin() == "[::1]:9000");
}

TEST_CASE("urls: what cannot be sent is refused, naming why", "[url]") {
  CHECK_THROWS_WITH(parse_url("ftp://x/"), Catch::Contains("must start with http:// or https://"));
  CHECK_THROWS_WITH(parse_url("http://"), Catch::Contains("no host"));
  CHECK_THROWS_WITH(parse_url("http://a:0/"), Catch::Contains("port"));
  CHECK_THROWS_WITH(parse_url("http://a:70000/"), Catch::Contains("port"));
  CHECK_THROWS_WITH(parse_url("http://a:x/"), Catch::Contains("port"));
  CHECK_THROWS_WITH(parse_url("http://u:p@a/"), Catch::Contains("passwords"));
  CHECK_THROWS_WITH(parse_url("http://a b/"), Catch::Contains("percent-encoded"));
  CHECK_THROWS_WITH(parse_url("http://a/b c"), Catch::Contains("percent-encoded"));
  // Bytes beyond ASCII would reach the server as other bytes than the file holds (fuzz_http).
  CHECK_THROWS_WITH(parse_url("http://a/caf\xc3\xa9"), Catch::Contains("beyond ASCII"));
  CHECK_THROWS_WITH(parse_url("http://a/#\xc8\xc9"), Catch::Contains("beyond ASCII"));
  CHECK_THROWS_WITH(parse_url("http://a/\x7f"), Catch::Contains("percent-encoded"));
  CHECK_THROWS_WITH(parse_url("http://a\xc3\xa9/"), Catch::Contains("beyond ASCII"));
  CHECK_THROWS_WITH(parse_url("http://[::1/"), Catch::Contains("closing ]"));
}
