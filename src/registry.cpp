// The registry of job kinds, and the one holding the built-ins.
#include "cohort/registry.hpp"

#include "jobs/chaos.hpp"
#include "jobs/exec.hpp"
#include "jobs/primes.hpp"
#include "jobs/sleep.hpp"
#include "jobs/wordcount.hpp"

#include <stdexcept>

namespace cohort {

void registry::add(std::shared_ptr<const job_kind> kind) {
  std::string name(kind->name());
  if (!kinds_.emplace(name, std::move(kind)).second) {
    throw std::invalid_argument("job kind '" + name + "' is already registered");
  }
}

const job_kind* registry::find(std::string_view name) const {
  auto i = kinds_.find(name);
  return i == kinds_.end() ? nullptr : i->second.get();
}

std::vector<std::string> registry::names() const {
  std::vector<std::string> out;
  for (const auto& entry : kinds_) {
    out.push_back(entry.first);
  }
  return out;
}

std::shared_ptr<registry> builtin_registry() {
  auto r = std::make_shared<registry>();
  r->add(make_primes_kind());
  r->add(make_wordcount_kind());
  r->add(make_sleep_kind());
  r->add(make_chaos_kind());
  r->add(make_exec_kind());
  return r;
}

} // namespace cohort
