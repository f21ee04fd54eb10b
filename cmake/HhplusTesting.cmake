# hhplus_add_test(NAME <name> SOURCES <files...> LIBS <targets...> LABELS <labels...> [TIMEOUT <s>])
# Builds one GoogleTest executable and registers it as one CTest test with the given labels
# (unit, integration, e2e, bench, slow). One executable per test file keeps each level runnable alone
# and lets ctest -j run them in parallel (every server a test needs is started on free ports).
function(hhplus_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main)
  target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR})
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)  # generous: a loaded 2-core machine must not make a test flaky
  endif()
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "HHPLUS_SOURCE_DIR=${PROJECT_SOURCE_DIR};HHPLUS_BUILD_DIR=${PROJECT_BINARY_DIR}")
endfunction()
