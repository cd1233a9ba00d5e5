// The registry of job kinds.
#include "cohort/registry.hpp"

#include <stdexcept>

namespace cohort {

void registry::add(std::shared_ptr<const job_kind> kind) {
  std::string name(kind->name());
  if (!kinds_.emplace(name, std::move(kind)).second) {
    throw std::invalid_argument("job kind '" + name + "' is already registered");
  }
}

std::shared_ptr<const job_kind> registry::find(std::string_view name) const {
  auto i = kinds_.find(name);
  return i == kinds_.end() ? nullptr : i->second;
}

std::vector<std::string> registry::names() const {
  std::vector<std::string> out;
  for (const auto& entry : kinds_) {
    out.push_back(entry.first);
  }
  return out;
}

} // namespace cohort
