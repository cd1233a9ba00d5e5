// The wire format of what a master and a worker actor in another process say to each other inside
// a sealed envelope: one byte string per message, so CAF serializes a single field and the MAC
// covers exactly the bytes that travel. Versioned by its first byte; decoding checks every length
// against what is left, and bounds the number of items whose memory exceeds their bytes (strings,
// jobs), so no input makes it allocate much more than the bytes it was given.
#pragma once

#include "cohort/job_request.hpp"
#include "core/byte_codec.hpp"
#include "core/protocol.hpp"

#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cohort {

/// Bytes that are not a well-formed encoding; the message says what is wrong.
using wire_error = codec_error;

/// The format's version, the first byte of every buffer.
inline constexpr std::uint8_t wire_version = 1;

/// Master to worker: run these tasks (the master's batch number, the job, its tasks).
struct run_message {
  std::uint64_t batch = 0;
  job_desc job;
  std::vector<task_spec> tasks;
};

/// Master to worker: drop every task of a job.
struct cancel_job_message {
  std::uint64_t job = 0;
};

/// Master to worker: drop one attempt of a task (another attempt won).
struct cancel_task_message {
  std::uint64_t job = 0;
  std::uint64_t index = 0;
  std::uint32_t attempt = 0;
};

/// Master to worker: the master shuts down normally.
struct bye_message {};

/// Worker to master: answers of a batch, ahead of the rest or its last (`final`).
struct answers_message {
  std::uint64_t batch = 0;
  bool final = false;
  std::vector<task_result> answers;
};

/// Worker to master: this worker actor drains; give it nothing new.
struct leave_message {};

/// The most tags of a job, jobs of a submission, job numbers of a request and lines of a reply a
/// message may hold.
inline constexpr std::size_t max_wire_tags = 64;
inline constexpr std::size_t max_wire_jobs = 100'000;
inline constexpr std::size_t max_wire_ids = 100'000;
inline constexpr std::size_t max_wire_lines = 10'000'000;

/// Client to master: run these jobs; answered by a reply holding their numbers (or why not).
struct submit_message {
  std::uint64_t ref = 0;
  std::vector<job_request> jobs;
  /// Send this client the jobs' lines as they end.
  bool wait = false;
  /// Send this client the progress lines of its jobs.
  bool progress = false;
};

/// Client to master: send these jobs' lines as they end (at once for those ended already).
struct wait_message {
  std::uint64_t ref = 0;
  std::vector<std::uint64_t> ids;
  bool progress = false;
};

/// Client to master: cancel these jobs; the reply lists those that were unknown or had ended.
struct cancel_jobs_message {
  std::uint64_t ref = 0;
  std::vector<std::uint64_t> ids;
};

/// Client to master: the running and queued jobs (with `all`, the ended ones kept too).
struct list_message {
  std::uint64_t ref = 0;
  bool all = false;
};

/// Client to master: the status (workers, jobs, uptime).
struct status_message {
  std::uint64_t ref = 0;
};

/// Master to client: the answer to request `ref`: an error (the client exits 2 with it), job
/// numbers, or lines.
struct reply_message {
  std::uint64_t ref = 0;
  std::string error;
  std::vector<std::uint64_t> ids;
  std::vector<std::string> lines;
};

/// Master to client: a job this client waits for ended.
struct line_message {
  std::uint64_t id = 0;
  std::uint32_t status = 0;
  std::string json;
};

/// Master to client: a progress line of one of its jobs (`file` empty), or a line for the records
/// file `file` of its job `job` (an exec joblog), which the client appends to on its side.
struct note_message {
  std::uint64_t job = 0;
  std::string file;
  std::string text;
};

using wire_message =
    std::variant<run_message, cancel_job_message, cancel_task_message, bye_message, answers_message,
                 leave_message, submit_message, wait_message, cancel_jobs_message, list_message,
                 status_message, reply_message, line_message, note_message>;

std::string encode(const wire_message& m);
/// Throws wire_error on anything but a well-formed encoding.
wire_message decode(std::string_view bytes);

} // namespace cohort
