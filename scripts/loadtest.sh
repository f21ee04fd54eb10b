#!/usr/bin/env bash
# README command 1 — the main job. On a fresh Debian 12 machine: install, build, bring up the
# 10-instance stage (nginx least_conn → 10 apps → Redis session/cache/lock + MariaDB), then
#   - the seed's `issue-coupon` scenario (signup + issue, 25 iterations/s for 5 s, a fresh coupon
#     of 100) once per strategy: polling (the seed's "before"), pubsub (its "after"), none;
#   - the `balance-charge` scenario with its balance identity check;
#   - the `order-rush` scenario (the hot-product sale: users made in an untimed setup order and pay
#     the last STOCK units of one option, 200 orders/s for 10 s) with its stock and balance audits;
# print each k6-style summary, then the side-by-side table (a second block for order-rush), and
# stop the stage.
#
# Options:
#   --rate R --duration D   run issue-coupon at R iterations/s for D (e.g. --rate 200 --duration 10s,
#                           where the strategies differ) instead of the seed's 25/s for 5 s
#   --quantity Q            coupon quantity (default 100; 1,000,000 with --issue-only)
#   --apps N                app instances (default 10)
#   --keep                  leave the stage running afterwards (./stage down stops it)
#   --stock S               order-rush: units of the hot option (default 100)
#   --orders-only           only the order-rush block (no issue-coupon, no balance-charge)
#   --issue-only            instead: the issue-only ramp (docs/load-testing.md). Sessions are
#                           signed up once before anything is timed; then per strategy and rate
#                           one `issue-only` run on a fresh coupon of Q, and a table of rates,
#                           latency, answers, lock-Redis commands, DB CPU and CPU per process kind
#   --rates LIST            the ramp's rates, iterations/s (default 500,1000,2000,4000,6000)
#   --duration D            with --issue-only: each rate's duration (default 10s; Ns or Nm)
#   --strategies LIST       with --issue-only: the strategies, in order (default pubsub,none,polling)
#   --plan                  with --issue-only: print the plan (steps, pool size) and exit
# Environment: STAGE_DIR / STAGE_PORT_BASE as for ./stage (default .stage/, ports 3000–3129);
# HHPLUS_SERVER_BIN runs that server binary instead of building build/release's (e.g. to measure
# another commit's server with this script).
set -euo pipefail
cd "$(dirname "$0")/.."

rate="" duration="" quantity="" apps=10 keep=0
issue_only=0 rates="" strategies="" plan=0 stock=100 orders_only=0
while (($#)); do
  case "$1" in
    --rate) rate=${2:?--rate needs a value}; shift 2 ;;
    --duration) duration=${2:?--duration needs a value}; shift 2 ;;
    --quantity) quantity=${2:?--quantity needs a value}; shift 2 ;;
    --apps) apps=${2:?--apps needs a value}; shift 2 ;;
    --keep) keep=1; shift ;;
    --issue-only) issue_only=1; shift ;;
    --rates) rates=${2:?--rates needs a value}; shift 2 ;;
    --strategies) strategies=${2:?--strategies needs a value}; shift 2 ;;
    --plan) plan=1; shift ;;
    --stock) stock=${2:?--stock needs a value}; shift 2 ;;
    --orders-only) orders_only=1; shift ;;
    -h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "loadtest: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
usage_error() { echo "loadtest: $*" >&2; exit 2; }
[[ $apps =~ ^[1-9][0-9]*$ ]] || usage_error "--apps must be a positive integer, got '$apps'"
[[ -z $quantity || $quantity =~ ^[1-9][0-9]*$ ]] ||
  usage_error "--quantity must be a positive integer, got '$quantity'"
[[ $stock =~ ^[1-9][0-9]*$ ]] || usage_error "--stock must be a positive integer, got '$stock'"
((issue_only && orders_only)) && usage_error "--orders-only and --issue-only are two different runs"
((orders_only)) && [[ -n $rate$quantity ]] &&
  usage_error "--rate and --quantity belong to the issue-coupon run, not --orders-only"
