#!/usr/bin/env bash
# Drives tools/reliability/faults.sh and checks its verdict and its report:
#   short  every fault on 4 apps (so kill3 really kills 3 and leaves one), 14 s phases (the load
#          before the fault; faults.sh keeps it going until a third of the phase after every app
#          is ready again, however long the fault took on this machine), low rates,
#          cheap password hashing (ARGON2_MEMORY_KIB=1024, 1 iteration: sign-ups are load here,
#          not what is tested, and ASan makes the default cost ~10× dearer) — the CI variant;
#   full   every fault on 10 apps with 20 s phases and the default rates and hashing (slow);
#   orders the order rows (--only orders-kill3,orders-mysql,orders-relay: order-rush on a fresh
#          product under each fault) on 4 apps, as short otherwise, no charge run (slow).
# Checks: exit 0; faults.json lists every fault, each passed with wrong = 0; the report files
# exist; the specific evidence is there (a restarted app served again, the session survived, the
# app PIDs survived the MariaDB restart, the SIGSTOPped instance held the lock).
set -uo pipefail

kRepo=$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)
readonly kRepo
: "${HHPLUS_SERVER_BIN:?the app binary}" "${HHPLUS_LOAD_BIN:?the hhplus-load binary}"
export HHPLUS_SERVER_BIN HHPLUS_LOAD_BIN

# shellcheck source=tests/e2e/lib/harness.sh
source "$kRepo/tests/e2e/lib/harness.sh"

variant=${1:-short}
OUT=$(mktemp -d "${TMPDIR:-/tmp}/faults-e2e.XXXXXX")
# shellcheck disable=SC2317  # called through the trap
cleanup() { # a failed run keeps its report (raw samples, fault.env, ready.log) for a look
    if ((failed)); then echo "faults e2e: the report is kept in $OUT/report"; else rm -rf "$OUT"; fi
}
trap cleanup EXIT

expected_faults="kill1 kill3 lock session mysql sigstop"
case $variant in
    short)
        export ARGON2_MEMORY_KIB=1024 ARGON2_ITERATIONS=1
        args=(--apps 4 --phase-duration 14 --rate 8 --charge-rate 4) ;;
    full) args=(--apps 10 --phase-duration 20) ;;
    orders)
        export ARGON2_MEMORY_KIB=1024 ARGON2_ITERATIONS=1
        expected_faults="orders-kill3 orders-mysql orders-relay"
        args=(--apps 4 --phase-duration 14 --rate 8 --charge-rate 0 --only "${expected_faults// /,}") ;;
    *) echo "usage: $0 short|full|orders" >&2; exit 2 ;;
esac

echo "faults e2e ($variant): tools/reliability/faults.sh ${args[*]}"
"$kRepo/tools/reliability/faults.sh" "${args[@]}" --out "$OUT/report" 2>&1 | tee "$OUT/console.txt"
rc=${PIPESTATUS[0]}
check "faults.sh exits 0 (got $rc)" test "$rc" -eq 0
check "faults.md written" test -s "$OUT/report/faults.md"
check "faults.json written" test -s "$OUT/report/faults.json"

# One line per fault: "fault passed wrong" and the evidence keys the driver checks below.
summary=$(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    for (const f of r.faults) console.log(f.fault, f.passed, f.wrong, f.requests);' "$OUT/report/faults.json" 2>/dev/null)
for fault in $expected_faults; do
    line=$(grep "^$fault " <<<"$summary")
    check "$fault ran" test -n "$line"
    # (not "passed"/"failed": those are the harness's counters)
    read -r _ f_passed f_wrong f_requests <<<"$line"
    check "$fault: passed, wrong = 0 (passed=${f_passed:-?} wrong=${f_wrong:-?}, ${f_requests:-?} requests)" \
        test "${f_passed:-}" = true -a "${f_wrong:-1}" = 0
done
env_of() { grep -h "^$2=" "$OUT/report/"*"-$1/fault.env" 2>/dev/null | head -1 | cut -d= -f2-; }
if [[ $variant == orders ]]; then
    check "orders-kill3 killed 3 apps" test "$(env_of orders-kill3 killed | wc -w)" -eq 3
    check "the killed apps rejoined" test "$(env_of orders-kill3 rejoined)" = yes
    check "the apps kept their PIDs through the MariaDB restart" test "$(env_of orders-mysql pids_unchanged)" = yes
    note "ranking after the relay crash: $(env_of orders-relay ranking_units) units"
else
    check "kill3 killed 3 apps" test "$(env_of kill3 killed | wc -w)" -eq 3
    check "the killed apps rejoined" test "$(env_of kill3 rejoined)" = yes
    check "the session survived the session Redis restart" test "$(env_of session session_survived)" = yes
    check "the apps kept their PIDs through the MariaDB restart" test "$(env_of mysql pids_unchanged)" = yes
    check "the SIGSTOPped instance held the coupon lock" test "$(env_of sigstop holder_caught)" = yes
    note "sigstop evidence: lease_lost +$(env_of sigstop ev_lease_lost), fenced +$(env_of sigstop ev_fenced), lock_lost +$(env_of sigstop ev_lock_lost)"
fi

if ((failed)); then
    for f in "$OUT/report/"*/result.json; do
        echo "--- $f ---"
        node -e 'const r = require(process.argv[1]); for (const c of r.checks) if (!c.ok) console.log("✗", c.name, c.detail); console.log(JSON.stringify(r.byStatus));' "$f"
    done
fi
finish
