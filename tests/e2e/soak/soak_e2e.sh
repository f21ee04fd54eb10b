#!/usr/bin/env bash
# The soak test (tools/reliability/soak.sh) as a CTest: every argument goes to soak.sh.
#   1. a real run on its own stage (temporary directory, free port base) must pass every
#      criterion (exit 0), and leave summary.json (verdict pass) and report.html (with charts);
#   2. the judge must be able to fail: tampered copies of that run's own samples — RSS grown by
#      10 % at the end in one app, fds grown in another, a Pub/Sub channel left on the lock role,
#      a broken audit (the coupon's, or for --scenario order-rush the option's), a sanitizer report — each make tools/reliability/soak_report.js exit 1 on
#      that criterion and on no other (the untampered run passed every one, so any other failure
#      would be the judge reacting to something it should not);
#   3. the verdict must not depend on the machine's pace: the same run thinned to what a sampler
#      at the edge of its budget would have taken (passes of just under 2 intervals: every other
#      slot) still passes; thinned to one sample per 4 intervals, beyond the budget, it fails on
#      the sample count.
# soak.sh stops its stage (./stage down --purge, by PID) whatever happens.
set -uo pipefail

kRepo=$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)
readonly kRepo
: "${HHPLUS_SERVER_BIN:?the app binary}" "${HHPLUS_LOAD_BIN:?the hhplus-load binary}"
export HHPLUS_SERVER_BIN HHPLUS_LOAD_BIN

source "$kRepo/tests/e2e/lib/harness.sh"

DIR=$(mktemp -d "${TMPDIR:-/tmp}/soak-e2e.XXXXXX")
# A failed run's samples, report and app logs are what explains it: kept (and named) then.
# shellcheck disable=SC2317  # called through the trap
cleanup() {
    if ((failed)); then echo "soak e2e: run kept for inspection: $DIR"; else rm -rf "$DIR"; fi
}
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
# Criteria that failed in a judged copy, other than those matching PATTERN (nothing when none).
other_failures() { grep '^FAILED' "$DIR/$1/verdict.txt" | grep -v -- "$2"; }
expect_failure() { # NAME PATTERN JS
    local name=$1 pattern=$2 js=$3 rc
    tamper "$name" "$js"
    rc=$?
    check "judge fails a run with $name (exit $rc)" test "$rc" -eq 1
    check "… naming it ($pattern)" grep -q "^FAILED .*$pattern" "$DIR/$name/verdict.txt"
    check "… and nothing else ($(other_failures "$name" "$pattern" | head -n 3 | tr '\n' ' '))" \
        test -z "$(other_failures "$name" "$pattern")"
}
# JS that keeps, of the load samples, those a sampler would have taken whose every pass took just
# under K intervals: the samples on slots 0, K, 2K, … of the t0 + k × interval grid (where the run
# itself missed such a slot, the next sample it took).
thin_js() { # K
    printf '%s' '
      const k = '"$1"', load = samples.filter((s) => s.phase === "load"), rest = samples.filter((s) => s.phase !== "load");
      const kept = [];
      let next = 0;
      for (const s of load) {
        const slot = Math.round(s.elapsed_s / meta.interval_s);
        if (slot < next) continue;
        kept.push(s);
        next = slot + k;
      }
      samples.splice(0, samples.length, ...kept, ...rest);'
}
# Post-warm-up samples in a run directory's samples.ndjson.
judged_count() {
    node -e '
      const fs = require("fs"), dir = process.argv[1];
      const meta = JSON.parse(fs.readFileSync(dir + "/meta.json", "utf8"));
      const n = fs.readFileSync(dir + "/samples.ndjson", "utf8").trim().split("\n").map(JSON.parse)
        .filter((s) => s.phase === "load" && s.elapsed_s >= meta.warmup_s && s.elapsed_s < meta.duration_s).length;
      console.log(n);' "$1"
}
if [[ -f $out/samples.ndjson && -f $out/meta.json ]]; then
    # +10 % on app-1's second half of judged samples (the judge's end window never exceeds half):
    # growth ≈ 10 % > 5 %.
    expect_failure "RSS grown 10 % in app-1" "hhplus-e-commerce-app-1 RSS growth" '
      for (const s of judged.slice(Math.floor(judged.length / 2))) for (const a of s.apps) if (a.name === "hhplus-e-commerce-app-1") {
        if (a.rss_kib !== null) a.rss_kib = Math.round(a.rss_kib * 1.10);
        if (a.rss_retained_kib !== null) a.rss_retained_kib = Math.round(a.rss_retained_kib * 1.10); }'
    # One fd more per judged sample in app-2: a slow leak.
    expect_failure "an fd leak in app-2" "hhplus-e-commerce-app-2 fds flat" '
      judged.forEach((s, i) => { for (const a of s.apps) if (a.name === "hhplus-e-commerce-app-2") a.fds += i; });'
    expect_failure "a Pub/Sub channel left on the lock role" "lock: no Pub/Sub channel" '
      const after = samples.filter((s) => s.phase === "after").pop(); after.redis.lock.pubsub_channels = 1;
      meta.pubsub_channels_left.lock = ["lock:released:coupon:1"];'
    scenario=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).scenario)' \
        "$out/meta.json" 2>/dev/null)
    if [[ $scenario == order-rush ]]; then
        expect_failure "reserved ≠ pending units" "audit: initialStock + addedStock − soldUnits == stock" '
          audit.reserved = audit.pendingUnits + 1;'
        expect_failure "a paid order without its sold unit" "audit: 200 payments ≤ soldUnits" '
          audit.soldUnits = 0; audit.stock = audit.initialStock + audit.addedStock;'
    else
        expect_failure "issued ≠ holder rows" "audit: issuedQuantity == holderRows" '
          audit.holderRows = audit.issuedQuantity + 1;'
    fi
    expect_failure "a sanitizer report" "no AddressSanitizer" 'meta.sanitizer_hits = 1;'

    # The pace: a sampler at the edge of its budget (a sample every 2 intervals) is judged the same.
    n_all=$(judged_count "$out")
    tamper "slow sampler" "$(thin_js 2)"
    rc=$?
    n_slow=$(judged_count "$DIR/slow sampler")
    check "thinning to one sample per 2 intervals dropped samples ($n_all → $n_slow judged)" \
        test "$n_slow" -lt "$n_all"
    check "… and the thinned run still passes (exit $rc; $(other_failures "slow sampler" '^$' | head -n 3 | tr '\n' ' '))" \
        test "$rc" -eq 0
    # Beyond the budget (one sample per 4 intervals) the count is what fails.
    tamper "starved sampler" "$(thin_js 4)"
    rc=$?
    check "the judge fails a run with one sample per 4 intervals (exit $rc, $(judged_count "$DIR/starved sampler") judged)" \
        test "$rc" -eq 1
    check "… on the sample count" grep -q '^FAILED .*enough post-warm-up samples' "$DIR/starved sampler/verdict.txt"
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
