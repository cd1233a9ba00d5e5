// Redraws the progress block with ANSI cursor movement: up over the lines drawn, clear to the end
// of the screen, draw again; each line is cut to the width so that none wraps.
#include "app/terminal_progress.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <sys/ioctl.h>

namespace cohort::app {

terminal_progress::terminal_progress(std::FILE* term, std::function<std::size_t()> width)
    : term_(term), width_(std::move(width)) {}

void terminal_progress::show(const std::vector<job_progress_report>& jobs) {
  std::lock_guard lock(mutex_);
  jobs_.clear();
  for (const auto& j : jobs) {
    jobs_.emplace_back(progress_label(j), j);
  }
  erase();
  draw();
}

void terminal_progress::update(const job_progress_report& job) {
  std::lock_guard lock(mutex_);
  auto label = progress_label(job);
  auto i =
      std::find_if(jobs_.begin(), jobs_.end(), [&](const auto& e) { return e.first == label; });
  if (i == jobs_.end()) {
    jobs_.emplace_back(std::move(label), job);
  } else {
    i->second = job;
  }
  erase();
  draw();
}

void terminal_progress::ended(const std::string& json_line) {
  auto line = nlohmann::json::parse(json_line, nullptr, false);
  if (!line.is_object()) {
    return;
  }
  job_progress_report job;
  if (auto name = line.find("name"); name != line.end() && name->is_string()) {
    job.name = name->get<std::string>();
  } else if (auto id = line.find("id"); id != line.end() && id->is_number_unsigned()) {
    job.id = id->get<std::uint64_t>();
  } else {
    return;
  }
  const auto label = progress_label(job);
  std::lock_guard lock(mutex_);
  auto i =
      std::find_if(jobs_.begin(), jobs_.end(), [&](const auto& e) { return e.first == label; });
  if (i != jobs_.end()) {
    jobs_.erase(i);
    erase();
    draw();
  }
}

void terminal_progress::above(const std::function<void()>& write) {
  std::lock_guard lock(mutex_);
  erase();
  write();
  draw();
}

void terminal_progress::clear() {
  std::lock_guard lock(mutex_);
  jobs_.clear();
  erase();
}

void terminal_progress::erase() {
  if (drawn_ > 0) {
    std::fprintf(term_, "\x1b[%zuA\r\x1b[J", drawn_);
    std::fflush(term_);
    drawn_ = 0;
  }
}

void terminal_progress::draw() {
  const auto width = std::max<std::size_t>(width_(), 2);
  for (const auto& [label, job] : jobs_) {
    // One column short of the edge: a line that fills it wraps on some terminals.
    std::fprintf(term_, "%s\n", terminal_progress_line(job, width - 1).c_str());
  }
  drawn_ = jobs_.size();
  std::fflush(term_);
}

std::size_t terminal_width(int fd) {
  winsize ws{};
  if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
    return ws.ws_col;
  }
  return 80;
}

} // namespace cohort::app
