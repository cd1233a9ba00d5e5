// A plugin built against another cohort version (its entry point says 0.0.1): --kinds-from must
// refuse it before running any of its code.
#include <cohort/plugin.hpp>

#include <cstdlib>

extern "C" const char* cohort_plugin_version() {
  return "0.0.1";
}

extern "C" void cohort_register_kinds(cohort::registry&) {
  std::abort();
}
