#!/usr/bin/env bash
# The soak test (tools/reliability/soak.sh) as a CTest: every argument goes to soak.sh.
#   1. a real run on its own stage (temporary directory, free port base) must pass every
#      criterion (exit 0), and leave summary.json (verdict pass) and report.html (with charts);
#   2. the judge must be able to fail: tampered copies of that run's own samples — RSS grown by
#      10 % at the end in one app, fds grown in another, a Pub/Sub channel left on the lock role,
#      a broken audit — each make tools/reliability/soak_report.js exit 1 on that criterion.
# soak.sh stops its stage (./stage down --purge, by PID) whatever happens.
set -uo pipefail

kRepo=$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)
readonly kRepo
: "${HHPLUS_SERVER_BIN:?the app binary}" "${HHPLUS_LOAD_BIN:?the hhplus-load binary}"
export HHPLUS_SERVER_BIN HHPLUS_LOAD_BIN

source "$kRepo/tests/e2e/lib/harness.sh"

DIR=$(mktemp -d "${TMPDIR:-/tmp}/soak-e2e.XXXXXX")
# shellcheck disable=SC2317  # called through the trap
cleanup() { rm -rf "$DIR"; }
trap cleanup EXIT

out=$DIR/out
echo "soak e2e: tools/reliability/soak.sh $* --out $out"
uptime
"$kRepo/tools/reliability/soak.sh" "$@" --out "$out"
rc=$?
check "soak.sh passes every criterion (exit $rc)" test "$rc" -eq 0
verdict=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).verdict)' \
    "$out/summary.json" 2>/dev/null)
check "summary.json says pass (got ${verdict:-nothing})" test "$verdict" = pass
check "report.html has its charts" grep -q '<svg' "$out/report.html"

# --- the judge can fail ----------------------------------------------------------------------------
# tamper NAME JS: copies the run, applies JS to (samples, meta, audit) and judges the copy again.
# JS sees `samples` (array of sample objects), `meta` and `audit` and changes them in place.
tamper() {
    local name=$1 js=$2 copy=$DIR/$1
    mkdir -p "$copy"
    cp "$out"/{meta.json,samples.ndjson,audit.json,load-summary.json} "$copy"/ 2>/dev/null
    ln -s "$out/load.ndjson" "$copy/load.ndjson"
    node -e '
      const fs = require("fs"), dir = process.argv[1];
      const samples = fs.readFileSync(dir + "/samples.ndjson", "utf8").trim().split("\n").map(JSON.parse);
      const meta = JSON.parse(fs.readFileSync(dir + "/meta.json", "utf8"));
      const audit = JSON.parse(fs.readFileSync(dir + "/audit.json", "utf8"));
      const judged = samples.filter((s) => s.phase === "load" && s.elapsed_s >= meta.warmup_s && s.elapsed_s < meta.duration_s);
      (function () { '"$js"' })();
      fs.writeFileSync(dir + "/samples.ndjson", samples.map((s) => JSON.stringify(s)).join("\n") + "\n");
      fs.writeFileSync(dir + "/meta.json", JSON.stringify(meta));
      fs.writeFileSync(dir + "/audit.json", JSON.stringify(audit));' "$copy" || return 2
    node "$kRepo/tools/reliability/soak_report.js" "$copy" --no-html >"$copy/verdict.txt" 2>&1
}
expect_failure() { # NAME PATTERN JS
    local name=$1 pattern=$2 js=$3 rc
    tamper "$name" "$js"
    rc=$?
    check "judge fails a run with $name (exit $rc)" test "$rc" -eq 1
    check "… naming it ($pattern)" grep -q "^FAILED .*$pattern" "$DIR/$name/verdict.txt"
}
if [[ -f $out/samples.ndjson && -f $out/meta.json ]]; then
    # +10 % on app-1's second half of judged samples (the judge's end window never exceeds half):
    # growth ≈ 10 % > 5 %.
    expect_failure "RSS grown 10 % in app-1" "hhplus-e-commerce-app-1 RSS growth" '
      for (const s of judged.slice(Math.floor(judged.length / 2))) for (const a of s.apps) if (a.name === "hhplus-e-commerce-app-1") {
        a.rss_kib = Math.round(a.rss_kib * 1.10); a.rss_min_kib = Math.round(a.rss_min_kib * 1.10); }'
    # One fd more per judged sample in app-2: a slow leak.
    expect_failure "an fd leak in app-2" "hhplus-e-commerce-app-2 fds flat" '
      judged.forEach((s, i) => { for (const a of s.apps) if (a.name === "hhplus-e-commerce-app-2") a.fds += i; });'
    expect_failure "a Pub/Sub channel left on the lock role" "lock: no Pub/Sub channel" '
      const after = samples.filter((s) => s.phase === "after").pop(); after.redis.lock.pubsub_channels = 1;
      meta.pubsub_channels_left.lock = ["lock:released:coupon:1"];'
    expect_failure "issued ≠ holder rows" "audit: issuedQuantity == holderRows" '
      audit.holderRows = audit.issuedQuantity + 1;'
    expect_failure "a sanitizer report" "no AddressSanitizer" 'meta.sanitizer_hits = 1;'
fi

if ((failed)); then
    echo "--- soak output: $out ---"
    for f in stage-up.txt stage-down.txt sanitizer.txt; do
        [[ -s $out/$f ]] && { echo "--- $f ---"; tail -n 30 "$out/$f"; }
    done
    [[ -f $out/load.txt ]] && { echo "--- load.txt (end) ---"; tail -n 60 "$out/load.txt"; }
    for d in "$DIR"/*/; do
        [[ -f $d/verdict.txt ]] && { echo "--- tampered: $d ---"; grep -E '^FAILED|soak:' "$d/verdict.txt"; }
    done
fi
finish
