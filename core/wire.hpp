// The wire format of what a master and a worker actor in another process say to each other inside
// a sealed envelope: one byte string per message, so CAF serializes a single field and the MAC
// covers exactly the bytes that travel. Versioned by its first byte; decoding checks every length
// against what is left, so no input makes it allocate more than the bytes it was given.
#pragma once

#include "core/protocol.hpp"

#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cohort {

/// Bytes that are not a well-formed encoding; the message says what is wrong.
struct wire_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

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

using wire_message = std::variant<run_message, cancel_job_message, cancel_task_message, bye_message,
                                  answers_message, leave_message>;

std::string encode(const wire_message& m);
/// Throws wire_error on anything but a well-formed encoding.
wire_message decode(std::string_view bytes);

} // namespace cohort
