#!/usr/bin/env bash
# End-to-end test of `./stage up --monitoring`: Prometheus scrapes every app and exporter, every
# exporter metric of deploy/monitoring/metrics.txt exists, every query of the Grafana dashboard
# runs; changing the number of apps reloads Prometheus (same PID, new targets); --no-monitoring
# stops the monitoring parts. HHPLUS_SERVER_BIN names the app binary (CTest sets it).
set -uo pipefail

kRepo=$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)
readonly kRepo
readonly kStage=$kRepo/stage

source "$kRepo/tests/e2e/lib/harness.sh"

[[ -n ${HHPLUS_SERVER_BIN:-} && -x ${HHPLUS_SERVER_BIN} ]] || {
    echo "HHPLUS_SERVER_BIN must name the app binary (got '${HHPLUS_SERVER_BIN:-}')" >&2
    exit 2
}
export HHPLUS_SERVER_BIN

BASE=$(pick_port_base) || { echo "no free port range found" >&2; exit 1; }
DIR=$(mktemp -d "${TMPDIR:-/tmp}/stage-mon-e2e.XXXXXX")
OUT=$(mktemp -d "${TMPDIR:-/tmp}/stage-mon-e2e-out.XXXXXX")
echo "monitoring e2e: dir $DIR, port base $BASE, app binary $HHPLUS_SERVER_BIN"
st() { "$kStage" --dir "$DIR" --port-base "$BASE" "$@"; }

cleanup() {
    if ((failed > 0)) && [[ -d $DIR ]]; then
        st ps 2>&1
        local log
        for log in "$DIR"/scale-prometheus/log "$DIR"/scale-*-exporter/log; do
            [[ -f $log ]] && { echo "---- $log"; tail -n 10 "$log" | cut -c1-300; }
        done
    fi
    st down --purge >/dev/null 2>&1
    rm -rf "$DIR" "$OUT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Python reads Prometheus' JSON answers (the stage itself needs no JSON tool).
targets_up() { # targets_up N: Prometheus has N active targets, all up
    curl -s --max-time 10 "$PROM/api/v1/targets" | python3 -c '
import json, sys
targets = json.load(sys.stdin)["data"]["activeTargets"]
sys.exit(0 if len(targets) == int(sys.argv[1]) and all(t["health"] == "up" for t in targets) else 1)' "$1" 2>/dev/null
}
names_present() { # every exporter metric of metrics.txt is known to Prometheus
    local names
    names=$(curl -s --max-time 10 "$PROM/api/v1/label/__name__/values") || return 1
    awk '!/^#/ && NF >= 2 && $2 != "app" { print $1 }' "$kRepo/deploy/monitoring/metrics.txt" |
        python3 -c '
import json, sys
have = set(json.loads(sys.argv[1])["data"])
missing = [n.strip() for n in sys.stdin if n.strip() and n.strip() not in have]
print("missing:", " ".join(missing)) if missing else None
sys.exit(1 if missing else 0)' "$names"
}
# Prometheus scrapes every 5 s; whatever it has to show is waited for (wait_until, the harness's
# bound: ≥ 24 scrapes), never looked at once after a fixed sleep.
readonly kScrapeWait=$kHarnessSettleSeconds
all_parts_healthy() { [[ $(st ps 2>/dev/null | grep -c 'running (healthy)') == "$1" ]]; }

up_on_free_base BASE "$OUT/up.out" st --apps 2 --monitoring
check "up --apps 2 --monitoring succeeds" test $? = 0
PROM=http://127.0.0.1:$((BASE + 120))   # the base is known for sure once up has bound it
# ps probes each part once with a 2 s budget: on a busy machine one reading can say "unhealthy".
check "ps: 11 parts running (healthy)" wait_until "$kHarnessSettleSeconds" all_parts_healthy 11
# 2 apps + 3 Redis (through the redis exporter) + mysqld + nginx exporters + Prometheus itself.
check "Prometheus scrapes all 8 targets" wait_until "$kScrapeWait" targets_up 8

for ((i = 0; i < 10; i++)); do curl -s -o /dev/null --max-time 30 "http://127.0.0.1:$BASE/api/coupons/1"; done
st exec scale-redis-lock redis-cli PUBLISH monitoring-e2e hello >/dev/null 2>&1
check "every exporter metric of metrics.txt is collected" wait_until "$kScrapeWait" names_present
names_present || true   # prints what is missing, if anything

queries_ok() {
    python3 - "$kRepo/deploy/monitoring/grafana/hhplus-stage.json" "$PROM" <<'EOF'
import json, sys, urllib.parse, urllib.request
bad = 0
for panel in json.load(open(sys.argv[1]))["panels"]:
    for target in panel["targets"]:
        url = sys.argv[2] + "/api/v1/query?" + urllib.parse.urlencode({"query": target["expr"]})
        try:
            status = json.load(urllib.request.urlopen(url, timeout=30))["status"]
        except Exception as e:  # an invalid query answers 400
            status = str(e)
        if status != "success":
            print("query failed:", target["expr"], status)
            bad += 1
sys.exit(1 if bad else 0)
EOF
}
# An invalid query fails every time; a timeout of a busy machine does not, so retrying is no
# weaker a check.
check "every dashboard query runs on the stage's Prometheus" wait_until "$kScrapeWait" queries_ok
queries_ok || true   # prints the failed queries, if any
app_series() { curl -s --max-time 30 "$PROM/api/v1/query?query=hhplus_http_requests_total" | grep hhplus-e-commerce-app- >/dev/null; }
check "app requests reach Prometheus (hhplus_http_requests_total per app)" wait_until "$kScrapeWait" app_series

prom_pid=$(cat "$DIR/scale-prometheus/pid")
st up --apps 3 >"$OUT/up2.out" 2>&1
check "up --apps 3 keeps monitoring and succeeds" test $? = 0
check "... reloads Prometheus (same PID)" test "$(cat "$DIR/scale-prometheus/pid")" = "$prom_pid"
check "... which then scrapes the third app too (9 targets)" wait_until "$kScrapeWait" targets_up 9

st up --no-monitoring >"$OUT/up3.out" 2>&1
check "up --no-monitoring succeeds" test $? = 0
check "... stops Prometheus and the exporters" test "$(st ps 2>/dev/null | grep -cE 'scale-(prometheus|.*-exporter)')" = 0
monitoring_ports_free() {
    local offset
    for offset in 120 121 122 123 124; do port_free $((BASE + offset)) || return 1; done
}
check "... and their ports are free" wait_until "$kHarnessSettleSeconds" monitoring_ports_free

echo
echo "$passed passed, $failed failed"
((failed == 0))
