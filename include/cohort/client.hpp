// The client API: a session with a serving master (`cohort master --serve`) from another process,
// to submit jobs, wait for their lines, cancel them, list them and ask for the master's status.
// `cohort submit`, `wait`, `jobs`, `cancel` and `status` are thin shells over it.
#pragma once

#include "cohort/endpoint.hpp"
#include "cohort/job_outcome.hpp"
#include "cohort/job_request.hpp"
#include "cohort/network_settings.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace cohort {

struct client_options {
  endpoint master;
  /// TLS files, and the secret to prove: `client_token` when given, else `token`.
  network_settings network;
  /// Connecting (and reconnecting) gives up after this long.
  std::chrono::nanoseconds connect_timeout = std::chrono::seconds(10);
  /// Connecting gives up at once when this turns true (a stop signal); none: never.
  std::function<bool()> give_up;
  /// Told, in a sentence, when wait() lost the master and when it reached it again.
  std::function<void(const std::string&)> on_notice;
};

/// The master cannot be reached, refused the session, or the session was lost.
struct client_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The master refused a request as bad input (an unknown kind, a bad parameter, a path outside
/// its --data-dir roots): the same one-line message a command line gets.
struct request_refused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// What the master sent on its own: a job this client waits for ended, a progress line of one of
/// its jobs, or a line for the records file of one of its jobs (an exec joblog).
struct client_event {
  enum class type { line, progress, record };
  type what = type::line;
  std::uint64_t job = 0;
  /// For a line.
  job_status status = job_status::failed;
  std::string text;
  /// For a record: the file, as the job's records parameter names it.
  std::string file;
};

class client {
public:
  /// Connects and opens a session; throws client_error naming the master and why not.
  explicit client(client_options opts);
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Submits jobs (all are checked by the master before any runs; throws request_refused) and
  /// returns their numbers in order. With `wait`, their lines come as events; with `progress`,
  /// their progress lines too.
  std::vector<std::uint64_t> submit(const std::vector<job_request>& jobs, bool wait,
                                    bool progress = false);
  /// Asks for the lines of these jobs as they end (at once for those ended already); throws
  /// request_refused naming the ones the master does not know.
  void watch(const std::vector<std::uint64_t>& ids, bool progress = false);
  /// Cancels these jobs; returns those that were unknown or had ended already.
  std::vector<std::uint64_t> cancel(const std::vector<std::uint64_t>& ids);
  /// One JSON line per job: running and queued, with `all` the ended ones the master keeps too.
  std::vector<std::string> jobs(bool all = false);
  /// The master's status as one JSON object: workers, running and queued jobs, uptime_s.
  std::string status();

  /// The next event, waiting at most `timeout`; nothing when none came. Throws client_error when
  /// the master went.
  std::optional<client_event> next_event(std::chrono::nanoseconds timeout);

  /// Waits for the lines of `ids` (watched or submitted with `wait`) and returns them in that
  /// order, calling on_line as each ends in order and on_progress for each progress line; the
  /// jobs' records are appended to their files here, on the client's side (throws client_error
  /// when one cannot be written), and only to files that a parameter of the job names. When
  /// cancel_requested() turns true the jobs are cancelled once and their lines still awaited.
  /// When the master goes (a restart on its journal) it reconnects within connect_timeout and
  /// waits on; throws client_error when it cannot, or when the master no longer knows the jobs.
  std::vector<job_outcome> wait(const std::vector<std::uint64_t>& ids,
                                const std::function<void(const job_outcome&)>& on_line = {},
                                const std::function<void(const std::string&)>& on_progress = {},
                                const std::function<bool()>& cancel_requested = {});

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace cohort
