// The wire format over core/byte_codec: a version byte, then varints and length-prefixed strings.
#include "core/wire.hpp"

#include <algorithm>
#include <limits>

namespace cohort {

namespace {

// The format's buffers: the version byte, then the message.
class writer : public codec_writer {
public:
  explicit writer(std::size_t reserve) : codec_writer(reserve) { byte(wire_version); }
};

class reader : public codec_reader {
public:
  explicit reader(std::string_view in) : codec_reader(in) {
    if (in.empty()) {
      throw wire_error("empty buffer");
    }
    const auto v = byte();
    if (v != wire_version) {
      throw wire_error("wire format " + std::to_string(v) + ", this build reads " +
                       std::to_string(wire_version));
    }
  }
};

// Smallest encodings: a task is five varints (data's length included), an answer six.
constexpr std::size_t min_task_bytes = 5;
constexpr std::size_t min_answer_bytes = 6;
constexpr std::size_t min_arg_bytes = 2;
// A job request: kind, params, name, priority, tags, two timeouts, attempts, speculate,
// concurrency.
constexpr std::size_t min_request_bytes = 11;

} // namespace

namespace {

void put(writer& w, const job_desc& job) {
  w.u64(job.job);
  w.bytes(job.kind);
  w.u64(job.args.size());
  for (const auto& [k, v] : job.args) {
    w.bytes(k);
    w.bytes(v);
  }
  w.u64(static_cast<std::uint64_t>(std::max<std::int64_t>(0, job.task_timeout.count())));
}

std::uint64_t optional_ns(const std::optional<std::chrono::nanoseconds>& d) {
  return d ? static_cast<std::uint64_t>(std::max<std::int64_t>(1, d->count())) : 0;
}

void put(writer& w, const job_request& j) {
  w.bytes(j.kind);
  w.u64(j.args.all().size());
  for (const auto& [k, v] : j.args.all()) {
    w.bytes(k);
    w.bytes(v);
  }
  w.bytes(j.name);
  // Zigzag, so a negative priority is a short number too.
  w.u64((static_cast<std::uint64_t>(j.priority) << 1) ^
        static_cast<std::uint64_t>(static_cast<std::int64_t>(j.priority) >> 63));
  w.u64(j.require.size());
  for (const auto& t : j.require) {
    w.bytes(t);
  }
  w.u64(optional_ns(j.task_timeout));
  w.u64(optional_ns(j.deadline));
  w.u64(j.max_attempts);
  w.u64(j.speculate ? 1 : 0);
  w.u64(j.concurrency.value_or(0));
}

job_desc get_job(reader& r) {
  job_desc job;
  job.job = r.u64();
  job.kind = r.text();
  auto args = r.count(min_arg_bytes);
  for (std::size_t i = 0; i < args; ++i) {
    auto key = r.text();
    auto value = r.text();
    if (!job.args.empty() && key <= job.args.rbegin()->first) {
      throw wire_error("parameters out of order or given twice");
    }
    job.args.emplace_hint(job.args.end(), std::move(key), std::move(value));
  }
  auto timeout = r.u64();
  if (timeout > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    throw wire_error("task timeout beyond range");
  }
  job.task_timeout = std::chrono::nanoseconds(static_cast<std::int64_t>(timeout));
  return job;
}

std::optional<std::chrono::nanoseconds> get_optional_ns(reader& r) {
  auto ns = r.u64();
  if (ns > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    throw wire_error("duration beyond range");
  }
  if (ns == 0) {
    return std::nullopt;
  }
  return std::chrono::nanoseconds(static_cast<std::int64_t>(ns));
}

bool get_flag(reader& r) {
  auto x = r.u64();
  if (x > 1) {
    throw wire_error("a flag that is neither 0 nor 1");
  }
  return x == 1;
}

job_request get_request(reader& r) {
  job_request j;
  j.kind = r.text();
  auto args = r.count(min_arg_bytes);
  std::string last;
  for (std::size_t i = 0; i < args; ++i) {
    auto key = r.text();
    auto value = r.text();
    if (i > 0 && key <= last) {
      throw wire_error("parameters out of order or given twice");
    }
    last = key;
    j.args.set(std::move(key), std::move(value));
  }
  j.name = r.text();
  auto zigzag = r.u64();
  auto priority = static_cast<std::int64_t>(zigzag >> 1) ^ -static_cast<std::int64_t>(zigzag & 1);
  if (priority < std::numeric_limits<std::int32_t>::min() ||
      priority > std::numeric_limits<std::int32_t>::max()) {
    throw wire_error("priority beyond 32 bits");
  }
  j.priority = static_cast<std::int32_t>(priority);
  j.require.resize(r.count(1, max_wire_tags));
  for (auto& t : j.require) {
    t = r.text();
  }
  j.task_timeout = get_optional_ns(r);
  j.deadline = get_optional_ns(r);
  j.max_attempts = r.u32();
  j.speculate = get_flag(r);
  auto concurrency = r.u32();
  if (concurrency > 0) {
    j.concurrency = concurrency;
  }
  return j;
}

std::vector<std::uint64_t> get_ids(reader& r) {
  std::vector<std::uint64_t> out(r.count(1, max_wire_ids));
  for (auto& x : out) {
    x = r.u64();
  }
  return out;
}

struct encoder {
  writer& w;
  void operator()(const run_message& m) const {
    w.u64(m.batch);
    put(w, m.job);
    w.u64(m.tasks.size());
    for (const auto& t : m.tasks) {
      w.u64(t.index);
      w.u64(t.attempt);
      w.u64(t.lo);
      w.u64(t.hi);
      w.bytes(t.data);
    }
  }
  void operator()(const cancel_job_message& m) const { w.u64(m.job); }
  void operator()(const cancel_task_message& m) const {
    w.u64(m.job);
    w.u64(m.index);
    w.u64(m.attempt);
  }
  void operator()(const bye_message&) const {}
  void operator()(const answers_message& m) const {
    w.u64(m.batch);
    w.u64(m.final ? 1 : 0);
    w.u64(m.answers.size());
    for (const auto& a : m.answers) {
      w.u64(a.index);
      w.u64(a.attempt);
      w.u64(static_cast<std::uint64_t>(a.outcome));
      w.u64(a.value.count);
      w.bytes(a.value.data);
      w.bytes(a.error);
    }
  }
  void operator()(const leave_message&) const {}
  void operator()(const submit_message& m) const {
    w.u64(m.ref);
    w.u64(m.jobs.size());
    for (const auto& j : m.jobs) {
      put(w, j);
    }
    w.u64(m.wait ? 1 : 0);
    w.u64(m.progress ? 1 : 0);
  }
  void operator()(const wait_message& m) const {
    w.u64(m.ref);
    ids(m.ids);
    w.u64(m.progress ? 1 : 0);
  }
  void operator()(const cancel_jobs_message& m) const {
    w.u64(m.ref);
    ids(m.ids);
  }
  void operator()(const list_message& m) const {
    w.u64(m.ref);
    w.u64(m.all ? 1 : 0);
  }
  void operator()(const status_message& m) const { w.u64(m.ref); }
  void operator()(const reply_message& m) const {
    w.u64(m.ref);
    w.bytes(m.error);
    ids(m.ids);
    w.u64(m.lines.size());
    for (const auto& l : m.lines) {
      w.bytes(l);
    }
  }
  void operator()(const line_message& m) const {
    w.u64(m.id);
    w.u64(m.status);
    w.bytes(m.json);
  }
  void operator()(const note_message& m) const {
    w.u64(m.job);
    w.bytes(m.file);
    w.bytes(m.text);
  }
  void ids(const std::vector<std::uint64_t>& xs) const {
    w.u64(xs.size());
    for (auto x : xs) {
      w.u64(x);
    }
  }
};

std::size_t size_hint(const wire_message& m) {
  std::size_t size = 64;
  if (const auto* run = std::get_if<run_message>(&m)) {
    size += run->job.kind.size() + run->tasks.size() * 24;
    for (const auto& [k, v] : run->job.args) {
      size += k.size() + v.size() + 4;
    }
    for (const auto& t : run->tasks) {
      size += t.data.size();
    }
  } else if (const auto* answers = std::get_if<answers_message>(&m)) {
    size += answers->answers.size() * 16;
    for (const auto& a : answers->answers) {
      size += a.value.data.size() + a.error.size();
    }
  }
  return size;
}

} // namespace

std::string encode(const wire_message& m) {
  writer w(size_hint(m));
  w.u64(m.index());
  std::visit(encoder{w}, m);
  return w.take();
}

wire_message decode(std::string_view bytes) {
  reader r(bytes);
  wire_message out;
  switch (r.u64()) {
  case 0: {
    run_message m;
    m.batch = r.u64();
    m.job = get_job(r);
    m.tasks.resize(r.count(min_task_bytes));
    for (auto& t : m.tasks) {
      t.index = r.u64();
      t.attempt = r.u32();
      t.lo = r.u64();
      t.hi = r.u64();
      t.data = r.text();
    }
    out = std::move(m);
    break;
  }
  case 1:
    out = cancel_job_message{r.u64()};
    break;
  case 2: {
    cancel_task_message m;
    m.job = r.u64();
    m.index = r.u64();
    m.attempt = r.u32();
    out = m;
    break;
  }
  case 3:
    out = bye_message{};
    break;
  case 4: {
    answers_message m;
    m.batch = r.u64();
    auto final = r.u64();
    if (final > 1) {
      throw wire_error("a flag that is neither 0 nor 1");
    }
    m.final = final == 1;
    m.answers.resize(r.count(min_answer_bytes));
    for (auto& a : m.answers) {
      a.index = r.u64();
      a.attempt = r.u32();
      auto outcome = r.u64();
      if (outcome > static_cast<std::uint64_t>(task_outcome::cancelled)) {
        throw wire_error("unknown outcome " + std::to_string(outcome));
      }
      a.outcome = static_cast<task_outcome>(outcome);
      a.value.count = r.u64();
      a.value.data = r.text();
      a.error = r.text();
    }
    out = std::move(m);
    break;
  }
  case 5:
    out = leave_message{};
    break;
  case 6: {
    submit_message m;
    m.ref = r.u64();
    m.jobs.resize(r.count(min_request_bytes, max_wire_jobs));
    for (auto& j : m.jobs) {
      j = get_request(r);
    }
    m.wait = get_flag(r);
    m.progress = get_flag(r);
    out = std::move(m);
    break;
  }
  case 7: {
    wait_message m;
    m.ref = r.u64();
    m.ids = get_ids(r);
    m.progress = get_flag(r);
    out = std::move(m);
    break;
  }
  case 8: {
    cancel_jobs_message m;
    m.ref = r.u64();
    m.ids = get_ids(r);
    out = std::move(m);
    break;
  }
  case 9: {
    list_message m;
    m.ref = r.u64();
    m.all = get_flag(r);
    out = m;
    break;
  }
  case 10:
    out = status_message{r.u64()};
    break;
  case 11: {
    reply_message m;
    m.ref = r.u64();
    m.error = r.text();
    m.ids = get_ids(r);
    m.lines.resize(r.count(1, max_wire_lines));
    for (auto& l : m.lines) {
      l = r.text();
    }
    out = std::move(m);
    break;
  }
  case 12: {
    line_message m;
    m.id = r.u64();
    m.status = r.u32();
    m.json = r.text();
    out = std::move(m);
    break;
  }
  case 13: {
    note_message m;
    m.job = r.u64();
    m.file = r.text();
    m.text = r.text();
    out = std::move(m);
    break;
  }
  default:
    throw wire_error("unknown message kind");
  }
  r.finish();
  return out;
}

} // namespace cohort
