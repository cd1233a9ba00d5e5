// The shared secret that lets a worker join a master or a master attach a spawned worker.
#pragma once

#include <optional>
#include <string>

namespace cohort {

/// Why `given` does not satisfy `expected` (none set: anything goes), or nullopt when it does.
/// Compares in time independent of where the strings differ; never names the token itself.
std::optional<std::string> token_mismatch(const std::optional<std::string>& expected,
                                          const std::string& given);

} // namespace cohort
