// Little-endian base-128 varints and length-prefixed strings; a reader that refuses any length
// beyond the bytes left.
#include "core/wire.hpp"

#include <algorithm>
#include <limits>

namespace cohort {

namespace {

class writer {
public:
  explicit writer(std::size_t reserve) {
    out_.reserve(reserve);
    out_.push_back(static_cast<char>(wire_version));
  }
  void u64(std::uint64_t x) {
    while (x >= 0x80) {
      out_.push_back(static_cast<char>((x & 0x7f) | 0x80));
      x >>= 7;
    }
    out_.push_back(static_cast<char>(x));
  }
  void bytes(std::string_view s) {
    u64(s.size());
    out_.append(s);
  }
  std::string take() { return std::move(out_); }

private:
  std::string out_;
};

class reader {
public:
  explicit reader(std::string_view in) : in_(in) {
    if (in_.empty()) {
      throw wire_error("empty buffer");
    }
    if (static_cast<std::uint8_t>(in_.front()) != wire_version) {
      throw wire_error("wire format " + std::to_string(static_cast<std::uint8_t>(in_.front())) +
                       ", this build reads " + std::to_string(wire_version));
    }
    in_.remove_prefix(1);
  }
  std::uint64_t u64() {
    std::uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) {
        throw wire_error("truncated number");
      }
      auto b = static_cast<std::uint8_t>(in_.front());
      in_.remove_prefix(1);
      if (shift == 63 && b > 1) {
        throw wire_error("number beyond 64 bits");
      }
      x |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        // One encoding per number, so what decodes re-encodes to the same bytes.
        if (b == 0 && shift > 0) {
          throw wire_error("number not in its shortest form");
        }
        return x;
      }
    }
    throw wire_error("number beyond 64 bits");
  }
  std::uint32_t u32() {
    auto x = u64();
    if (x > std::numeric_limits<std::uint32_t>::max()) {
      throw wire_error("number beyond 32 bits");
    }
    return static_cast<std::uint32_t>(x);
  }
  std::string text() {
    auto n = u64();
    if (n > in_.size()) {
      throw wire_error("string of " + std::to_string(n) + " bytes with " +
                       std::to_string(in_.size()) + " left");
    }
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }
  /// A count of items of at least `min_size` bytes each: never more than the bytes left allow.
  std::size_t count(std::size_t min_size) {
    auto n = u64();
    if (n > in_.size() / min_size) {
      throw wire_error("count " + std::to_string(n) + " beyond the bytes left");
    }
    return static_cast<std::size_t>(n);
  }
  void finish() const {
    if (!in_.empty()) {
      throw wire_error(std::to_string(in_.size()) + " bytes after the end");
    }
  }

private:
  std::string_view in_;
};

// Smallest encodings: a task is five varints (data's length included), an answer six.
constexpr std::size_t min_task_bytes = 5;
constexpr std::size_t min_answer_bytes = 6;
constexpr std::size_t min_arg_bytes = 2;

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
  default:
    throw wire_error("unknown message kind");
  }
  r.finish();
  return out;
}

} // namespace cohort
