// The service benchmarks' client (bench/run serve_latency, jobs_per_s): one-task `sleep ms=0` jobs
// given to a serving master (`cohort master --serve`) through the client API, include/cohort/
// client.hpp.
//
//   serve_client --master HOST:PORT latency [--jobs N] [--warmup W]
//       one client, connected once; W jobs to warm up, then N times: submit one job (wait) and
//       wait for its line. Prints the submit-to-line times: p50, p99, mean, min, max in ms.
//   serve_client --master HOST:PORT throughput [--clients C] [--jobs N] [--per-call B]
//                [--in-flight K]
//       C threads, each with its own client, each giving N jobs: B jobs per submit call, at most K
//       jobs submitted and not yet ended at a time (K = B: one call at a time). Prints jobs/s over
//       the wall from the moment all clients are connected to the last line.
//
// Every line is checked: status ok and result.completed 1. Prints one JSON object on stdout, with
// "bad" (lines that were not so) and "first_bad" (the first of them); exit 0 unless something
// threw (then the reason on stderr, exit 1).
#include "cohort/client.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <mutex>
#include <numeric>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

using steady = std::chrono::steady_clock;

// The longest a line may take to come; a job of one empty task that takes longer is hung.
constexpr auto line_timeout = std::chrono::seconds(30);

struct options {
  cohort::endpoint master;
  std::string mode;
  std::uint64_t jobs = 1000;
  std::uint64_t warmup = 50;
  std::uint64_t clients = 4;
  std::uint64_t per_call = 1;
  std::uint64_t in_flight = 1;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "serve_client: %s\nusage: serve_client --master HOST:PORT latency [--jobs N] "
               "[--warmup W]\n       serve_client --master HOST:PORT throughput [--clients C] "
               "[--jobs N] [--per-call B] [--in-flight K]\n",
               why.c_str());
  std::exit(2);
}

std::uint64_t number(const std::string& flag, const char* text) {
  char* end = nullptr;
  auto v = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0' || v == 0) {
    usage(flag + " takes a positive number, not '" + text + "'");
  }
  return v;
}

options parse(int argc, char** argv) {
  options o;
  bool have_master = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        usage(a + " takes a value");
      }
      return argv[++i];
    };
    if (a == "--master") {
      try {
        o.master = cohort::parse_endpoint(value(), cohort::endpoint_form::dial);
      } catch (const std::invalid_argument& e) {
        usage(std::string("--master: ") + e.what());
      }
      have_master = true;
    } else if (a == "--jobs") {
      o.jobs = number(a, value());
    } else if (a == "--warmup") {
      o.warmup = number(a, value());
    } else if (a == "--clients") {
      o.clients = number(a, value());
    } else if (a == "--per-call") {
      o.per_call = number(a, value());
    } else if (a == "--in-flight") {
      o.in_flight = number(a, value());
    } else if (o.mode.empty() && (a == "latency" || a == "throughput")) {
      o.mode = a;
    } else {
      usage("unknown argument '" + a + "'");
    }
  }
  if (!have_master || o.mode.empty()) {
    usage("--master and a mode are required");
  }
  o.in_flight = std::max(o.in_flight, o.per_call);
  return o;
}

cohort::client_options client_opts(const options& o) {
  cohort::client_options c;
  c.master = o.master;
  return c;
}

cohort::job_request sleep_job() {
  cohort::job_request j;
  j.kind = "sleep";
  j.args.set("tasks", "1");
  j.args.set("ms", "0");
  return j;
}

// Lines that are not `status ok, result.completed 1`; shared by the threads.
struct line_check {
  std::mutex m;
  std::uint64_t good = 0;
  std::uint64_t bad = 0;
  std::string first_bad;

  void operator()(cohort::job_status status, const std::string& line) {
    bool ok = status == cohort::job_status::ok;
    if (ok) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      ok = !j.is_discarded() && j.value("status", "") == "ok" && j.contains("result") &&
           j["result"].value("completed", -1) == 1;
    }
    std::lock_guard<std::mutex> lock(m);
    if (ok) {
      ++good;
    } else if (bad++ == 0) {
      first_bad = line;
    }
  }
};

double ms_since(steady::time_point t0) {
  return std::chrono::duration<double, std::milli>(steady::now() - t0).count();
}

