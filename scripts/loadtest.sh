#!/usr/bin/env bash
# README command 1 — the main job. On a fresh Debian 12 machine: install, build, bring up the
# 10-instance stage (nginx least_conn → 10 apps → Redis session/cache/lock + MariaDB), then
#   - the seed's `issue-coupon` scenario (signup + issue, 25 iterations/s for 5 s, a fresh coupon
#     of 100) once per strategy: polling (the seed's "before"), pubsub (its "after"), none;
#   - the `balance-charge` scenario with its balance identity check;
# print each k6-style summary, then one side-by-side table, and stop the stage.
#
# Options:
#   --rate R --duration D   run issue-coupon at R iterations/s for D (e.g. --rate 200 --duration 10s,
#                           where the strategies differ) instead of the seed's 25/s for 5 s
#   --quantity Q            coupon quantity (default 100)
#   --apps N                app instances (default 10)
#   --keep                  leave the stage running afterwards (./stage down stops it)
# Environment: STAGE_DIR / STAGE_PORT_BASE as for ./stage (default .stage/, ports 3000–3129).
set -euo pipefail
cd "$(dirname "$0")/.."

rate="" duration="" quantity=100 apps=10 keep=0
while (($#)); do
  case "$1" in
    --rate) rate=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --quantity) quantity=$2; shift 2 ;;
    --apps) apps=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "loadtest: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target hhplus-server hhplus-load
export HHPLUS_SERVER_BIN=$PWD/build/release/src/app/hhplus-server
load=$PWD/build/release/tools/loadgen/hhplus-load

out=reports/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
if ((!keep)); then trap './stage down >/dev/null 2>&1 || true' EXIT; fi

# The issue-coupon options: the seed's file, or the same with another rate and duration.
issue_options=k6/options/issue-coupon.json
if [[ -n "$rate" || -n "$duration" ]]; then
  issue_options=$out/issue-coupon.options.json
  RATE=${rate:-25} DURATION=${duration:-5s} node -e '
    const o = JSON.parse(require("fs").readFileSync("k6/options/issue-coupon.json", "utf8"));
    const s = o.scenarios.issue_coupon;
    s.rate = Number(process.env.RATE); s.duration = process.env.DURATION;
    s.preAllocatedVUs = Math.max(s.preAllocatedVUs, Math.ceil(s.rate));
    s.maxVUs = Math.max(s.maxVUs, Math.ceil(s.rate * 4));
    process.stdout.write(JSON.stringify(o, null, 2));' > "$issue_options"
fi

# Commands processed by one Redis role since the last `./stage reset` (which runs CONFIG RESETSTAT).
redis_commands() {
  ./stage exec "$1" redis-cli INFO stats | tr -d '\r' | awk -F: '$1=="total_commands_processed"{print $2}'
}

run_issue() {
  local strategy=$1 rc=0
  echo
  echo "════════ issue-coupon, strategy: $strategy ════════"
  ./stage up --apps "$apps" --strategy "$strategy"
  ./stage reset >/dev/null
  "$load" run issue-coupon --stage --options "$issue_options" -e COUPON_QUANTITY="$quantity" \
      --summary-export "$out/issue-$strategy.json" --html "$out/issue-$strategy.html" || rc=$?
  {
    echo "rc=$rc"
    echo "lock_commands=$(redis_commands scale-redis-lock)"
    echo "all_commands=$(( $(redis_commands scale-redis-lock) + $(redis_commands scale-redis-cache) + $(redis_commands scale-redis-session) ))"
  } > "$out/issue-$strategy.facts"
}

for strategy in polling pubsub none; do run_issue "$strategy"; done

echo
echo "════════ balance-charge, strategy: pubsub ════════"
./stage up --apps "$apps" --strategy pubsub
./stage reset >/dev/null
balance_rc=0
"$load" run balance-charge --stage --summary-export "$out/balance-charge.json" \
    --html "$out/balance-charge.html" || balance_rc=$?

echo
# shellcheck disable=SC2016  # JavaScript in single quotes, on purpose
echo "════════ side by side: issue-coupon ($(node -e '
  const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).scenarios.issue_coupon;
  console.log(`${s.rate}/s for ${s.duration}`)' "$issue_options"), coupon of $quantity, $apps apps) ════════"
# shellcheck disable=SC2016
OUT=$out node -e '
  const fs = require("fs"), out = process.env.OUT;
  const rows = [["strategy", "issued", "success", "avg ms", "p55 ms", "p95 ms", "p99 ms", "errors",
                 "sold out", "busy", "dropped", "lock cmds/issue", "redis cmds/issue", "invariant"]];
  for (const strategy of ["polling", "pubsub", "none"]) {
    const m = JSON.parse(fs.readFileSync(`${out}/issue-${strategy}.json`, "utf8")).metrics;
    const facts = Object.fromEntries(fs.readFileSync(`${out}/issue-${strategy}.facts`, "utf8").trim()
        .split("\n").map(l => l.split("=")));
    const rate = m.success_coupon_issue_rate || {};
    const issued = rate.passes || 0;
    const d = m["http_req_duration{name:issue}"] || {};
    const count = k => (m[k] && m[k].count) || 0;
    const ms = v => v === undefined ? "-" : Number(v).toFixed(1);
    const per = v => issued ? (Number(v) / issued).toFixed(1) : "-";
    rows.push([strategy, String(issued), ((rate.value || 0) * 100).toFixed(1) + "%", ms(d.avg), ms(d["p(55)"]),
               ms(d["p(95)"]), ms(d["p(99)"]), String(count("errors_coupon_issue")),
               String(count("coupon_sold_out_count")), String(count("coupon_busy_count")),
               String(count("dropped_iterations")), per(facts.lock_commands), per(facts.all_commands),
               facts.rc === "111" ? "✗" : "✓"]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map(r => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => i ? c.padStart(widths[i]) : c.padEnd(widths[i])).join("  "));'
echo
echo "invariant: issuedQuantity == holderRows == distinctHolders ≤ totalQuantity, and 201s ≤ issued ≤ 201s + unanswered"
echo "(checked by hhplus-load from GET /api/admin/coupons/{id}/audit; exit 111 when violated)"
echo "lock/redis cmds per issue: Redis total_commands_processed since the reset, over issued coupons"
echo "balance-charge: exit $balance_rc ($([[ $balance_rc == 111 ]] && echo 'balance identity violated' || echo 'balance identity held'))"
echo "reports: $out/*.html"

# The run fails when an invariant broke; a missed latency threshold is reported, not fatal here.
for f in "$out"/issue-*.facts; do grep -q '^rc=111$' "$f" && exit 111; done
[[ $balance_rc == 111 ]] && exit 111
exit 0
