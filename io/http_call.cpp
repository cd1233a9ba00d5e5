// The public face of HTTP calls: request checks, start_http and the task's awaiter.
#include "cohort/http.hpp"

#include "core/url.hpp"
#include "io/http_engine.hpp"

#include <cctype>
#include <stdexcept>
#include <string_view>

namespace cohort {

namespace {

// RFC 9110 token characters: methods and header names.
bool token(std::string_view text) {
  if (text.empty()) {
    return false;
  }
  for (unsigned char c : text) {
    if (std::isalnum(c) == 0 &&
        std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

} // namespace

bool idempotent_method(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS" || method == "TRACE";
}

void check_http_request(const http_request& request) {
  if (!token(request.method)) {
    throw std::invalid_argument("bad HTTP method '" + request.method.substr(0, 40) + "'");
  }
  parse_url(request.url);
  for (const auto& h : request.headers) {
    if (!token(h.name)) {
      throw std::invalid_argument("bad HTTP header name '" + h.name.substr(0, 40) + "'");
    }
    for (unsigned char c : h.value) {
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        throw std::invalid_argument("the value of HTTP header '" + h.name +
                                    "' holds a control character");
      }
    }
  }
}

std::shared_ptr<http_call> start_http(http_request request, std::chrono::nanoseconds timeout,
                                      std::function<void(http_result)> done) {
  return http_engine::instance().start(std::move(request), timeout, std::move(done));
}

http_awaiter::~http_awaiter() {
  if (call_) {
    call_->cancel();
  }
}

bool http_awaiter::await_ready() const {
  check_http_request(request_);
  return false;
}

void http_awaiter::await_suspend(std::coroutine_handle<> h) {
  outcome_ = std::make_shared<outcome>();
  auto wake = ctx_.exec_->park_for_io(ctx_, h);
  call_ = start_http(std::move(request_), timeout_,
                     [out = outcome_, wake = std::move(wake)](http_result r) {
                       out->result = std::move(r);
                       wake();
                     });
}

http_result http_awaiter::await_resume() {
  call_.reset();
  return std::move(outcome_->result);
}

} // namespace cohort
