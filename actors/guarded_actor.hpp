// The base of every actor another process can reach (the master, worker actors): exit, down and
// error messages are dropped before they reach its mailbox, because CAF 0.17 obeys an exit with
// reason `kill` before any handler could refuse it and ends an actor on an error by default. These
// actors stop on local orders only and learn of deaths through attach hooks (actors/watch.hpp).
#pragma once

#include "core/dropped_messages.hpp"

#include <caf/error.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>
#include <spdlog/spdlog.h>

#include <string>

namespace cohort {

/// Counts a message that proved nothing, and logs the count at most once a second.
inline void note_dropped(const std::string& what) {
  if (auto line = dropped().note(what)) {
    spdlog::warn("{}", *line);
  }
}

template <class State> class guarded_actor : public caf::stateful_actor<State> {
public:
  using caf::stateful_actor<State>::stateful_actor;

  void enqueue(caf::mailbox_element_ptr ptr, caf::execution_unit* eu) override {
    const auto& content = ptr->content();
    bool system = content.match_elements<caf::exit_msg>() ||
                  content.match_elements<caf::down_msg>() ||
                  (content.match_elements<caf::error>() && !ptr->mid.is_response());
    if (system) {
      note_dropped("an exit, down or error message");
      return;
    }
    caf::stateful_actor<State>::enqueue(std::move(ptr), eu);
  }
};

} // namespace cohort
