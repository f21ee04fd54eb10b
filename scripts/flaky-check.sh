#!/usr/bin/env bash
# Runs the timing-sensitive end-to-end tests several times each with one CPU kept busy beside
# them (stress-ng), the condition of a CI machine that is slower or busier than this one: a test
# whose verdict depends on the machine's pace, on what ran before it or on a timing margin fails
# here sooner or later. Prints a pass/fail table and the wall time; exits 1 when any run failed.
# See --help.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."

readonly kDefaultTests='^(soak_e2e|faults_e2e|attacks_e2e|loadgen_stage_e2e|stage_e2e|stage_monitoring_e2e|security_stage_e2e)$'
readonly kDefaultTimes=5
readonly kDefaultPreset=asan
# The hog's own --timeout, a safety net should this script be killed without running its trap
# (SIGKILL): every run's CTest TIMEOUT added up, plus this much for ctest's own start and end.
readonly kHogSlackSeconds=600

usage() {
  cat <<'EOF'
usage: scripts/flaky-check.sh [options]

Runs each selected CTest test N times (one ctest invocation per run, the tests taking turns:
round 1 runs every test once, then round 2 …) on an existing build, with `stress-ng --cpu 1`
keeping one CPU busy for the whole time, and prints per test how many runs passed, the runs that
failed and their wall times, then the total wall time. Exit status 1 when any run failed.

Options:
  --tests REGEX   which tests (a ctest -R regex; default: soak_e2e, faults_e2e, attacks_e2e,
                  loadgen_stage_e2e, stage_e2e, stage_monitoring_e2e, security_stage_e2e)
  --times N       runs per test (default 5)
  --preset P      the CMake preset whose build is tested (default asan: ASan + UBSan, as CI)
  --no-build      do not run `cmake --build --preset P` first (the build must exist)
  --no-hog        without the CPU hog (a plain repetition)
  --out DIR       where each run's ctest output goes (default reports/flaky-check-<UTC time>/)
  -h, --help      this text

stress-ng is installed with apt-get when missing (sudo unless root), as scripts/setup.sh does
for the rest. The hog is stopped by its PID when this script ends, also on Ctrl-C or SIGTERM.
Sanitizer options as scripts/test.sh: ASAN_OPTIONS / UBSAN_OPTIONS from the environment, else
halt on the first report.
EOF
}

die() { echo "flaky-check: error: $*" >&2; exit 2; }
say() { echo "flaky-check: $*" >&2; }

