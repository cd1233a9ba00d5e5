// The CAF settings a cohort process passes on: from its typed scheduler and network settings to
// CAF's keys, applied with typed sets and read back once the system runs.
#pragma once

#include "cohort/network_settings.hpp"
#include "cohort/scheduler_settings.hpp"

#include <caf/fwd.hpp>

#include <cstddef>
#include <map>
#include <string>

namespace cohort {

/// CAF's keys for a process: its scheduler (`threads` scheduler threads unless set), idle threads
/// that sleep at once instead of polling, and the heartbeat settings of its connections.
std::map<std::string, std::string> caf_keys(const scheduler_settings& scheduler,
                                            const network_settings& network, std::size_t threads);

/// Applies every setting; throws std::invalid_argument naming a key or value CAF would not take.
void apply_caf_settings(caf::actor_system_config& cfg,
                        const std::map<std::string, std::string>& settings);

/// Throws std::invalid_argument when the started system does not hold a setting as given.
void verify_caf_settings(const caf::actor_system_config& cfg,
                         const std::map<std::string, std::string>& settings);

} // namespace cohort