if ((issue_only)); then
  [[ -z $rate ]] || usage_error "--rate belongs to the issue-coupon run; the ramp takes --rates"
  rates=${rates:-500,1000,2000,4000,6000}
  [[ $rates =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] ||
    usage_error "--rates must be positive integers separated by commas, got '$rates'"
  strategies=${strategies:-pubsub,none,polling}
  [[ $strategies =~ ^(pubsub|none|polling)(,(pubsub|none|polling))*$ ]] ||
    usage_error "--strategies must be pubsub, none or polling separated by commas, got '$strategies'"
  duration=${duration:-10s}
  # Whole seconds: the pool needs rate × duration users, and a step's rates divide by it.
  if [[ $duration =~ ^([1-9][0-9]*)s?$ ]]; then
    step_seconds=${BASH_REMATCH[1]}
  elif [[ $duration =~ ^([1-9][0-9]*)m$ ]]; then
    step_seconds=$((BASH_REMATCH[1] * 60))
  else
    usage_error "--duration must be whole seconds (10s) or minutes (1m), got '$duration'"
  fi
  quantity=${quantity:-1000000}
else
  [[ -z $rates && -z $strategies && $plan == 0 ]] ||
    usage_error "--rates, --strategies and --plan need --issue-only"
  quantity=${quantity:-100}
fi

# ─── the issue-only ramp (--issue-only) ─────────────────────────────────────────────────────────
# Users: one session per issue of the biggest step, rate × duration (6,000/s × 10 s = 60,000 by
# default), signed up once through the API before anything is timed (the `issue-only` scenario's
# SESSION_POOL_FILE, see tools/loadgen/scenarios.cpp for why not straight into the database). Every
# step then issues a fresh coupon of Q to the first rate × duration of those users, so nobody gets
# C005 and each step's audit invariant stands alone; a coupon of 1,000,000 never sells out within a
# step (60,000 at most), so C001 means a bug, not the end of the sale.
ramp_rates=() ramp_strategies=()
if ((issue_only)); then
  IFS=, read -ra ramp_rates <<<"$rates"
  IFS=, read -ra ramp_strategies <<<"$strategies"
  ramp_max_rate=0
  for r in "${ramp_rates[@]}"; do ((r > ramp_max_rate)) && ramp_max_rate=$r; done
  ramp_pool=$((ramp_max_rate * step_seconds))
fi

ramp_plan() {
  local s r
  echo "issue-only ramp: $apps apps via nginx, a fresh coupon of $quantity per step, ${step_seconds} s per step"
  echo "session pool: $ramp_pool users (the top rate $ramp_max_rate/s × ${step_seconds} s), signed up once, untimed"
  for s in "${ramp_strategies[@]}"; do
    for r in "${ramp_rates[@]}"; do echo "step: strategy=$s rate=$r/s duration=${step_seconds}s"; done
  done
  echo "timed: $((${#ramp_strategies[@]} * ${#ramp_rates[@]} * step_seconds)) s in ${#ramp_strategies[@]} × ${#ramp_rates[@]} steps"
}

# "SERVICE PID" per running part of the stage (`./stage ps`, whose last column is the PID).
stage_pids() { ./stage ps | awk 'NR > 1 && $NF ~ /^[0-9]+$/ {print $2, $NF}'; }

# CPU ticks (utime + stime) of one process, threads included; 0 when it is gone.
proc_ticks() {
  local stat
  # `read` and not $(<file): a file that cannot be opened ends $(<…) and the script under set -e.
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || { echo 0; return; }
  # Fields after "pid (comm) ": state is the 1st, utime the 12th, stime the 13th (proc(5): 14, 15).
  local -a f
  read -ra f <<<"${stat##*) }"
  echo $((f[11] + f[12]))
}

# The PIDs whose CPU a step counts, per kind: every app, nginx's master and workers (its workers
# are its children: found once per `up` through their parent PID), each Redis role, MariaDB.
declare -A ramp_pids=()
ramp_collect_pids() {
  local service pid child stat
  ramp_pids=()
  while read -r service pid; do
    case $service in
      app) ramp_pids[apps]+=" $pid" ;;
      mysql) ramp_pids[mariadb]+=" $pid" ;;
      redis-lock|redis-session|redis-cache|nginx) ramp_pids[$service]+=" $pid" ;;
    esac
    if [[ $service == nginx ]]; then
      for stat in /proc/[0-9]*/stat; do
        { read -r child <"$stat"; } 2>/dev/null || continue  # gone since the glob
        child=${child##*) }
        read -r _ child _ <<<"$child"
        [[ $child == "$pid" ]] || continue
        child=${stat#/proc/}
        ramp_pids[nginx]+=" ${child%/stat}"
      done
    fi
  done < <(stage_pids)
}

# One line per kind, "kind ticks", plus "machine <busy ticks of every core>" from /proc/stat.
ramp_snapshot() {
  local kind pid sum
  for kind in "${!ramp_pids[@]}"; do
    sum=0
    for pid in ${ramp_pids[$kind]}; do sum=$((sum + $(proc_ticks "$pid"))); done
    echo "$kind $sum"
  done
  # cpu user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
  awk '$1 == "cpu" {print "machine", $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat
}

# Commands the lock Redis masters processed (INFO commandstats), without INFO and AUTH: this
# script's own INFO calls and the runner's are not the strategy's cost.
lock_commands() {
  local name total=0 n
  for name in $(./stage ps | awk '$2 == "redis-lock" {print $1}'); do
    n=$(./stage exec "$name" redis-cli INFO commandstats | tr -d '\r' |
        awk -F'[:=,]' '/^cmdstat_/ && $1 != "cmdstat_info" && $1 != "cmdstat_auth" {s += $3} END {print s + 0}')
    total=$((total + n))
  done
  echo "$total"
}

# A step's options: k6/options/issue-only.json with RATE/s for SECONDS s and enough VUs.
ramp_options() {
  local file=$1 step_rate=$2 seconds=$3
  # Connections: one per VU, all from 127.0.0.1, and nginx's limit_conn caps them per address
  # (beyond it nginx answers 429 instead of the app). maxVUs stays 64 below it: 32 sign-up
  # connections of a run that makes the pool (SETUP_CONCURRENCY) + 1 admin VU + 31 spare for
  # connections of the previous step that nginx may not have seen closed yet.
  local limit
  limit=$(sed -n 's/^ *limit_conn hhplus_per_client \([0-9][0-9]*\);.*/\1/p' deploy/nginx/nginx.conf.template)
  [[ $limit =~ ^[0-9]+$ ]] || { echo "loadtest: no limit_conn in deploy/nginx/nginx.conf.template" >&2; return 1; }
  # shellcheck disable=SC2016  # JavaScript in single quotes, on purpose
  RATE=$step_rate SECONDS_=$seconds MAXVUS=$((limit - 64)) node -e '
    const o = JSON.parse(require("fs").readFileSync("k6/options/issue-only.json", "utf8"));
    const s = o.scenarios.issue_only, rate = Number(process.env.RATE);
    s.rate = rate; s.timeUnit = "1s"; s.duration = `${process.env.SECONDS_}s`;
    // All VUs preallocated: an arrival-rate executor (k6 and hhplus-load alike) drops the
    // arrival that finds no free VU while it adds one, so with fewer every latency jump of the
    // ramp would show as drops long before maxVUs. Unused VUs cost nothing: a VU connects on
    // its first request, and a free arrival takes the most recently freed VU.
    s.maxVUs = s.preAllocatedVUs = Number(process.env.MAXVUS);
    process.stdout.write(JSON.stringify(o, null, 2));' >"$file"
}

# Runs hhplus-load issue-only with the pool; its CPU (user + system) goes to $tag.loadgen_cpu.
ramp_load() {
  local tag=$1; shift
  local rc=0
  (
    # One connection per VU: up to maxVUs descriptors, above a default soft limit of 1024.
    ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
    rc=0
    "$load" run issue-only --stage --quiet --no-color -e COUPON_QUANTITY="$quantity" \
        -e POOL_SIZE="$ramp_pool" -e SESSION_POOL_FILE="$out/sessions.tsv" \
        --summary-trend-stats "avg,med,p(95),p(99),max" "$@" >"$out/$tag.txt" 2>&1 || rc=$?
    # `times`, second line: CPU of this subshell's children, i.e. of hhplus-load alone (not in a
    # pipeline: there `times` would run in a forked child of its own, which has no children).
    times >"$out/$tag.times"
    awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/); print u[1] * 60 + u[2] + s[1] * 60 + s[2] }' \
      "$out/$tag.times" >"$out/$tag.loadgen_cpu"
    exit "$rc"
  ) || rc=$?
  return "$rc"
}

