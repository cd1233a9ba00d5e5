// A plugin: a shared library of job kinds that a stock `cohort master` and `cohort worker` load
// with --kinds-from. Here are the entry points it exports (COHORT_KINDS) and the call that loads
// one.
#pragma once

#include "cohort/registry.hpp"
#include "cohort/version.hpp"

#include <memory>
#include <stdexcept>
#include <string>

// The entry points, looked up by name with dlsym: the cohort version the plugin was built against
// (a plugin is loaded only by that same version), and the call that adds its kinds.
extern "C" {
const char* cohort_plugin_version();
void cohort_register_kinds(cohort::registry& kinds);
}

/// Defines both entry points in one source file of the plugin; `add_kinds` is a function taking
/// `cohort::registry&` that adds the plugin's kinds with `registry::add`.
#define COHORT_KINDS(add_kinds)                                                                    \
  extern "C" const char* cohort_plugin_version() {                                                 \
    return cohort::version.data();                                                                 \
  }                                                                                                \
  extern "C" void cohort_register_kinds(cohort::registry& kinds) {                                 \
    add_kinds(kinds);                                                                              \
  }

namespace cohort {

/// Why a plugin was not loaded; the message is one line naming the file.
struct plugin_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Loads the plugin at `path` (a path, never searched for in the library path) and returns the
/// kinds it registers. A plugin loaded stays loaded until the process ends: its kinds' code is
/// there. Throws plugin_error when the file is missing, is not a shared library, lacks the entry
/// points or a symbol it needs, was built against another cohort version, or its registration
/// throws. The process must export cohort's symbols (the `cohort` binary does; link an embedding
/// program with ENABLE_EXPORTS).
std::shared_ptr<registry> load_plugin(const std::string& path);

} // namespace cohort
