// The CAF settings cohort accepts (scheduler.*, middleman.*), applied with typed sets and read
// back.
#pragma once

#include <caf/fwd.hpp>

#include <cstddef>
#include <map>
#include <string>

namespace cohort {

/// `given` with the runtime's scheduler defaults for a process of `threads` scheduler threads added
/// where not set: that many threads, and idle threads that sleep at once instead of polling.
std::map<std::string, std::string> with_scheduler_defaults(std::map<std::string, std::string> given,
                                                           std::size_t threads);

/// Applies every setting; throws std::invalid_argument naming a key or value CAF would not take.
void apply_caf_settings(caf::actor_system_config& cfg,
                        const std::map<std::string, std::string>& settings);

/// Throws std::invalid_argument when the started system does not hold a setting as given.
void verify_caf_settings(const caf::actor_system_config& cfg,
                         const std::map<std::string, std::string>& settings);

} // namespace cohort
