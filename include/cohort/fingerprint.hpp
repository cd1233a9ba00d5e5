// A digest of what a job's tasks are made from (files, their sizes and times, commands), so that a
// master resuming a job from its journal can tell whether its task list is still the one it was.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cohort {

/// FNV-1a, 64 bits: it tells a changed input from an unchanged one; it proves nothing against
/// someone who forges inputs on purpose.
class fingerprint {
public:
  fingerprint& add(std::string_view bytes);
  fingerprint& add(std::uint64_t value);
  /// Sixteen hex digits.
  std::string hex() const;

private:
  std::uint64_t state_ = 0xcbf29ce484222325ULL;
};

} // namespace cohort
