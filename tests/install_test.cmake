# Installs the build into a scratch prefix, then configures, builds and runs examples/custom_job against
# it with find_package(cohort), and builds examples/plugin_kind against it (cohort::plugin) and runs
# its kind on the installed cohort: proves the installed headers, library and package config are
# complete.
file(REMOVE_RECURSE "${WORK_DIR}")
function(run_step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "step failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
endfunction()
run_step(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${WORK_DIR}/prefix")
run_step(${CMAKE_COMMAND} -S "${SOURCE_DIR}/examples/custom_job" -B "${WORK_DIR}/build"
         -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release)
run_step(${CMAKE_COMMAND} --build "${WORK_DIR}/build")
run_step("${WORK_DIR}/build/custom_job")
run_step(${CMAKE_COMMAND} -S "${SOURCE_DIR}/examples/plugin_kind" -B "${WORK_DIR}/plugin_build"
         -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release)
run_step(${CMAKE_COMMAND} --build "${WORK_DIR}/plugin_build")
execute_process(COMMAND "${WORK_DIR}/prefix/bin/cohort" master --local-workers 1
                        --kinds-from "${WORK_DIR}/plugin_build/libcohort_example_kinds.so"
                        --job collatz --param below=100000
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "\"result\":{\"start\":77031,\"steps\":350}")
  message(FATAL_ERROR "the installed cohort ran the installed plugin's kind wrongly (${rc}):\n${out}\n${err}")
endif()
