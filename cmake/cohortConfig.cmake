# Package config for an installed cohort: find_package(cohort) gives cohort::cohort_core.
include(CMakeFindDependencyMacro)
list(APPEND CMAKE_MODULE_PATH "${CMAKE_CURRENT_LIST_DIR}")
find_dependency(CAF)
find_dependency(spdlog)
find_dependency(nlohmann_json 3)
find_dependency(OpenSSL 3)
find_dependency(SQLite3)
include("${CMAKE_CURRENT_LIST_DIR}/cohortTargets.cmake")
