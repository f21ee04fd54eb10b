#!/usr/bin/env bash
# README command 2: install what is missing, build, and run the test suite.
#   scripts/test.sh                 unit + integration + e2e (what CI runs)
#   scripts/test.sh --slow          the same plus the long `slow` tests
#   scripts/test.sh -L unit         only one level (any extra arguments go to ctest)
# Then the same selection of the libFuzzer runs, built by the fuzz preset (clang) in build/fuzz.
# PRESET=release|debug|asan picks the build (default asan: tests run under ASan + UBSan).
set -euo pipefail
cd "$(dirname "$0")/.."

slow=0
ctest_args=()
for arg in "$@"; do
  case "$arg" in
    --slow) slow=1 ;;
    *) ctest_args+=("$arg") ;;
  esac
done

scripts/setup.sh
preset=${PRESET:-asan}
export HHPLUS_WERROR=ON
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"

# Sanitizer settings: fail on the first report, no leak noise from the system's own libraries.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

label_exclude=(-LE slow)
((slow)) && label_exclude=()
if ((${#ctest_args[@]} == 0)); then
  ctest_args=(-L 'unit|integration|e2e')
fi
# -j2: the machine has two cores; every test starts its own servers on free ports, so they can
# run side by side. Both suites run even when the first fails; the script fails if either did.
status=0
ctest --test-dir "build/$preset" --output-on-failure -j2 "${label_exclude[@]}" "${ctest_args[@]}" ||
  status=1

# The fuzz targets need clang's libFuzzer, so they have their own preset and build dir
# (build/fuzz); the same label filter picks their runs (fuzz_* are integration, *_long also slow).
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
ctest --test-dir build/fuzz --output-on-failure -j2 "${label_exclude[@]}" "${ctest_args[@]}" ||
  status=1
exit "$status"
