# One bounded libFuzzer run, as CTest starts it (tests/fuzz/CMakeLists.txt passes the -D values):
# a fresh copy of the seed corpus under WORK, so the run adds its finds there and never writes
# into the source tree; crash, leak and timeout inputs in WORK/artifacts/. Fails when libFuzzer
# exits non-zero (a crash, a sanitizer report, a broken FUZZ_CHECK, a leak or a slow unit).
foreach(var FUZZER SEEDS DICT WORK SECONDS SEED MAX_LEN UNIT_TIMEOUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_fuzz.cmake: -D ${var}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE ${WORK}/corpus)
file(MAKE_DIRECTORY ${WORK}/corpus ${WORK}/artifacts)
file(COPY ${SEEDS}/ DESTINATION ${WORK}/corpus)

execute_process(
  COMMAND ${FUZZER} -seed=${SEED} -max_total_time=${SECONDS} -max_len=${MAX_LEN}
          -timeout=${UNIT_TIMEOUT} -dict=${DICT} -artifact_prefix=${WORK}/artifacts/
          -print_final_stats=1 ${WORK}/corpus
  RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${FUZZER} exited with ${status}; inputs in ${WORK}/artifacts/ "
                      "(replay: ${FUZZER} ${WORK}/artifacts/<file>)")
endif()
