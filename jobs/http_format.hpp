// The http kind's requests: read from a file or standard input (one URL a line, or JSON lines
// {"url", "method", "headers", "body"}), and carried in a task as bytes; a response's summary
// carried back the same way.
#pragma once

#include "cohort/http.hpp"

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace cohort {

/// Reads every request of `in` (`path` names it in errors); blank lines are skipped. Throws
/// param_error naming the line and what is wrong.
std::vector<http_request> read_http_requests(std::istream& in, const std::string& path);
std::vector<http_request> load_http_requests(const std::string& path);

std::string encode_request(const http_request& r);
http_request decode_request(const std::string& bytes);

/// What a worker reports of one request.
struct http_outcome {
  /// The answer's status; 0 when none came.
  int status = 0;
  std::uint64_t bytes = 0;
  double latency_s = 0;
  /// Why no answer came (empty when one did).
  std::string error;
  std::string url;
};

std::string encode_outcome(const http_outcome& o);
/// Throws std::invalid_argument on bytes encode_outcome did not write.
http_outcome decode_outcome(const std::string& bytes);

} // namespace cohort
