// Request lines and the bytes of tasks and answers; see http_format.hpp.
#include "jobs/http_format.hpp"

#include "cohort/params.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <stdexcept>

namespace cohort {

namespace {

using nlohmann::json;

std::string text_field(const json& j, const char* key, const std::string& where) {
  const auto& v = j[key];
  if (!v.is_string()) {
    throw param_error(where + "\"" + key + "\" must be a string");
  }
  return v.get<std::string>();
}

http_request from_json(const json& j, const std::string& where) {
  if (!j.is_object()) {
    throw param_error(where + "a JSON line must be an object");
  }
  http_request r;
  for (const auto& [key, value] : j.items()) {
    if (key != "url" && key != "method" && key != "headers" && key != "body") {
      throw param_error(where + "unknown field '" + key + "' (known: url, method, headers, body)");
    }
  }
  if (!j.contains("url")) {
    throw param_error(where + "no \"url\"");
  }
  r.url = text_field(j, "url", where);
  if (j.contains("method")) {
    r.method = text_field(j, "method", where);
  }
  if (j.contains("body")) {
    r.body = text_field(j, "body", where);
  }
  if (j.contains("headers")) {
    const auto& h = j["headers"];
    if (!h.is_object()) {
      throw param_error(where + "\"headers\" must be an object of strings");
    }
    for (const auto& [name, value] : h.items()) {
      if (!value.is_string()) {
        throw param_error(where + "header '" + name + "' must be a string");
      }
      r.headers.push_back({name, value.get<std::string>()});
    }
  }
  return r;
}

} // namespace

std::vector<http_request> read_http_requests(std::istream& in, const std::string& path) {
  std::vector<http_request> out;
  std::string line;
  for (std::uint64_t n = 1; std::getline(in, line); ++n) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos) {
      continue;
    }
    line.erase(line.find_last_not_of(" \t\r") + 1);
    const auto where = "http: " + path + ":" + std::to_string(n) + ": ";
    http_request r;
    if (line[first] == '{') {
      json j;
      try {
        j = json::parse(line.substr(first));
      } catch (const json::exception&) {
        throw param_error(where + "not a JSON object");
      }
      r = from_json(j, where);
    } else {
      r.url = line.substr(first);
    }
    try {
      check_http_request(r);
    } catch (const std::invalid_argument& e) {
      throw param_error(where + e.what());
    }
    out.push_back(std::move(r));
  }
  if (out.empty()) {
    throw param_error("http: " + path + " holds no request");
  }
  return out;
}

std::vector<http_request> load_http_requests(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    throw param_error("http: cannot read " + path);
  }
  return read_http_requests(in, path);
}

std::string encode_request(const http_request& r) {
  json j;
  j["url"] = r.url;
  j["method"] = r.method;
  j["body"] = r.body;
  auto headers = json::array();
  for (const auto& h : r.headers) {
    headers.push_back({h.name, h.value});
  }
  j["headers"] = std::move(headers);
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

http_request decode_request(const std::string& bytes) {
  try {
    auto j = json::parse(bytes);
    http_request r;
    r.url = j.at("url").get<std::string>();
    r.method = j.at("method").get<std::string>();
    r.body = j.at("body").get<std::string>();
    for (const auto& h : j.at("headers")) {
      r.headers.push_back({h.at(0).get<std::string>(), h.at(1).get<std::string>()});
    }
    return r;
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("not an http task: ") + e.what());
  }
}

std::string encode_outcome(const http_outcome& o) {
  json j = {{"status", o.status},
            {"bytes", o.bytes},
            {"latency_s", o.latency_s},
            {"error", o.error},
            {"url", o.url}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

// A worker's whole number, refused unless it is one in [0, most]: nlohmann reads a number too
// large for 64 bits as a double, and converting that to an integer is undefined.
std::uint64_t whole(const json& v, const char* name, std::uint64_t most) {
  if (!v.is_number_unsigned() || v.get<std::uint64_t>() > most) {
    throw std::invalid_argument(std::string("not an http answer: ") + name +
                                " is not a whole number up to " + std::to_string(most));
  }
  return v.get<std::uint64_t>();
}

} // namespace

http_outcome decode_outcome(const std::string& bytes) {
  try {
    auto j = json::parse(bytes);
    http_outcome o;
    o.status = static_cast<int>(whole(j.at("status"), "status", 999));
    o.bytes = whole(j.at("bytes"), "bytes", UINT64_MAX);
    o.latency_s = j.at("latency_s").get<double>();
    o.error = j.at("error").get<std::string>();
    o.url = j.at("url").get<std::string>();
    return o;
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("not an http answer: ") + e.what());
  }
}

} // namespace cohort
