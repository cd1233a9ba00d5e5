// A sink that hands each formatted line to the progress display, which erases its lines, prints
// the log line and draws them again.
#include "app/logging.hpp"

#include "cohort/log.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <mutex>

namespace cohort::app {

namespace {

class progress_aware_sink : public spdlog::sinks::base_sink<std::mutex> {
public:
  explicit progress_aware_sink(std::shared_ptr<terminal_progress> display)
      : display_(std::move(display)) {}

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t text;
    formatter_->format(msg, text);
    display_->above([&] { std::fwrite(text.data(), 1, text.size(), stderr); });
  }
  void flush_() override { std::fflush(stderr); }

private:
  std::shared_ptr<terminal_progress> display_;
};

} // namespace

void set_up_logging(const std::string& level, std::shared_ptr<terminal_progress> display) {
  set_log_level(parse_log_level(level));
  if (display) {
    auto logger = spdlog::default_logger();
    logger->sinks() = {std::make_shared<progress_aware_sink>(std::move(display))};
    logger->set_pattern(log_pattern);
  }
}

} // namespace cohort::app
