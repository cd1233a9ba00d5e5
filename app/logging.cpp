// A sink that hands each formatted line to the progress display, which erases its lines, prints
// the log line and draws them again.
#include "app/logging.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
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
  std::shared_ptr<spdlog::logger> logger;
  if (display) {
    logger = std::make_shared<spdlog::logger>(
        "cohort", std::make_shared<progress_aware_sink>(std::move(display)));
  } else {
    logger = spdlog::stderr_logger_mt("cohort");
  }
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(logger);
}

} // namespace cohort::app