tests_regex=$kDefaultTests times=$kDefaultTimes preset=${PRESET:-$kDefaultPreset} build=1 hog=1 out=""
while (($#)); do
  case $1 in
    --tests) [[ $# -ge 2 ]] || die "--tests needs a regex"; tests_regex=$2; shift 2 ;;
    --times) [[ $# -ge 2 ]] || die "--times needs a number"; times=$2; shift 2 ;;
    --preset) [[ $# -ge 2 ]] || die "--preset needs a name"; preset=$2; shift 2 ;;
    --out) [[ $# -ge 2 ]] || die "--out needs a directory"; out=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --no-hog) hog=0; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done
[[ $times =~ ^[1-9][0-9]*$ ]] || die "--times must be a positive whole number (got '$times')"
for prog in cmake ctest python3; do command -v "$prog" >/dev/null || die "$prog is needed (scripts/setup.sh)"; done

if ((build)); then
  export HHPLUS_WERROR=${HHPLUS_WERROR:-ON}
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
fi
build_dir=build/$preset
[[ -f $build_dir/CTestTestfile.cmake ]] || die "no build in $build_dir (run without --no-build, or scripts/test.sh)"

# The selected tests and their CTest TIMEOUTs ("name timeout" per line), from ctest itself.
mapfile -t selected < <(ctest --test-dir "$build_dir" -R "$tests_regex" --show-only=json-v1 | python3 -c '
import json, sys
for t in json.load(sys.stdin)["tests"]:
    props = {p["name"]: p["value"] for p in t.get("properties", [])}
    print(t["name"], int(float(props.get("TIMEOUT", 1500))))')
((${#selected[@]} > 0)) || die "no test of $build_dir matches '$tests_regex'"

if ((hog)) && ! command -v stress-ng >/dev/null; then
  say "installing stress-ng (Debian package) for the CPU hog"
  if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); else sudo=(); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends stress-ng >/dev/null
  command -v stress-ng >/dev/null || die "stress-ng did not install"
fi

[[ -n $out ]] || out=reports/flaky-check-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out" || die "cannot create $out"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

hog_pid="" ctest_pid=""
# shellcheck disable=SC2317  # called through the traps
stop_pid() { # stop_pid PID: SIGTERM, then wait for it (it is our child)
  [[ -n $1 ]] || return 0
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
# shellcheck disable=SC2317  # called through the traps
stop_all() {
  stop_pid "$ctest_pid"   # ctest passes the signal on to the running test, whose driver stops its stage
  ctest_pid=""
  stop_pid "$hog_pid"
  hog_pid=""
}
trap stop_all EXIT
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM

if ((hog)); then
  budget=$kHogSlackSeconds
  for entry in "${selected[@]}"; do budget=$((budget + ${entry##* } * times)); done
  stress-ng --cpu 1 --timeout "${budget}s" >"$out/stress-ng.log" 2>&1 &
  hog_pid=$!
  say "CPU hog: stress-ng --cpu 1 --timeout ${budget}s (PID $hog_pid)"
fi

declare -A passes=() fails=() failed_runs=() min_s=() max_s=()
start=$SECONDS
say "${#selected[@]} test(s) × $times on $build_dir; load average $(cut -d' ' -f1-3 /proc/loadavg); logs in $out"
for ((round = 1; round <= times; round++)); do
  for entry in "${selected[@]}"; do
    name=${entry% *}
    if ((hog)) && ! kill -0 "$hog_pid" 2>/dev/null; then die "the CPU hog (PID $hog_pid) ended early: $out/stress-ng.log"; fi
    log=$out/$name-$round.log
    t0=$SECONDS
    # In the background, so that a signal to this script is handled at once, not after the run.
    # -V: the test's whole output goes to the log, passed or not (what a passing run measured).
    ctest --test-dir "$build_dir" -R "^${name}\$" -V >"$log" 2>&1 &
    ctest_pid=$!
    rc=0
    wait "$ctest_pid" || rc=$?
    ctest_pid=""
    if ((rc == 0)); then
      result=pass
      passes[$name]=$((${passes[$name]:-0} + 1))
    else
      result=FAIL
      fails[$name]=$((${fails[$name]:-0} + 1))
      failed_runs[$name]+="$round "
    fi
    took=$((SECONDS - t0))
    [[ -z ${min_s[$name]:-} ]] || ((took < min_s[$name])) && min_s[$name]=$took
    ((took > ${max_s[$name]:-0})) && max_s[$name]=$took
    say "round $round/$times: $name $result (${took}s, load average $(cut -d' ' -f1-3 /proc/loadavg))"
  done
done
wall=$((SECONDS - start))
stop_all

echo
printf '%-28s %-8s %-16s %s\n' TEST PASSED 'FAILED RUNS' 'WALL PER RUN'
any_failed=0
for entry in "${selected[@]}"; do
  name=${entry% *}
  ((${fails[$name]:-0} > 0)) && any_failed=1
  printf '%-28s %-8s %-16s %s\n' "$name" "${passes[$name]:-0}/$times" "${failed_runs[$name]:--}" \
    "${min_s[$name]}–${max_s[$name]} s"
done
echo
echo "wall time $((wall / 60)) min $((wall % 60)) s; hog: $( ((hog)) && echo 'stress-ng --cpu 1' || echo none); logs: $out"
if ((any_failed)); then
  echo "flaky-check: FAILED (the logs of the failed runs are $out/<test>-<run>.log)"
  exit 1
fi
echo "flaky-check: every run passed"