// Nearest rank: the smallest value with at least p of them at or below it.
double percentile(const std::vector<double>& sorted, double p) {
  auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

nlohmann::ordered_json latency(const options& o, line_check& check) {
  cohort::client c(client_opts(o));
  std::vector<cohort::job_request> one{sleep_job()};
  auto run_one = [&] {
    auto ids = c.submit(one, true);
    auto out = c.wait(ids);
    check(out.at(0).status, out.at(0).json);
  };
  for (std::uint64_t i = 0; i < o.warmup; ++i) {
    run_one();
  }
  std::vector<double> ms;
  ms.reserve(o.jobs);
  for (std::uint64_t i = 0; i < o.jobs; ++i) {
    auto t0 = steady::now();
    run_one();
    ms.push_back(ms_since(t0));
  }
  std::sort(ms.begin(), ms.end());
  nlohmann::ordered_json r;
  r["mode"] = "latency";
  r["jobs"] = o.jobs;
  r["warmup"] = o.warmup;
  r["p50_ms"] = percentile(ms, 0.50);
  r["p99_ms"] = percentile(ms, 0.99);
  r["mean_ms"] = std::accumulate(ms.begin(), ms.end(), 0.0) / static_cast<double>(ms.size());
  r["min_ms"] = ms.front();
  r["max_ms"] = ms.back();
  return r;
}

// One client's share of the throughput run: `jobs` jobs, `per_call` a submit call, at most
// `in_flight` not yet ended.
void give_jobs(const options& o, cohort::client& c, line_check& check) {
  std::uint64_t submitted = 0;
  std::uint64_t ended = 0;
  std::set<std::uint64_t> waiting;
  while (ended < o.jobs) {
    while (submitted < o.jobs && waiting.size() + o.per_call <= o.in_flight) {
      auto n = std::min(o.per_call, o.jobs - submitted);
      std::vector<cohort::job_request> batch(n, sleep_job());
      for (auto id : c.submit(batch, true)) {
        waiting.insert(id);
      }
      submitted += n;
    }
    auto e = c.next_event(line_timeout);
    if (!e) {
      throw std::runtime_error("no line within 30 s; " + std::to_string(waiting.size()) +
                               " jobs waiting");
    }
    if (e->what == cohort::client_event::type::line && waiting.erase(e->job) == 1) {
      check(e->status, e->text);
      ++ended;
    }
  }
}

nlohmann::ordered_json throughput(const options& o, line_check& check) {
  // Every client connects first; the clock starts when the last one has.
  std::barrier ready(static_cast<std::ptrdiff_t>(o.clients + 1));
  std::vector<std::thread> threads;
  std::mutex error_m;
  std::string error;
  for (std::uint64_t i = 0; i < o.clients; ++i) {
    threads.emplace_back([&] {
      std::unique_ptr<cohort::client> c;
      try {
        c = std::make_unique<cohort::client>(client_opts(o));
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(error_m);
        error = e.what();
      }
      ready.arrive_and_wait();
      if (!c) {
        return;
      }
      try {
        give_jobs(o, *c, check);
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(error_m);
        error = e.what();
      }
    });
  }
  ready.arrive_and_wait();
  auto t0 = steady::now();
  for (auto& t : threads) {
    t.join();
  }
  double wall = ms_since(t0) / 1000.0;
  if (!error.empty()) {
    throw std::runtime_error(error);
  }
  nlohmann::ordered_json r;
  r["mode"] = "throughput";
  r["clients"] = o.clients;
  r["jobs"] = o.clients * o.jobs;
  r["per_call"] = o.per_call;
  r["in_flight"] = o.in_flight;
  r["wall_s"] = wall;
  r["jobs_per_s"] = static_cast<double>(o.clients * o.jobs) / wall;
  return r;
}

} // namespace

int main(int argc, char** argv) {
  auto o = parse(argc, argv);
  line_check check;
  try {
    auto r = o.mode == "latency" ? latency(o, check) : throughput(o, check);
    r["good"] = check.good;
    r["bad"] = check.bad;
    r["first_bad"] = check.first_bad;
    std::cout << r.dump() << std::endl;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "serve_client: %s\n", e.what());
    return 1;
  }
  return 0;
}
