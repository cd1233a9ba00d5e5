// Unit tests of the http kind's parts: request lines, task and answer bytes, latency quantiles.
#include "cohort/params.hpp"
#include "jobs/http_format.hpp"
#include "jobs/latency_histogram.hpp"

#include <catch2/catch.hpp>

#include <sstream>

using namespace cohort;

TEST_CASE("http requests: URLs and JSON lines, blank lines skipped", "[http]") {
  std::istringstream in("http://a/x\n\n  {\"url\": \"https://b:8443/y\", \"method\": \"POST\", "
                        "\"headers\": {\"X-K\": \"v\"}, \"body\": \"hi\"}\n");
  auto all = read_http_requests(in, "reqs");
  REQUIRE(all.size() == 2);
  CHECK(all[0].method == "GET");
  CHECK(all[0].url == "http://a/x");
  CHECK(all[1].method == "POST");
  CHECK(all[1].url == "https://b:8443/y");
  REQUIRE(all[1].headers.size() == 1);
  CHECK(all[1].headers[0].name == "X-K");
  CHECK(all[1].body == "hi");
  auto back = decode_request(encode_request(all[1]));
  CHECK(back.url == all[1].url);
  CHECK(back.method == "POST");
  CHECK(back.headers[0].value == "v");
  CHECK(back.body == "hi");
}

TEST_CASE("http requests: a bad line is refused naming its file and line", "[http]") {
  auto refused = [](const std::string& text) {
    std::istringstream in(text);
    try {
      read_http_requests(in, "reqs");
    } catch (const param_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK_THAT(refused("http://a/\nftp://b/\n"), Catch::StartsWith("http: reqs:2: bad URL"));
  CHECK_THAT(refused("{\"url\": 3}\n"), Catch::Contains("reqs:1: \"url\" must be a string"));
  CHECK_THAT(refused("{\"url\": \"http://a/\", \"verb\": \"GET\"}\n"),
             Catch::Contains("unknown field 'verb'"));
  CHECK_THAT(refused("{\"url\": \"http://a/\", \"method\": \"G T\"}\n"),
             Catch::Contains("bad HTTP method"));
  CHECK_THAT(refused("{nope\n"), Catch::Contains("not a JSON object"));
  CHECK(refused("\n\n") == "http: reqs holds no request");
}

TEST_CASE("http answers round-trip, and garbage is refused", "[http]") {
  http_outcome o{503, 12, 0.25, "", "http://a/"};
  auto back = decode_outcome(encode_outcome(o));
  CHECK(back.status == 503);
  CHECK(back.bytes == 12);
  CHECK(back.latency_s == 0.25);
  CHECK(back.url == "http://a/");
  CHECK_THROWS_AS(decode_outcome("{}"), std::invalid_argument);
  CHECK_THROWS_AS(decode_request("[1]"), std::invalid_argument);
}

TEST_CASE("latency quantiles are within 2% of the exact ones", "[http]") {
  latency_histogram h;
  CHECK(h.quantile(0.5) == 0);
  for (int i = 1; i <= 1000; ++i) {
    h.add(i / 1000.0);
  }
  CHECK(h.total() == 1000);
  CHECK(h.quantile(0.5) == Approx(0.5).epsilon(0.02));
  CHECK(h.quantile(0.9) == Approx(0.9).epsilon(0.02));
  CHECK(h.quantile(0.99) == Approx(0.99).epsilon(0.02));
  latency_histogram copy;
  copy.set_counts(h.counts());
  CHECK(copy.total() == 1000);
  CHECK(copy.quantile(0.9) == h.quantile(0.9));
  CHECK_THROWS_AS(copy.set_counts({1, 2}), std::invalid_argument);
}

TEST_CASE("http answers with numbers out of range are refused, not converted", "[http-format]") {
  // A number past 64 bits reads as a double; converting it to an integer was undefined (found by
  // fuzz_http).
  REQUIRE_THROWS_AS(decode_outcome(R"({"status": 200, "bytes": 25555555555555555555555555555,)"
                                   R"( "latency_s": 0.5, "error": "", "url": "http://x/"})"),
                    std::invalid_argument);
  REQUIRE_THROWS_AS(decode_outcome(R"({"status": 1e300, "bytes": 2, "latency_s": 0.5,)"
                                   R"( "error": "", "url": "http://x/"})"),
                    std::invalid_argument);
  REQUIRE_THROWS_AS(decode_outcome(R"({"status": -3, "bytes": 2, "latency_s": 0.5,)"
                                   R"( "error": "", "url": "http://x/"})"),
                    std::invalid_argument);
  auto o = decode_outcome(R"({"status": 204, "bytes": 18446744073709551615, "latency_s": 0.5,)"
                          R"( "error": "", "url": "http://x/"})");
  REQUIRE(o.status == 204);
  REQUIRE(o.bytes == UINT64_MAX);
}
