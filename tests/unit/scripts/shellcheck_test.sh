#!/usr/bin/env bash
# Unit test: every shell script of the repository passes shellcheck (warnings included): the
# stage, the setup/test commands, the reliability tools and the e2e drivers. A quoting bug there
# breaks a user's run the way a compiler warning would break the build. Each file is checked with
# -x so the libraries it sources are read in context; each library is also checked on its own.
set -uo pipefail
repo=$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)
cd "$repo" || exit 1
command -v shellcheck >/dev/null || { echo "shellcheck is not installed (scripts/setup.sh)"; exit 1; }
# The tracked scripts; outside a git checkout (an exported tree), every *.sh outside build/.
files=()
mapfile -t files < <(git ls-files -- '*.sh' stage .ci/run 2>/dev/null)
if ((${#files[@]} == 0)); then
    mapfile -t files < <(find . -path ./build -prune -o -name '*.sh' -print)
    files+=(stage .ci/run)
fi
failed=0
passed=0
for f in "${files[@]}"; do
    [[ -f $f ]] || continue
    if shellcheck -x -P SCRIPTDIR "$f"; then
        passed=$((passed + 1))
    else
        echo "FAILED  shellcheck $f"
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
((failed == 0 && passed > 0))
