#!/usr/bin/env bash
# hhplus-load against a real stage with 2 apps on a free port base in a temporary directory:
#   - minimal-smoke passes all its checks (exit 0);
#   - a short issue-coupon run on a fresh coupon of 20 issues exactly 20 (audit invariant ✓,
#     thresholds evaluated, exit 0 or 99 — never 111);
#   - the same run with a threshold that must fail exits 99, and k6's summary shows ✗;
#   - an impossible option exits 104.
# Everything is stopped with ./stage down (by PID) whatever happens.
set -uo pipefail

kRepo=$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)
readonly kRepo
: "${HHPLUS_SERVER_BIN:?the app binary}" "${HHPLUS_LOAD_BIN:?the hhplus-load binary}"
export HHPLUS_SERVER_BIN

source "$kRepo/tests/e2e/lib/harness.sh"

BASE=$(pick_port_base) || { echo "no free port range" >&2; exit 1; }
DIR=$(mktemp -d "${TMPDIR:-/tmp}/loadgen-e2e.XXXXXX")
stage() { "$kRepo/stage" --dir "$DIR/stage" --port-base "$BASE" "$@"; }
# shellcheck disable=SC2317  # called through the trap
cleanup() { stage down --purge >/dev/null 2>&1; rm -rf "$DIR"; }
trap cleanup EXIT

echo "loadgen e2e: stage in $DIR on port base $BASE"
if ! stage up --apps 2 --strategy pubsub; then
    echo "stage did not come up"; exit 1
fi
eval "$(stage env)"
load() { "$HHPLUS_LOAD_BIN" run "$@" --no-color -e BASE_URL="$BASE_URL" --admin-token "$ADMIN_TOKEN" \
             --redis lock="$REDIS_LOCK_URLS" --redis cache="$REDIS_CACHE_URL" --redis session="$REDIS_SESSION_URL"; }

load minimal-smoke > "$DIR/smoke.txt" 2>&1
rc=$?
check "minimal-smoke exits 0 (got $rc)" test "$rc" -eq 0
check "minimal-smoke shows its checks passed" grep -q "checks" "$DIR/smoke.txt"

load issue-coupon -e COUPON_QUANTITY=20 --summary-export "$DIR/issue.json" > "$DIR/issue.txt" 2>&1
rc=$?
check "issue-coupon exits 0 or 99, not 111 (got $rc)" test "$rc" -eq 0 -o "$rc" -eq 99
check "issue-coupon summary has the seed's metrics" grep -q "success_coupon_issue_rate" "$DIR/issue.txt"
issued=$(node -e 'const m=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).metrics;
                  console.log((m.success_coupon_issue_rate||{}).passes||0)' "$DIR/issue.json" 2>/dev/null)
check "exactly 20 issued of 125 attempts (got ${issued:-none})" test "${issued:-0}" -eq 20
sold=$(node -e 'const m=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).metrics;
                console.log((m.coupon_sold_out_count||{}).count||0)' "$DIR/issue.json" 2>/dev/null)
check "the other 105 were sold out (got ${sold:-none})" test "${sold:-0}" -eq 105
check "invariant reported as held" grep -q "✓ coupon .*issuedQuantity == holderRows" "$DIR/issue.txt"

# A threshold no run can meet: exit 99 and a ✗ in the summary.
node -e '
  const o = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  o.scenarios.issue_coupon.duration = "1s";
  o.thresholds = {"http_req_duration": ["max<0"]};
  process.stdout.write(JSON.stringify(o));' "$kRepo/k6/options/issue-coupon.json" > "$DIR/failing.json"
load issue-coupon --options "$DIR/failing.json" -e COUPON_QUANTITY=5 > "$DIR/failing.txt" 2>&1
rc=$?
check "a failed threshold exits 99 (got $rc)" test "$rc" -eq 99
check "the failed threshold is marked ✗" grep -q "✗" "$DIR/failing.txt"

"$HHPLUS_LOAD_BIN" run issue-coupon --vus -3 --duration 1s > "$DIR/bad.txt" 2>&1
rc=$?
check "invalid options exit 104 (got $rc)" test "$rc" -eq 104

if ((failed)); then
    echo "--- stage ---"; stage ps
    for part in hhplus-e-commerce-app-1 scale-nginx scale-mysql; do
        echo "--- log of $part ---"; stage logs "$part" 2>&1 | tail -15
    done
    echo "--- minimal-smoke output ---"; tail -40 "$DIR/smoke.txt"
    echo "--- issue-coupon output ---"; cat "$DIR/issue.txt"
    echo "--- failing-threshold output ---"; tail -30 "$DIR/failing.txt"
fi
echo "loadgen e2e: $failed check(s) failed"
exit $((failed > 0))