# A short untimed run on its own coupon after every `up`: new apps open their database and Redis
# connections here, not in the first measured step. The first one also signs up the pool.
ramp_warmup() {
  local tag=warmup-$1 rc=0
  ramp_options "$out/$tag.options.json" 100 1
  ramp_load "$tag" --options "$out/$tag.options.json" -e SETUP_CONCURRENCY=64 || rc=$?
  if ((rc != 0 && rc != 99)); then
    echo "loadtest: the warm-up run failed (exit $rc); its output:" >&2
    tail -n 30 "$out/$tag.txt" >&2
    return 1
  fi
  grep -E '^ *setup' "$out/$tag.txt" || true
}

ramp_step() {
  local strategy=$1 step_rate=$2 tag="ramp-$1-$2" rc=0 t0 t1 lock0 lock1
  ramp_options "$out/$tag.options.json" "$step_rate" "$step_seconds"
  # The CPU window is t0..t1 and holds the run and the two snapshots (reads of /proc) only: the
  # lock counts go through ./stage (a second of bash on a busy machine) and stay outside.
  lock0=$(lock_commands)
  t0=$(date +%s%N)
  ramp_snapshot >"$out/$tag.cpu0"
  ramp_load "$tag" --options "$out/$tag.options.json" --summary-export "$out/$tag.json" || rc=$?
  ramp_snapshot >"$out/$tag.cpu1"
  t1=$(date +%s%N)
  lock1=$(lock_commands)
  {
    echo "rc=$rc"
    echo "wall_ns=$((t1 - t0))"
    echo "lock_commands=$((lock1 - lock0))"
    echo "loadgen_cpu_s=$(<"$out/$tag.loadgen_cpu")"
    echo "clk_tck=$(getconf CLK_TCK)"
    join <(sort "$out/$tag.cpu0") <(sort "$out/$tag.cpu1") | awk '{print "ticks_" $1 "=" $3 - $2}'
  } >"$out/$tag.facts"
  printf '  %-8s %6s/s  exit %s  (%s)\n' "$strategy" "$step_rate" "$rc" "$out/$tag.txt"
}

