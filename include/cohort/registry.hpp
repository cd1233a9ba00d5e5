// The job kinds a process knows by name: the built-ins plus whatever an embedding program adds.
#pragma once

#include "cohort/job.hpp"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cohort {

class registry {
public:
  /// Adds a kind; throws std::invalid_argument when its name is taken.
  void add(std::shared_ptr<const job_kind> kind);
  /// The kind called `name`, or null.
  std::shared_ptr<const job_kind> find(std::string_view name) const;
  std::vector<std::string> names() const;

private:
  std::map<std::string, std::shared_ptr<const job_kind>, std::less<>> kinds_;
};

/// A registry holding the built-in kinds: primes, wordcount, sleep, chaos, exec and http.
std::shared_ptr<registry> builtin_registry();

} // namespace cohort
