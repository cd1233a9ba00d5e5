# Package config for an installed cohort: find_package(cohort) gives cohort::cohort_core, and
# cohort::plugin for a plugin of job kinds (headers only).
include(CMakeFindDependencyMacro)
list(APPEND CMAKE_MODULE_PATH "${CMAKE_CURRENT_LIST_DIR}")
find_dependency(CAF)
find_dependency(spdlog)
find_dependency(nlohmann_json 3)
find_dependency(OpenSSL 3)
find_dependency(SQLite3)
find_dependency(Threads)
find_dependency(Boost 1.74)
find_dependency(PkgConfig)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET GLOBAL cpp-httplib>=0.11)
include("${CMAKE_CURRENT_LIST_DIR}/cohortTargets.cmake")
