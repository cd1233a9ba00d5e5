// How cohort names hosts and worker actors in logs and stats ("host/pid/n").
#pragma once

#include <cstdint>
#include <string>

namespace cohort {

std::string host_name();
std::string worker_id(const std::string& host, std::uint32_t n);

} // namespace cohort
