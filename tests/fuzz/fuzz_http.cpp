// libFuzzer target: the http kind's inputs from outside the process. A selector byte picks the
// request lines of a file (jobs/http_format.cpp, with the URL and request checks the kind makes),
// one URL (core/url.cpp), or a worker's answer as the master reads it (decode_outcome).
#include "cohort/params.hpp"
#include "core/url.hpp"
#include "jobs/http_format.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <sstream>
#include <stdexcept>

namespace {

// What parses reads the same again from its parts.
void one_url(std::string_view text) {
  cohort::url u;
  try {
    u = cohort::parse_url(text);
  } catch (const std::invalid_argument&) {
    return;
  }
  cohort::fuzz::require(!u.host.empty() && u.port != 0 && !u.target.empty() && u.target[0] == '/');
  const auto again = cohort::parse_url((u.tls ? "https://" : "http://") + u.origin() + u.target);
  cohort::fuzz::require(again.tls == u.tls && again.host == u.host && again.port == u.port &&
                        again.target == u.target);
  cohort::fuzz::require(!u.host_header().empty());
}

// Every request read from lines travels in a task and comes back the same.
void request_lines(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::vector<cohort::http_request> requests;
  try {
    requests = cohort::read_http_requests(in, "requests.txt");
  } catch (const cohort::param_error&) {
    return;
  }
  for (const auto& r : requests) {
    const auto back = cohort::decode_request(cohort::encode_request(r));
    cohort::fuzz::require(back.url == r.url && back.method == r.method && back.body == r.body &&
                          back.headers.size() == r.headers.size());
    try {
      cohort::check_http_request(r);
    } catch (const std::invalid_argument&) {
    }
  }
}

// A peer's bytes: refused with std::invalid_argument or read into an outcome that encodes back.
void outcome(std::string_view bytes) {
  cohort::http_outcome o;
  try {
    o = cohort::decode_outcome(std::string(bytes));
  } catch (const std::invalid_argument&) {
    return;
  }
  const auto back = cohort::decode_outcome(cohort::encode_outcome(o));
  cohort::fuzz::require(back.status == o.status && back.bytes == o.bytes && back.error == o.error &&
                        back.url == o.url);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const auto text = cohort::fuzz::as_text(data + 1, size - 1);
  switch (data[0] % 3) {
  case 0:
    request_lines(text);
    break;
  case 1:
    one_url(text);
    break;
  default:
    outcome(text);
    break;
  }
  return 0;
}
