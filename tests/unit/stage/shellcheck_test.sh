#!/usr/bin/env bash
# Unit test: ./stage and every shell script of the stage pass shellcheck (warnings included).
# ./stage is checked with -x so the libraries it sources are read in context; each library is
# also checked on its own.
set -uo pipefail
repo=$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)
cd "$repo" || exit 1
command -v shellcheck >/dev/null || { echo "shellcheck is not installed (scripts/setup.sh)"; exit 1; }
files=(stage tools/stage/*.sh deploy/nginx/render.sh tests/e2e/stage/*.sh tests/unit/stage/*.sh)
[[ -d tests/e2e/containers ]] && files+=(tests/e2e/containers/*.sh)
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
