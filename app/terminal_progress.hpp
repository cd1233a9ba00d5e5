// Progress on a terminal: one line per running job, redrawn in place, with log and result lines
// written above it so that nothing is torn.
#pragma once

#include "cohort/progress.hpp"

#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace cohort::app {

class terminal_progress {
public:
  /// Draws on `term`; `width` gives its columns (terminal_width() for a real one).
  terminal_progress(std::FILE* term, std::function<std::size_t()> width);

  /// Every line at once: these jobs, in this order (a master's own jobs).
  void show(const std::vector<job_progress_report>& jobs);
  /// One job's line, added or replaced (a client hears of its jobs one by one).
  void update(const job_progress_report& job);
  /// The job whose output `json_line` is has ended: its line goes.
  void ended(const std::string& json_line);
  /// Erases the lines, runs `write` (which prints whatever it prints), draws them again below.
  void above(const std::function<void()>& write);
  /// Erases the lines for good.
  void clear();

private:
  void erase();
  void draw();

  std::mutex mutex_;
  std::FILE* term_;
  std::function<std::size_t()> width_;
  /// The jobs' lines by label (name, or id), in the order they came.
  std::vector<std::pair<std::string, job_progress_report>> jobs_;
  std::size_t drawn_ = 0;
};

/// The columns of the terminal on `fd`, or 80 when it says nothing.
std::size_t terminal_width(int fd);

} // namespace cohort::app
