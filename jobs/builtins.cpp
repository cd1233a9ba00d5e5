// The registry holding the built-in job kinds.
#include "cohort/registry.hpp"

#include "jobs/chaos.hpp"
#include "jobs/exec.hpp"
#include "jobs/http_kind.hpp"
#include "jobs/primes.hpp"
#include "jobs/sleep.hpp"
#include "jobs/sql_kind.hpp"
#include "jobs/wordcount.hpp"

namespace cohort {

std::shared_ptr<registry> builtin_registry() {
  auto r = std::make_shared<registry>();
  r->add(make_primes_kind());
  r->add(make_wordcount_kind());
  r->add(make_sleep_kind());
  r->add(make_chaos_kind());
  r->add(make_exec_kind());
  r->add(make_http_kind());
  r->add(make_sql_kind());
  return r;
}

} // namespace cohort