ramp_table() {
  # shellcheck disable=SC2016  # JavaScript in single quotes, on purpose
  OUT=$out STRATEGIES=$strategies RATES=$rates SECONDS_=$step_seconds node -e '
    const fs = require("fs"), out = process.env.OUT, seconds = Number(process.env.SECONDS_);
    const print = rows => {
      const w = rows[0].map((_, i) => Math.max(...rows.map(r => r[i].length)));
      for (const r of rows) console.log(r.map((c, i) => i ? c.padStart(w[i]) : c.padEnd(w[i])).join("  "));
    };
    const lat = [["strategy", "rate/s", "attempted/s", "issued/s", "p50 ms", "p95 ms", "p99 ms",
                  "201", "C001", "S001", "other", "dropped", "lock cmds/issue", "DB µs/issue", "invariant"]];
    const cpu = [["strategy", "rate/s", "apps", "nginx", "redis-lock", "redis-session", "redis-cache",
                  "mariadb", "loadgen", "rest", "machine"]];
    for (const strategy of process.env.STRATEGIES.split(",")) {
      for (const rate of process.env.RATES.split(",")) {
        const tag = `${out}/ramp-${strategy}-${rate}`;
        const f = Object.fromEntries(fs.readFileSync(`${tag}.facts`, "utf8").trim().split("\n")
            .map(l => l.split("=")).map(([k, v]) => [k, Number(v)]));
        let m = {};
        try { m = JSON.parse(fs.readFileSync(`${tag}.json`, "utf8")).metrics; } catch (e) {}
        const r = m.success_coupon_issue_rate || {}, d = m["http_req_duration{name:issue}"] || {};
        const count = k => (m[k] && m[k].count) || 0;
        const issued = r.passes || 0, attempted = (r.passes || 0) + (r.fails || 0);
        const busy = count("coupon_busy_count");
        const ms = v => v === undefined ? "-" : Number(v).toFixed(1);
        const tick = 1 / f.clk_tck, wall = f.wall_ns / 1e9;
        const cores = k => ((f[`ticks_${k}`] || 0) * tick / wall);
        lat.push([strategy, rate, (attempted / seconds).toFixed(0), (issued / seconds).toFixed(0),
                  ms(d.med), ms(d["p(95)"]), ms(d["p(99)"]), String(issued),
                  String(count("coupon_sold_out_count")), String(busy),
                  String(count("errors_coupon_issue") - busy), String(count("dropped_iterations")),
                  issued ? (f.lock_commands / issued).toFixed(2) : "-",
                  issued ? ((f.ticks_mariadb || 0) * tick * 1e6 / issued).toFixed(0) : "-",
                  f.rc === 111 ? "✗" : (f.rc === 0 || f.rc === 99) ? "✓" : `exit ${f.rc}`]);
        const kinds = ["apps", "nginx", "redis-lock", "redis-session", "redis-cache", "mariadb"];
        const ours = kinds.reduce((a, k) => a + cores(k), 0) + f.loadgen_cpu_s / wall;
        cpu.push([strategy, rate, ...kinds.map(k => cores(k).toFixed(2)),
                  (f.loadgen_cpu_s / wall).toFixed(2), (cores("machine") - ours).toFixed(2),
                  cores("machine").toFixed(2)]);
      }
    }
    print(lat);
    console.log();
    console.log("CPU per process kind, in cores (CPU seconds over the step'"'"'s wall time):");
    print(cpu);'
}

