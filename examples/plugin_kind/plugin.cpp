// A plugin of job kinds for stock cohort processes, loaded with --kinds-from.
#include "kinds.hpp"

#include <cohort/plugin.hpp>

namespace {

void add_kinds(cohort::registry& kinds) {
  kinds.add(make_collatz_kind());
  kinds.add(make_pages_kind());
  kinds.add(make_linked_kind());
}

} // namespace

COHORT_KINDS(add_kinds)
