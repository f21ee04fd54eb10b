#!/usr/bin/env bash
# hhplus-load against a real stage with 2 apps on a free port base in a temporary directory:
#   - minimal-smoke passes all its checks (exit 0);
#   - a short issue-coupon run on a fresh coupon of 20 issues exactly 20 (audit invariant ✓,
#     thresholds evaluated, exit 0 or 99 — never 111), and every other issue attempt the run made
#     is refused as sold out (409 C001) or busy (503 S001: the lock wait budget) — counted from
#     the run's own samples, since how many of its 125 sign-ups a loaded machine serves in time
#     (503 S001: the hash wait budget) is the machine's pace, not what is tested;
#   - the same run with a threshold that must fail exits 99, and k6's summary shows ✗;
#   - issue-only keeps its session pool in SESSION_POOL_FILE: a second run reuses it and issues;
#   - an impossible option exits 104.
# Everything is stopped with ./stage down (by PID) whatever happens.
set -uo pipefail

kRepo=$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)
readonly kRepo
: "${HHPLUS_SERVER_BIN:?the app binary}" "${HHPLUS_LOAD_BIN:?the hhplus-load binary}"
export HHPLUS_SERVER_BIN

source "$kRepo/tests/e2e/lib/harness.sh"

# Cheap password hashing (1 MiB, 1 pass): sign-ups are the load here, not what is tested, and
# ASan makes the default cost (19 MiB, 2 passes) ~10× dearer — on a busy 2-core machine the
# 25 sign-ups/s of issue-coupon would queue past HASH_WAIT_MS. As faults_e2e does.
export ARGON2_MEMORY_KIB=1024 ARGON2_ITERATIONS=1

BASE=$(pick_port_base) || { echo "no free port range" >&2; exit 1; }
DIR=$(mktemp -d "${TMPDIR:-/tmp}/loadgen-e2e.XXXXXX")
stage() { "$kRepo/stage" --dir "$DIR/stage" --port-base "$BASE" "$@"; }
# shellcheck disable=SC2317  # called through the trap
cleanup() { stage down --purge >/dev/null 2>&1; rm -rf "$DIR"; }
trap cleanup EXIT

echo "loadgen e2e: stage in $DIR on port base $BASE"
if ! up_on_free_base BASE "$DIR/up.out" stage --apps 2 --strategy pubsub; then
    cat "$DIR/up.out"; echo "stage did not come up"; exit 1
fi
eval "$(stage env)"
load() { "$HHPLUS_LOAD_BIN" run "$@" --no-color -e BASE_URL="$BASE_URL" --admin-token "$ADMIN_TOKEN" \
             --redis lock="$REDIS_LOCK_URLS" --redis cache="$REDIS_CACHE_URL" --redis session="$REDIS_SESSION_URL"; }

load minimal-smoke > "$DIR/smoke.txt" 2>&1
rc=$?
check "minimal-smoke exits 0 (got $rc)" test "$rc" -eq 0
check "minimal-smoke shows its checks passed" grep -q "checks" "$DIR/smoke.txt"

readonly kQuantity=20
load issue-coupon -e COUPON_QUANTITY="$kQuantity" --summary-export "$DIR/issue.json" \
    --out json="$DIR/issue.ndjson" > "$DIR/issue.txt" 2>&1