# The hash cost: the lowest the server accepts (its --help names each range), so sign-ups made
# before anything is timed (the ramp's pool, order-rush's users) cost what the database and the
# session Redis need, not seconds of argon2id. Sets hash_mem and hash_iter.
lowest_hash_cost() {
  local help
  help=$("$HHPLUS_SERVER_BIN" --help 2>&1 || true)
  hash_mem=$(sed -n 's/.*ARGON2_MEMORY_KIB.*(\([0-9][0-9]*\)\.\..*/\1/p' <<<"$help" | head -n 1)
  hash_iter=$(sed -n 's/.*ARGON2_ITERATIONS.*(\([0-9][0-9]*\)\.\..*/\1/p' <<<"$help" | head -n 1)
  [[ -n $hash_mem && -n $hash_iter ]] ||
    { echo "loadtest: cannot read the argon2 ranges from $HHPLUS_SERVER_BIN --help" >&2; return 1; }
}

ramp_run() {
  local strategy step_rate hash_mem hash_iter first=1
  lowest_hash_cost || return 1
  ramp_plan | tee "$out/plan.txt"
  echo "server: $HHPLUS_SERVER_BIN; hash cost for the pool's sign-ups: ARGON2_MEMORY_KIB=$hash_mem ARGON2_ITERATIONS=$hash_iter"
  for strategy in "${ramp_strategies[@]}"; do
    echo
    echo "════════ issue-only ramp, strategy: $strategy ════════"
    ARGON2_MEMORY_KIB=$hash_mem ARGON2_ITERATIONS=$hash_iter \
      ./stage up --apps "$apps" --strategy "$strategy"
    if ((first)); then
      # Seed state once: the pool's sessions live in the session Redis, which `up` with another
      # strategy keeps (it restarts only the apps) and a reset would empty.
      ./stage reset >/dev/null
      rm -f "$out/sessions.tsv"
      first=0
    fi
    ramp_collect_pids
    ramp_warmup "$strategy"
    for step_rate in "${ramp_rates[@]}"; do ramp_step "$strategy" "$step_rate"; done
  done
  echo
  echo "════════ issue-only ramp: $apps apps via nginx, fresh coupon of $quantity per step, ${step_seconds} s per rate ════════"
  ramp_table | tee "$out/table.txt"
  echo
  echo "attempted/s, issued/s: issue answers (any) and 201s over the step's duration; p50/p95/p99: the issue request"
  echo "other: answers neither 201, C001 nor S001 (incl. no answer); dropped: arrivals with no free VU"
  echo "lock cmds/issue: lock-Redis commands (INFO commandstats, without INFO/AUTH) over 201s"
  echo "DB µs/issue: mariadbd CPU (utime + stime) over 201s; CPU columns include each run's coupon creation and audit"
  echo "rest: the machine's busy CPU not in the columns before it (other programs on the machine, ./stage)"
  echo "reports: $out/ramp-*.txt"
  local f
  for f in "$out"/ramp-*.facts; do grep -q '^rc=111$' "$f" && return 111; done
  return 0
}

if ((issue_only && plan)); then
  ramp_plan
  exit 0
fi

scripts/setup.sh
cmake --preset release >/dev/null
if [[ -n ${HHPLUS_SERVER_BIN:-} ]]; then
  [[ -x $HHPLUS_SERVER_BIN ]] || usage_error "HHPLUS_SERVER_BIN=$HHPLUS_SERVER_BIN is not an executable"
  cmake --build --preset release --target hhplus-load
else
  cmake --build --preset release --target hhplus-server hhplus-load
  HHPLUS_SERVER_BIN=$PWD/build/release/src/app/hhplus-server
fi
export HHPLUS_SERVER_BIN
load=$PWD/build/release/tools/loadgen/hhplus-load

out=reports/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
if ((!keep)); then trap './stage down >/dev/null 2>&1 || true' EXIT; fi

