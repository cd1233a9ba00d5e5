// Loading a plugin: dlopen, the version check, then its registration into a registry of its own.
#include "cohort/plugin.hpp"

#include <dlfcn.h>

#include <exception>
#include <string_view>

namespace cohort {

namespace {

struct library_closer {
  void operator()(void* handle) const { dlclose(handle); }
};
using library = std::unique_ptr<void, library_closer>;

/// The entry point `name` of `lib`, as a function of type F; plugin_error when it has none.
template <class F> F* entry_point(void* lib, const char* name, const std::string& path) {
  dlerror();
  void* symbol = dlsym(lib, name);
  if (symbol == nullptr) {
    throw plugin_error(path + ": not a cohort plugin (it exports no " + name +
                       "; see COHORT_KINDS in cohort/plugin.hpp)");
  }
  return reinterpret_cast<F*>(symbol);
}

} // namespace

std::shared_ptr<registry> load_plugin(const std::string& path) {
  // dlopen searches the library path for a name without a slash; a file named here is a file.
  const auto file = path.find('/') == std::string::npos ? "./" + path : path;
  // RTLD_NOW: a symbol the plugin needs and this process lacks fails here, not mid-job.
  library lib(dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL));
  if (!lib) {
    throw plugin_error(dlerror());
  }
  auto* built_against =
      entry_point<decltype(cohort_plugin_version)>(lib.get(), "cohort_plugin_version", path);
  auto* register_kinds =
      entry_point<decltype(cohort_register_kinds)>(lib.get(), "cohort_register_kinds", path);
  const std::string_view theirs = built_against();
  if (theirs != version) {
    throw plugin_error(path + ": built against cohort " + std::string(theirs) +
                       ", this is cohort " + std::string(version) +
                       "; build it again against this version");
  }
  auto kinds = std::make_shared<registry>();
  try {
    register_kinds(*kinds);
  } catch (const std::exception& e) {
    throw plugin_error(path + ": registering its kinds failed: " + e.what());
  }
  // Its kinds' code and vtables live in the library: it stays loaded for good.
  static_cast<void>(lib.release());
  return kinds;
}

} // namespace cohort