rc=$?
check "issue-coupon exits 0 or 99, not 111 (got $rc)" test "$rc" -eq 0 -o "$rc" -eq 99
check "issue-coupon summary has the seed's metrics" grep -q "success_coupon_issue_rate" "$DIR/issue.txt"
# What the run did, from its own samples: "iterations attempts 201 C001 S001 other" (attempts =
# issue requests; an iteration whose sign-up was refused makes none).
read -r iterations attempts n201 c001 s001 other < <(node -e '
    const fs = require("fs");
    let it = 0, n = 0, ok = 0, sold = 0, busy = 0, other = 0;
    for (const line of fs.readFileSync(process.argv[1], "utf8").split("\n")) {
        if (!line.startsWith("{\"type\":\"Point\"")) continue;
        const p = JSON.parse(line);
        if (p.metric === "iterations") it += p.data.value;
        if (p.metric !== "http_reqs" || p.data.tags.name !== "issue") continue;
        const status = Number(p.data.tags.status), code = (p.data.metadata || {}).errorCode || "";
        n += 1;
        if (status === 201) ok += 1;
        else if (status === 409 && code === "C001") sold += 1;
        else if (status === 503 && code === "S001") busy += 1;
        else other += 1;
    }
    console.log(it, n, ok, sold, busy, other);' "$DIR/issue.ndjson" 2>/dev/null)
note "issue-coupon: ${iterations:-?} iterations, ${attempts:-?} issue attempts: ${n201:-?} × 201, ${c001:-?} × C001, ${s001:-?} × S001, ${other:-?} other"
check "every issue attempt answered 201, 409 C001 or 503 S001 (other: ${other:-none})" test "${other:-1}" -eq 0 -a "${attempts:-0}" -gt 0
# The premise: enough attempts that were not busy to sell the coupon out (125 planned for 20).
check "the run sold the coupon out (C001 seen: ${c001:-none})" test "${c001:-0}" -gt 0
check "exactly $kQuantity issued (got ${n201:-none} × 201 of ${attempts:-?} attempts)" test "${n201:-0}" -eq "$kQuantity"
check "every other attempt refused as sold out or busy: C001 + S001 = attempts − $kQuantity" \
    test "$((${c001:-0} + ${s001:-0}))" -eq "$((${attempts:-0} - kQuantity))"
sold=$(node -e 'const m=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).metrics;
                console.log((m.coupon_sold_out_count||{}).count||0)' "$DIR/issue.json" 2>/dev/null)
check "coupon_sold_out_count counts every C001 (${sold:-none} = ${c001:-?})" test "${sold:-x}" = "${c001:-y}"
check "invariant reported as held" grep -q "✓ coupon .*issuedQuantity == holderRows" "$DIR/issue.txt"
check "... with the sold-out clause (issuedQuantity == totalQuantity)" grep -q "^ *sold out (C001 seen .* so issuedQuantity == totalQuantity" "$DIR/issue.txt"

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

# issue-only with a session pool file (scripts/loadtest.sh --issue-only): the first run signs up
# its pool and writes the file; a second run on another fresh coupon signs nobody up and issues
# with the file's sessions — a session that did not work would answer 401, counted as "other".
readonly kPool=10
node -e '
  const o = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  Object.assign(o.scenarios.issue_only, {rate: 10, duration: "1s", preAllocatedVUs: 10, maxVUs: 10});
  o.thresholds = {};
  process.stdout.write(JSON.stringify(o));' "$kRepo/k6/options/issue-only.json" > "$DIR/only.json"
for round in 1 2; do
    load issue-only --options "$DIR/only.json" -e POOL_SIZE="$kPool" -e SESSION_POOL_FILE="$DIR/pool.tsv" \
        -e COUPON_QUANTITY="$kPool" --summary-export "$DIR/only$round.json" > "$DIR/only$round.txt" 2>&1
    rc=$?
    check "issue-only round $round exits 0 (got $rc)" test "$rc" -eq 0
    # "201s other": answers neither 201 nor S001 (the lock's wait budget on a loaded machine).
    read -r n201 other < <(node -e '
        const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).metrics;
        const c = k => (m[k] || {}).count || 0;
        console.log((m.success_coupon_issue_rate || {}).passes || 0,
                    c("errors_coupon_issue") - c("coupon_busy_count") + c("coupon_sold_out_count"));' \
        "$DIR/only$round.json" 2>/dev/null)
    check "issue-only round $round: some 201 (${n201:-none}) and no other answer (${other:-?})" \
        test "${n201:-0}" -gt 0 -a "${other:-1}" -eq 0
done
check "the first round wrote $kPool sessions" test "$(wc -l < "$DIR/pool.tsv")" -eq "$kPool"
check "the second round read them (setup from the file)" grep -q "from $DIR/pool.tsv" "$DIR/only2.txt"

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
    for round in 1 2; do echo "--- issue-only round $round ---"; tail -40 "$DIR/only$round.txt"; done
fi
echo "loadgen e2e: $failed check(s) failed"
exit $((failed > 0))
