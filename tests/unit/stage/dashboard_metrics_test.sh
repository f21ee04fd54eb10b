#!/usr/bin/env bash
# Unit test: every metric the Grafana dashboard queries is one the stage's Prometheus collects
# (deploy/monitoring/metrics.txt), and every app metric of that list is registered by the app
# (a string literal in src/). A renamed metric breaks this test, not a dashboard nobody looks at.
set -uo pipefail
repo=$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)
dashboard=$repo/deploy/monitoring/grafana/hhplus-stage.json
list=$repo/deploy/monitoring/metrics.txt

passed=0
failed=0
check() {
    local what=$1
    shift
    if "$@"; then passed=$((passed + 1)); echo "ok      $what"; else failed=$((failed + 1)); echo "FAILED  $what"; fi
}

declare -A known=() histogram=()
while read -r name source kind; do
    [[ -z $name || $name == \#* ]] && continue
    known[$name]=$source
    [[ ${kind:-} == histogram ]] && histogram[$name]=1
done <"$list"
check "the list names metrics" test "${#known[@]}" -gt 0

# The dashboard's queries (every "expr" value), and the metric names in them.
mapfile -t exprs < <(python3 -c '
import json, sys
for panel in json.load(open(sys.argv[1]))["panels"]:
    for target in panel.get("targets", []):
        print(target["expr"])' "$dashboard")
check "the dashboard has queries (${#exprs[@]})" test "${#exprs[@]}" -gt 0
declare -A used=()
for expr in "${exprs[@]}"; do
    while read -r name; do
        [[ -n $name ]] && used[$name]=1
    done < <(grep -oE '\b(hhplus|redis|mysql|nginx)_[a-z0-9_]+' <<<"$expr")
done
check "the queries use metrics (${#used[@]})" test "${#used[@]}" -gt 0
for name in $(printf '%s\n' "${!used[@]}" | sort); do
    base=$name
    for suffix in _bucket _sum _count; do
        if [[ $name == *"$suffix" && -n ${histogram[${name%"$suffix"}]:-} ]]; then base=${name%"$suffix"}; fi
    done
    check "dashboard metric $name is collected (${known[$base]:-not in metrics.txt})" test -n "${known[$base]:-}"
done

for name in $(printf '%s\n' "${!known[@]}" | sort); do
    [[ ${known[$name]} == app ]] || continue
    check "app metric $name is registered in src/" grep -rqF "\"$name\"" "$repo/src"
done

echo "$passed passed, $failed failed"
((failed == 0))
