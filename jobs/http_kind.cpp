// http: each request a latency-bound task awaiting ctx.http on the worker's I/O thread, so a worker
// actor keeps --concurrency of them in flight without a thread each. Only workers that grant "net"
// (--allow-net) run them. An idempotent request that gets no answer or a 5xx fails its attempt,
// and the master runs it again up to --max-attempts; anything else is counted as it came.
#include "jobs/http_kind.hpp"

#include "cohort/fingerprint.hpp"
#include "jobs/http_format.hpp"
#include "jobs/latency_histogram.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <sstream>
#include <stdexcept>

namespace cohort {

namespace {

using std::chrono::nanoseconds;

constexpr std::size_t failures_kept = 100;

std::vector<http_request> requests_of(const params& p) {
  auto file = p.get_string("file", {});
  auto text = p.get_string("requests", {});
  if (file.empty() == text.empty()) {
    throw param_error("http: needs param 'file' (FILE, or - for standard input)");
  }
  if (file.empty()) {
    std::istringstream in(text);
    return read_http_requests(in, "-");
  }
  return load_http_requests(file);
}

nanoseconds timeout_of(const params& p) {
  const auto t = p.get_duration("timeout", std::chrono::seconds(30));
  if (!t || t->count() <= 0) {
    throw param_error("http: param 'timeout': must be more than 0 (a request cannot wait forever)");
  }
  return *t;
}

class http_reducer final : public reducer {
public:
  void merge(partial&& p) override {
    auto o = decode_outcome(p.data);
    ++requests_;
    bytes_ += o.bytes;
    latencies_.add(o.latency_s);
    if (o.status == 0) {
      ++errors_;
    } else {
      ++status_[o.status];
    }
    if ((o.status == 0 || o.status >= 400) && failures_.size() < failures_kept) {
      nlohmann::ordered_json f;
      f["url"] = o.url;
      if (o.status == 0) {
        f["error"] = o.error;
      } else {
        f["status"] = o.status;
      }
      failures_.push_back(std::move(f));
    }
  }

  nlohmann::ordered_json render() const override {
    nlohmann::ordered_json out;
    out["requests"] = requests_;
    nlohmann::ordered_json status = nlohmann::ordered_json::object();
    for (const auto& [code, n] : status_) {
      status[std::to_string(code)] = n;
    }
    out["status"] = std::move(status);
    out["errors"] = errors_;
    out["bytes"] = bytes_;
    out["latency_s"] = {{"p50", latencies_.quantile(0.5)},
                        {"p90", latencies_.quantile(0.9)},
                        {"p99", latencies_.quantile(0.99)}};
    out["failures"] = failures_;
    return out;
  }

  std::uint64_t result_bytes() const override {
    return 64 + 16 * status_.size() + failures_.size() * 128;
  }

  std::optional<std::string> snapshot() const override {
    nlohmann::json j;
    j["requests"] = requests_;
    j["errors"] = errors_;
    j["bytes"] = bytes_;
    auto status = nlohmann::json::object();
    for (const auto& [code, n] : status_) {
      status[std::to_string(code)] = n;
    }
    j["status"] = std::move(status);
    j["latencies"] = latencies_.counts();
    j["failures"] = failures_;
    return j.dump();
  }

  void restore(std::string_view bytes) override {
    try {
      auto j = nlohmann::json::parse(bytes);
      requests_ = j.at("requests").get<std::uint64_t>();
      errors_ = j.at("errors").get<std::uint64_t>();
      bytes_ = j.at("bytes").get<std::uint64_t>();
      for (const auto& [code, n] : j.at("status").items()) {
        status_[std::stoi(code)] = n.get<std::uint64_t>();
      }
      latencies_.set_counts(j.at("latencies").get<std::vector<std::uint64_t>>());
      for (const auto& f : j.at("failures")) {
        failures_.push_back(nlohmann::ordered_json::parse(f.dump()));
      }
    } catch (const std::exception& e) {
      throw std::invalid_argument(std::string("not an http snapshot: ") + e.what());
    }
  }

private:
  std::uint64_t requests_ = 0;
  std::uint64_t errors_ = 0;
  std::uint64_t bytes_ = 0;
  std::map<int, std::uint64_t> status_;
  latency_histogram latencies_;
  std::vector<nlohmann::ordered_json> failures_;
};

// A task carries its request in data and the timeout in ns in lo.
class http_plan final : public job_plan {
public:
  http_plan(std::vector<http_request> requests, nanoseconds timeout)
      : requests_(std::move(requests)), timeout_(timeout) {}

  std::uint64_t task_count() const override { return requests_.size(); }

