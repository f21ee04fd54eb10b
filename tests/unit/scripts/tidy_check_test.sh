#!/usr/bin/env bash
# Unit test: every translation unit of the build passes clang-tidy with the root .clang-tidy
# (clang-tidy 14, the Debian 12 version, installed by scripts/setup.sh).
#   tests/unit/scripts/tidy_check_test.sh BUILD_DIR [FILE…]
# BUILD_DIR holds compile_commands.json (every preset exports it); FILEs (paths from the
# repository root) narrow the run, e.g. to the files a change touched:
#   tests/unit/scripts/tidy_check_test.sh build/asan $(git diff --name-only HEAD -- '*.cpp')
# Without FILEs: every tracked .cpp file the build compiles.
#
# clang parses the tree with the gcc build's flags plus what clang needs for Boost 1.74's
# coroutines (see .clang-tidy): BOOST_ASIO_HAS_CO_AWAIT / BOOST_ASIO_HAS_STD_COROUTINE and
# -include utility; -Wno-unknown-warning-option for gcc-only warning flags (-Wno-error=restrict);
# -Wno-ambiguous-reversed-operator for RapidJSON 1.1.0's iterator comparisons, which C++20's
# rewritten operators make ambiguous to clang (fixed upstream after 1.1.0, Debian 12 ships 1.1.0).
set -uo pipefail
repo=$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)
cd "$repo" || exit 1
build=${1:?usage: tidy_check_test.sh BUILD_DIR [FILE…]}
shift
tidy=$(command -v clang-tidy-14 || true)
[[ -n $tidy ]] || { echo "clang-tidy-14 is not installed (scripts/setup.sh)"; exit 1; }
[[ -f $build/compile_commands.json ]] || { echo "no $build/compile_commands.json"; exit 1; }
# Parallel runs: one per core (each run is one clang front end, ~7 s of CPU for a file that
# includes Beast); TIDY_JOBS overrides.
jobs=${TIDY_JOBS:-$(nproc)}

files=("$@")
if ((${#files[@]} == 0)); then
    # Tracked sources that the build compiles (generated files under the build dir are not ours).
    mapfile -t files < <(node -e '
      const fs = require("fs"), path = require("path");
      const [db, root] = process.argv.slice(1);
      const seen = new Set();
      for (const e of JSON.parse(fs.readFileSync(db, "utf8"))) {
        const f = path.relative(root, path.resolve(e.directory, e.file));
        if (!f.startsWith("..") && !f.startsWith("build/")) seen.add(f);
      }
      console.log([...seen].sort().join("\n"));' "$build/compile_commands.json" "$repo")
fi
((${#files[@]} > 0)) || { echo "no files to check"; exit 1; }

out=$(mktemp -d "${TMPDIR:-/tmp}/tidy.XXXXXX")
trap 'rm -rf "$out"' EXIT
export tidy build out
# One log per file; a file passes when clang-tidy exits 0 (WarningsAsErrors: '*').
check_one() {
    local file=$1 log
    log="$out/$(printf '%s' "$file" | tr '/' '_').log"
    if "$tidy" -p "$build" --quiet \
        --extra-arg=-Wno-unknown-warning-option --extra-arg=-Wno-ambiguous-reversed-operator \
        --extra-arg=-DBOOST_ASIO_HAS_CO_AWAIT=1 --extra-arg=-DBOOST_ASIO_HAS_STD_COROUTINE=1 \
        --extra-arg=-include --extra-arg=utility "$file" >"$log" 2>&1; then
        echo "ok      $file"
    else
        echo "FAILED  $file"
        grep -E '(warning|error):' "$log" | grep -v 'warnings generated' | head -n 10 | sed 's/^/        /'
    fi
}
export -f check_one
# shellcheck disable=SC2016  # $1 is the inner bash's argument, expanded there
printf '%s\n' "${files[@]}" | xargs -P "$jobs" -I{} bash -c 'check_one "$1"' _ {} >"$out/results"
grep -v '^ok ' "$out/results"
passed=$(grep -c '^ok ' "$out/results")
failed=$(grep -c '^FAILED ' "$out/results")
echo "clang-tidy: $passed passed, $failed failed (of ${#files[@]})"
((failed == 0 && passed == ${#files[@]}))