if ((issue_only)); then
  ramp_rc=0
  ramp_run || ramp_rc=$?
  exit "$ramp_rc"
fi

# ─── order-rush (second block of the table) ───────────────────────────────────────────────────
# The hot-product sale: k6/options/order-rush.json (200 orders/s for 10 s), a fresh product with
# one option of --stock units, one user per planned iteration made in the untimed setup (signed
# up, charged, on a stage started with the lowest hash cost, as the issue-only ramp does: the
# sign-ups are not what is measured). hhplus-load checks the option's audit and the users'
# balance audits afterwards (exit 111 when an identity breaks).
run_orders() {
  local rc=0 hash_mem hash_iter
  echo
  echo "════════ order-rush, stock $stock, strategy: pubsub ════════"
  lowest_hash_cost || return 1
  ARGON2_MEMORY_KIB=$hash_mem ARGON2_ITERATIONS=$hash_iter \
    ./stage up --apps "$apps" --strategy pubsub
  ./stage reset >/dev/null
  "$load" run order-rush --stage -e STOCK="$stock" \
      --summary-export "$out/order-rush.json" --html "$out/order-rush.html" || rc=$?
  echo "rc=$rc" >"$out/order-rush.facts"
}

orders_table() {
  # shellcheck disable=SC2016  # JavaScript in single quotes, on purpose
  echo "════════ order-rush: stock $stock, $(node -e '
    const s = JSON.parse(require("fs").readFileSync("k6/options/order-rush.json", "utf8")).scenarios.order_rush;
    console.log(`${s.rate}/s for ${s.duration}`)'), $apps apps ════════"
  # shellcheck disable=SC2016
  OUT=$out node -e '
    const fs = require("fs"), out = process.env.OUT;
    const m = JSON.parse(fs.readFileSync(`${out}/order-rush.json`, "utf8")).metrics;
    const facts = Object.fromEntries(fs.readFileSync(`${out}/order-rush.facts`, "utf8").trim()
        .split("\n").map(l => l.split("=")));
    const rate = m.success_order_rate || {};
    const count = k => (m[k] && m[k].count) || 0;
    const ms = v => v === undefined ? "-" : Number(v).toFixed(1);
    const o = m["http_req_duration{name:order}"] || {}, p = m["http_req_duration{name:payment}"] || {};
    const rows = [["scenario", "orders", "paid", "sold out", "errors", "order p55/p95/p99 ms",
                   "payment p55/p95/p99 ms", "dropped", "invariant"],
                  ["order-rush", String(count("iterations")), String(rate.passes || 0),
                   String(count("order_sold_out_count")), String(count("errors_order")),
                   [o["p(55)"], o["p(95)"], o["p(99)"]].map(ms).join(" / "),
                   [p["p(55)"], p["p(95)"], p["p(99)"]].map(ms).join(" / "),
                   String(count("dropped_iterations")),
                   facts.rc === "111" ? "✗" : (facts.rc === "0" || facts.rc === "99") ? "✓" : `exit ${facts.rc}`]];
    const widths = rows[0].map((_, i) => Math.max(...rows.map(r => r[i].length)));
    for (const r of rows) console.log(r.map((c, i) => i ? c.padStart(widths[i]) : c.padEnd(widths[i])).join("  "));'
  echo
  echo "invariant: the option audit (initialStock + addedStock − soldUnits == stock, reserved == pendingUnits,"
  echo "200s ≤ soldUnits ≤ 200s + unanswered ≤ stock, sold out ⇒ nothing available) and charged − paid == balance"
  echo "of the paying users and a sample of the others (hhplus-load, admin audit routes; exit 111 when violated)"
}

if ((orders_only)); then
  orders_rc=0
  run_orders || orders_rc=$?
  echo
  orders_table || true
  echo "reports: $out/order-rush.html"
  grep -q '^rc=111$' "$out/order-rush.facts" && exit 111
  exit "$orders_rc"
fi

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

orders_rc=0
run_orders || orders_rc=$?

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
echo
orders_table || true
echo "reports: $out/*.html"

# The run fails when an invariant broke; a missed latency threshold is reported, not fatal here.
for f in "$out"/issue-*.facts; do grep -q '^rc=111$' "$f" && exit 111; done
[[ $balance_rc == 111 ]] && exit 111
grep -q '^rc=111$' "$out/order-rush.facts" && exit 111
((orders_rc == 0)) || exit "$orders_rc"
exit 0