  std::string input_digest() const override {
    fingerprint f;
    for (const auto& r : requests_) {
      f.add(encode_request(r));
    }
    return f.hex();
  }

  task_spec make_task(std::uint64_t index) const override {
    task_spec t;
    t.index = index;
    t.lo = static_cast<std::uint64_t>(timeout_.count());
    t.data = encode_request(requests_.at(index));
    return t;
  }

  std::string describe(std::uint64_t index) const override {
    const auto& r = requests_.at(index);
    return "index=" + std::to_string(index) + " " + r.method + " " + r.url.substr(0, 200);
  }

  std::unique_ptr<reducer> make_reducer() const override {
    return std::make_unique<http_reducer>();
  }

  // One JSON line per response as its answer is merged.
  std::string record(std::uint64_t index, const partial& p, std::string_view host,
                     std::string_view worker) const override {
    http_outcome o;
    try {
      o = decode_outcome(p.data);
    } catch (const std::invalid_argument&) {
      return {};
    }
    nlohmann::ordered_json line;
    line["index"] = index;
    line["url"] = o.url;
    line["status"] = nullptr;
    if (o.status != 0) {
      line["status"] = o.status;
    }
    line["bytes"] = o.bytes;
    line["latency_s"] = o.latency_s;
    line["error"] = nullptr;
    if (!o.error.empty()) {
      line["error"] = o.error;
    }
    line["host"] = host;
    line["worker"] = worker;
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

private:
  std::vector<http_request> requests_;
  nanoseconds timeout_;
};

class http_kind final : public job_kind {
public:
  std::string_view name() const override { return "http"; }
  std::string_view summary() const override {
    return "sends HTTP requests from workers started with --allow-net, each a task; result "
           "{\"requests\", \"status\", \"errors\", \"bytes\", \"latency_s\", \"failures\"}";
  }
  std::vector<param_spec> parameters() const override {
    return {
        {"file", param_type::path, "",
         "one URL a line, or JSON Lines of {\"url\", \"method\", \"headers\", \"body\"}, read on "
         "the master; - reads standard input"},
        {"requests", param_type::text, "",
         "the lines themselves instead of a file (what file=- becomes)"},
        {"timeout", param_type::duration, "30s", "a request without its answer by then fails"},
        {"output", param_type::output, "",
         "a JSON line per response as it arrives, written by the submitter"},
    };
  }
  std::string_view records_param() const override { return "output"; }
  std::string_view stdin_param() const override { return "requests"; }
  task_bound bound(const params&) const override { return task_bound::latency; }
  std::string_view capability() const override { return "net"; }

  // Requests that must not be sent twice (POST, PATCH) make the whole job so: no speculative
  // copies, no re-run after a lost worker.
  bool idempotent(const params& p) const override {
    try {
      auto all = requests_of(p);
      return std::all_of(all.begin(), all.end(),
                         [](const http_request& r) { return idempotent_method(r.method); });
    } catch (const std::exception&) {
      return false;
    }
  }

  // A copy of a slow request is a second request to someone else's service: never speculated.
  // Failed attempts are still retried (--max-attempts), and a lost worker's requests run again.
  bool speculates(const params&) const override { return false; }

  void validate(const params& p) const override {
    timeout_of(p);
    requests_of(p);
  }

  std::unique_ptr<job_plan> split(const params& p) const override {
    return std::make_unique<http_plan>(requests_of(p), timeout_of(p));
  }

  task<partial> run(task_spec spec, task_context& ctx) const override {
    auto request = decode_request(spec.data);
    auto timeout = nanoseconds(static_cast<nanoseconds::rep>(spec.lo));
    if (const auto limit = ctx.task_timeout(); limit && *limit < timeout) {
      timeout = *limit;
    }
    const bool again = idempotent_method(request.method);
    http_outcome o;
    o.url = request.url;
    auto r = co_await ctx.http(std::move(request), timeout);
    o.latency_s = r.latency_s;
    if (r.ok()) {
      o.status = r.response->status;
      o.bytes = r.response->body.size();
    } else {
      o.error = r.error;
    }
    if (again && (o.status == 0 || o.status >= 500)) {
      // The master runs it again, up to --max-attempts; after the last, the job fails.
      throw std::runtime_error(o.url + ": " +
                               (o.status == 0 ? o.error : "status " + std::to_string(o.status)));
    }
    co_return partial{1, encode_outcome(o)};
  }
};

} // namespace

std::shared_ptr<const job_kind> make_http_kind() {
  return std::make_shared<http_kind>();
}

} // namespace cohort
