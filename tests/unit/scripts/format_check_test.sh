#!/usr/bin/env bash
# Unit test: every tracked C++ file is formatted as .clang-format says (clang-format 14, the
# Debian 12 version, installed by scripts/setup.sh: another version may lay out the same code
# differently). A file that fails shows the first lines of the change clang-format wants; fix with
#   clang-format-14 -i <file>
set -uo pipefail
repo=$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)
cd "$repo" || exit 1
format=$(command -v clang-format-14 || true)
[[ -n $format ]] || { echo "clang-format-14 is not installed (scripts/setup.sh)"; exit 1; }
files=()
mapfile -t files < <(git ls-files -- '*.cpp' '*.hpp' '*.h' 2>/dev/null)
if ((${#files[@]} == 0)); then
    mapfile -t files < <(find src tools tests bench -name '*.cpp' -o -name '*.hpp' -o -name '*.h')
fi
failed=0
passed=0
for f in "${files[@]}"; do
    [[ -f $f ]] || continue
    if "$format" --dry-run -Werror "$f" >/dev/null 2>&1; then
        passed=$((passed + 1))
    else
        echo "FAILED  clang-format $f"
        diff -u "$f" <("$format" "$f") | sed -n '1,12p' | sed 's/^/        /'
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
((failed == 0 && passed > 0))
