#!/usr/bin/env bash
# Soak test: the seed's long run (`--vus 50 --duration 10m` of issue-coupon, closed loop; or of
# order-rush with --scenario order-rush) through an N-app stage, sampling every app's memory and file descriptors, Redis and MariaDB connections
# and Pub/Sub channels the whole time, then judging whether anything grows. See --help.
#
# Layout of one run (OUT, default reports/soak-<UTC time>/):
#   samples.ndjson        one JSON object per sample (tools/reliability/soak_sampler.js)
#   sampler.json          the sampler's own cost: wall ms per pass, slots missed, CPU used
#   load.txt / load.ndjson / load-summary.json / load.html   the load generator's output
#   audit.json            GET /api/admin/coupons/{id}/audit (order-rush:
#                         /api/admin/product-options/{id}/audit) after the run
#   meta.json             parameters, exit codes, leftovers, sanitizer findings
#   summary.json / report.html   the verdict (tools/reliability/soak_report.js)
#   stage-down.txt, sanitizer.txt, app-logs/ (only when something was found)
set -uo pipefail

kRepo=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
readonly kRepo

# --- defaults and limits ------------------------------------------------------------------------------
readonly kDefaultDuration=10m     # the seed guide's long run
readonly kDefaultVus=50
readonly kDefaultApps=10          # the seed's `--scale app=10`
readonly kDefaultStrategy=pubsub
readonly kDefaultInterval=10s
# The API's largest coupon (kMaxTotalQuantity in src/domain/coupon/coupon_handler.cpp). 50 VUs
# each needing a sign-up (an Argon2 hash) per issue stay far below 1,000 issues/s on any machine
# we run on: 1,000/s × 600 s = 600,000 ≪ 10,000,000, so the coupon never sells out and every
# iteration goes through the lock until the end.
readonly kCouponQuantity=10000000
# --scenario order-rush: every VU orders one unit of one hot option and pays, users reused in turn
# (order-rush's ORDERS_PER_USER) so that the run is about the hot row, not about sign-ups. Bounds:
# 10 release apps on this machine kind top out near 700 paid orders/s (docs/load-testing.md), so
# kMaxOrdersPerSecond = 5,000 is a ceiling no run reaches. The stock outlasts it for 10 minutes
# (5,000/s × 600 s = 3,000,000 ≤ 10,000,000), and kOrderUsers users each charged for
# ⌈5,000 × duration / kOrderUsers⌉ orders of kOrderPrice never run short of money or of turns
# (10 min: 15,000 orders × 1,000 won = 15,000,000 won per user, within a charge's 1,000,000,000).
readonly kOrderStock=10000000
readonly kOrderUsers=200
readonly kOrderPrice=1000
readonly kMaxOrdersPerSecond=5000
readonly kMaxSetupCharge=1000000000
# Warm-up default: the first 20 % of the run, at most 60 s. What grows once and then stays is
# start-up, not a leak: the DB pool and Redis pools open lazily, nginx builds its keep-alive
# connections to each app as concurrency rises, the allocator's arenas (and under ASan its
# quarantine, see kSoakAsanOptions) fill to the working set. 50 closed-loop VUs reach steady
# concurrency within seconds, so 60 s is ample for the 10-minute run (10 % of it); 20 % keeps
# 48 s of a 60 s CI run for the judgement.
readonly kWarmupPercent=20
readonly kWarmupCapSeconds=60
# Bound of the sampler beyond the run's duration: the load generator's untimed setup (one coupon
# POST, ≪ 1 s), the closed loop's gracefulStop (30 s, k6's default), the audit and writing its
# summary and NDJSON (a 10-minute run's file is a few hundred MB: ≤ 60 s on a loaded disk); 120 s
# covers them with room.
readonly kSamplerMarginSeconds=120
# After the run: Pub/Sub channels are dropped when a key's last local waiter leaves (src/lock), so
# they are gone at once; 15 s covers UNSUBSCRIBEs still in flight on a loaded machine. The final
# sample is taken when every role shows 0 channels, or at this deadline (and then fails).
readonly kSettleTimeoutSeconds=15
readonly kSettlePollSeconds=0.5
# ASan's quarantine keeps freed memory unusable up to quarantine_size_mb (256 MB by default): an
# ASan app's RSS climbs for minutes until the quarantine is full, which looks exactly like a leak.
# 4 MB still catches use-after-free of recently freed blocks and fills fast. Measured (10 ASan
# apps, 50 VUs, 2 shared cores): with 16 MB an app's retained RSS rose 91 → 117 MiB and levelled
# off after ~44 s; with 4 MB it rose 91 → 104 MiB and levelled off after ~25 s, then stayed within
# 1 % to 90 s. So ASan runs need a warm-up of ≥ 30 s (the CI variant uses 45 s; see
# tests/e2e/soak/CMakeLists.txt). Applied only when ASAN_OPTIONS sets no quarantine size.
# detect_leaks=1: LeakSanitizer runs when the app exits after `./stage down`'s SIGTERM.
readonly kSoakAsanOptions="quarantine_size_mb=4:detect_leaks=1"
# What the app logs must not contain after the run (ASan, LSan, UBSan reports).
readonly kSanitizerPattern='ERROR: AddressSanitizer|LeakSanitizer|runtime error:'
readonly kAppPrefix=hhplus-e-commerce-app-

usage() {
    cat <<'EOF'
usage: tools/reliability/soak.sh [options]

Starts its own stage (temporary directory, free port base), runs
  hhplus-load run issue-coupon --vus V --duration D --admin-token … -e COUPON_QUANTITY=10000000
(closed loop against a fresh coupon that never sells out, so the lock is busy the whole time),
or with --scenario order-rush
  hhplus-load run order-rush --vus V --duration D --admin-token … -e STOCK=10000000 -e USERS=200
      -e ORDERS_PER_USER=K -e PRICE=1000
(closed loop of order + payment on one hot option that never sells out; 200 users reused in turn),
samples every INTERVAL (tools/reliability/soak_sampler.js, straight from /proc): RSS (and RSS
without the password hashes' buffers in flight), open fds, threads and MariaDB connections of every
app, Redis connected_clients / pubsub_channels / pubsub_patterns / used_memory per role (session,
lock, cache), MariaDB's established connections. After the run: a final sample once the Pub/Sub
channels are gone, the coupon's (or the option's) audit, `./stage down` and a search of the app
logs for sanitizer reports. Then the verdict (tools/reliability/soak_report.js): RSS growth after
warm-up ≤ 5 %, fds and connections flat, no Pub/Sub channel left, audit invariants intact (for
order-rush the stock identities; its load generator also audits a sample of users' balances and
exits 111 when one breaks), no sanitizer report. Exit 0 pass, 1 fail,
2 the run itself could not be made (bad option, stage did not come up).

options:
  --scenario S        issue-coupon|order-rush (default issue-coupon)
  --duration D        load duration (default 10m; s/m/h suffixes, e.g. 60s, 1m30s)
  --vus N             closed-loop VUs (default 50)
  --apps N            app instances (default 10)
  --strategy S        pubsub|polling|none (default pubsub)
  --interval I        sampling interval (default 10s)
  --warmup W          samples before W are not judged (default: 20 % of the duration, at most 60 s)
                      duration − warm-up must hold ≥ 6 samples at one per 2 intervals (the least
                      the judge accepts; see soak_report.js --plan)
  --max-rss-growth P  allowed RSS growth after warm-up, percent (default 5)
  --out DIR           output directory (default reports/soak-<UTC time>/)
  --dir DIR           stage directory (default: a new temporary directory); like the default
                      one it is stopped and deleted at the end unless --keep
  --port-base B       stage port base (default: a free one)
  --keep              keep the stage directory (logs, data) after the run; the processes are
                      always stopped
  -h, --help          this text

environment: HHPLUS_SERVER_BIN (app binary, default build/release/src/app/hhplus-server),
HHPLUS_LOAD_BIN (default build/release/tools/loadgen/hhplus-load), ASAN_OPTIONS (passed to the
apps; quarantine_size_mb=4 and detect_leaks=1 are added unless set).
EOF
}

die() { printf 'soak: error: %s\n' "$*" >&2; exit 2; }
say() { printf 'soak: %s\n' "$*"; }

# Seconds in a duration like 90, 90s, 10m, 1h, 1m30s.
to_seconds() {
    local text=$1 total=0 rest num unit
    [[ $text =~ ^[0-9]+$ ]] && { echo "$text"; return 0; }
    rest=$text
    while [[ -n $rest ]]; do
        [[ $rest =~ ^([0-9]+)([smh])(.*)$ ]] || return 1
        num=${BASH_REMATCH[1]} unit=${BASH_REMATCH[2]} rest=${BASH_REMATCH[3]}
        case $unit in
            s) total=$((total + num)) ;;
            m) total=$((total + num * 60)) ;;
            h) total=$((total + num * 3600)) ;;
        esac
    done
    echo "$total"
}

# --- options ----------------------------------------------------------------------------------------------
scenario=issue-coupon duration=$kDefaultDuration vus=$kDefaultVus apps=$kDefaultApps strategy=$kDefaultStrategy
interval=$kDefaultInterval warmup="" max_rss_growth=5 out="" stage_dir="" port_base="" keep=0
while (($#)); do
    case $1 in
        --scenario) scenario=${2:?--scenario needs a value}; shift ;;
        --duration) duration=${2:?--duration needs a value}; shift ;;
        --vus) vus=${2:?--vus needs a value}; shift ;;
        --apps) apps=${2:?--apps needs a value}; shift ;;
        --strategy) strategy=${2:?--strategy needs a value}; shift ;;
        --interval) interval=${2:?--interval needs a value}; shift ;;
        --warmup) warmup=${2:?--warmup needs a value}; shift ;;
        --max-rss-growth) max_rss_growth=${2:?--max-rss-growth needs a value}; shift ;;
        --out) out=${2:?--out needs a value}; shift ;;
        --dir) stage_dir=${2:?--dir needs a value}; shift ;;
        --port-base) port_base=${2:?--port-base needs a value}; shift ;;
        --keep) keep=1 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option '$1'" ;;
    esac
    shift
done
duration_s=$(to_seconds "$duration") || die "--duration: '$duration' is not a duration"
interval_s=$(to_seconds "$interval") || die "--interval: '$interval' is not a duration"
((duration_s > 0)) || die "--duration must be positive"
((interval_s > 0)) || die "--interval must be positive"
if [[ -n $warmup ]]; then
    warmup_s=$(to_seconds "$warmup") || die "--warmup: '$warmup' is not a duration"
else
    warmup_s=$((duration_s * kWarmupPercent / 100))
    ((warmup_s > kWarmupCapSeconds)) && warmup_s=$kWarmupCapSeconds
fi
((warmup_s < duration_s)) || die "--warmup ($warmup_s s) must be shorter than --duration ($duration_s s)"
[[ $vus =~ ^[1-9][0-9]*$ ]] || die "--vus: '$vus' is not a positive number"
[[ $apps =~ ^[1-9][0-9]?$ ]] || die "--apps: '$apps' is not 1..99"
[[ $strategy =~ ^(pubsub|polling|none)$ ]] || die "--strategy: '$strategy' is not pubsub, polling or none"
[[ $max_rss_growth =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--max-rss-growth: '$max_rss_growth' is not a number"
[[ $scenario =~ ^(issue-coupon|order-rush)$ ]] || die "--scenario: '$scenario' is not issue-coupon or order-rush"
orders_per_user=$(((kMaxOrdersPerSecond * duration_s + kOrderUsers - 1) / kOrderUsers))
if [[ $scenario == order-rush ]] && ((orders_per_user * kOrderPrice > kMaxSetupCharge)); then
    die "--duration $duration_s s: each of $kOrderUsers users would need $orders_per_user orders of $kOrderPrice won, more than one charge of $kMaxSetupCharge"
fi

export HHPLUS_SERVER_BIN=${HHPLUS_SERVER_BIN:-$kRepo/build/release/src/app/hhplus-server}
load_bin=${HHPLUS_LOAD_BIN:-$kRepo/build/release/tools/loadgen/hhplus-load}
[[ -x $HHPLUS_SERVER_BIN ]] || die "no app binary at $HHPLUS_SERVER_BIN (set HHPLUS_SERVER_BIN)"
[[ -x $load_bin ]] || die "no hhplus-load at $load_bin (set HHPLUS_LOAD_BIN)"
command -v node >/dev/null || die "node is needed for the report (Debian package nodejs)"
command -v redis-cli >/dev/null || die "redis-cli is needed (scripts/setup.sh installs it)"
# The judge's minimum of post-warm-up samples for these parameters (and a refusal, exit 2, when
# they cannot give enough): one definition, in soak_report.js.
min_samples=$(node "$kRepo/tools/reliability/soak_report.js" --plan "$duration_s" "$warmup_s" "$interval_s") ||
    die "--duration $duration_s s, --warmup $warmup_s s and --interval $interval_s s cannot be judged (see above)"

# A setting as the apps see it: from the environment (the stage passes it on), else the app's
# own default as `hhplus-server --help` prints it ("  NAME  text" then "  default: VALUE").
app_setting() {
    local name=$1 value
    value=${!name:-}
    [[ -n $value ]] || value=$("$HHPLUS_SERVER_BIN" --help 2>/dev/null |
        awk -v n="$name" '$1 == n { getline; if ($1 == "default:") print $2; exit }')
    [[ $value =~ ^[0-9]+$ ]] || die "cannot tell the apps' $name (set it, or check $HHPLUS_SERVER_BIN --help)"
    printf '%s' "$value"
}
db_pool_size=$(app_setting DB_POOL_SIZE) || exit 2
# The size of one password hash's buffer (the sampler subtracts the ones in flight from RSS, see
# hashBuffers in soak_sampler.js): libsodium's Argon2 rounds the memory cost down to a multiple of
# 4 blocks of 1 KiB (4 × lanes, 1 lane) and maps exactly that.
argon2_kib=$(app_setting ARGON2_MEMORY_KIB) || exit 2
hash_kib=$((argon2_kib / 4 * 4))

sanitized=false
if readelf -d "$HHPLUS_SERVER_BIN" 2>/dev/null | grep -q 'libasan'; then sanitized=true; fi
# The stage passes ASAN_OPTIONS / UBSAN_OPTIONS / LSAN_OPTIONS to the apps (tools/stage/services.sh).
asan_options=${ASAN_OPTIONS:-}
[[ $asan_options == *quarantine_size_mb=* ]] || asan_options+=${asan_options:+:}${kSoakAsanOptions%%:*}
[[ $asan_options == *detect_leaks=* ]] || asan_options+=:detect_leaks=1
export ASAN_OPTIONS=$asan_options

out=${out:-$kRepo/reports/soak-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out" || die "cannot create $out"
out=$(cd "$out" && pwd)

source "$kRepo/tests/e2e/lib/harness.sh"   # pick_port_base (and the ok/bad helpers, unused here)
if [[ -z $port_base ]]; then port_base=$(pick_port_base) || die "no free port range for the stage"; fi
own_tmp=""
if [[ -z $stage_dir ]]; then
    own_tmp=$(mktemp -d "${TMPDIR:-/tmp}/soak.XXXXXX") || die "mktemp failed"
    stage_dir=$own_tmp/stage
fi

stage() { "$kRepo/stage" --dir "$stage_dir" --port-base "$port_base" "$@"; }

load_pid="" sampler_pid="" stage_started=0 stage_stopped=0
# shellcheck disable=SC2317  # called through the trap
cleanup() {
    trap - EXIT INT TERM
    [[ -n $load_pid ]] && kill -TERM "$load_pid" 2>/dev/null
    [[ -n $sampler_pid ]] && kill -TERM "$sampler_pid" 2>/dev/null
    [[ -n $load_pid ]] && wait "$load_pid" 2>/dev/null
    [[ -n $sampler_pid ]] && wait "$sampler_pid" 2>/dev/null
    if ((stage_started)); then
        if ((keep)); then
            ((stage_stopped)) || stage down >/dev/null 2>&1
            say "stage directory kept: $stage_dir"
        else
            stage down --purge >/dev/null 2>&1
        fi
    fi
    if [[ -n $own_tmp ]] && ((!keep)); then rm -rf "$own_tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now_ms() { local t=$EPOCHREALTIME; printf '%s' "$((${t%.*} * 1000 + 10#${t#*.} / 1000))"; }

# --- the stage ---------------------------------------------------------------------------------------
say "stage: $apps apps, strategy $strategy, port base $port_base, directory $stage_dir"
if [[ $sanitized == true ]]; then
    say "apps: $HHPLUS_SERVER_BIN (ASan/UBSan build, ASAN_OPTIONS=$ASAN_OPTIONS)"
else
    say "apps: $HHPLUS_SERVER_BIN"
fi
stage_started=1
if ! stage up --apps "$apps" --strategy "$strategy" >"$out/stage-up.txt" 2>&1; then
    cat "$out/stage-up.txt" >&2
    die "the stage did not come up (log: $out/stage-up.txt)"
fi
eval "$(stage env)" || die "./stage env failed"
url_port() { local u=${1%%,*}; u=${u##*:}; printf '%s' "${u%%/*}"; }
declare -A role_port=([session]=$(url_port "$REDIS_SESSION_URL") [lock]=$(url_port "$REDIS_LOCK_URLS")
    [cache]=$(url_port "$REDIS_CACHE_URL"))
readonly kRoles=(session lock cache)
# mysql://user:password@127.0.0.1:port/db
[[ $DATABASE_URL =~ ^mysql://[^@]+@[^:]+:([0-9]+)/ ]] || die "cannot parse DATABASE_URL"
db_port=${BASH_REMATCH[1]}

app_names=()
for ((i = 1; i <= apps; i++)); do app_names+=("$kAppPrefix$i"); done

# --- sampling ------------------------------------------------------------------------------------------
# soak_sampler.js reads /proc and keeps one Redis connection per role; see its header for why it is
# not shell any more and what each figure is.
sampler_args=(--samples "$out/samples.ndjson" --stage-dir "$stage_dir" --db-port "$db_port" --hash-kib "$hash_kib"
    --apps "$(IFS=,; printf '%s' "${app_names[*]}")"
    --redis "session=${role_port[session]},lock=${role_port[lock]},cache=${role_port[cache]}")
sampler_js=$kRepo/tools/reliability/soak_sampler.js

# --- the run -------------------------------------------------------------------------------------------
: >"$out/samples.ndjson"
uptime_before=$(uptime)
# The scenario's own arguments; the rest of the command is the same for both.
if [[ $scenario == order-rush ]]; then
    scenario_args=(-e STOCK="$kOrderStock" -e USERS="$kOrderUsers" -e ORDERS_PER_USER="$orders_per_user"
        -e PRICE="$kOrderPrice")
    say "load: order-rush --vus $vus --duration ${duration_s}s on a fresh option of stock $kOrderStock, $kOrderUsers users × $orders_per_user orders at most; sampling every ${interval_s}s (warm-up ${warmup_s}s)"
else
    scenario_args=(-e COUPON_QUANTITY="$kCouponQuantity")
    say "load: issue-coupon --vus $vus --duration ${duration_s}s on a fresh coupon of $kCouponQuantity; sampling every ${interval_s}s (warm-up ${warmup_s}s)"
fi
t0=$(now_ms)
(
    cd "$kRepo" || exit 1
    exec "$load_bin" run "$scenario" --vus "$vus" --duration "${duration_s}s" --no-color \
        -e BASE_URL="$BASE_URL" --admin-token "$ADMIN_TOKEN" "${scenario_args[@]}" \
        --redis session="$REDIS_SESSION_URL" --redis lock="$REDIS_LOCK_URLS" --redis cache="$REDIS_CACHE_URL" \
        --summary-export "$out/load-summary.json" --out json="$out/load.ndjson" --html "$out/load.html"
) >"$out/load.txt" 2>&1 &
load_pid=$!
# Started directly (not through a function) so that $! is node itself and cleanup's TERM reaches it.
node "$sampler_js" "${sampler_args[@]}" --phase load --t0-ms "$t0" --interval-s "$interval_s" \
    --watch-pid "$load_pid" --deadline-ms $((t0 + (duration_s + kSamplerMarginSeconds) * 1000)) --stats "$out/sampler.json" &
sampler_pid=$!
# Bounded: the sampler gives up at duration + margin; then the load generator is stopped too.
wait "$sampler_pid"
sampler_rc=$?
sampler_pid=""
if kill -0 "$load_pid" 2>/dev/null; then
    say "the load generator outlived duration + ${kSamplerMarginSeconds}s: stopping it"
    kill -TERM "$load_pid" 2>/dev/null
fi
wait "$load_pid"
load_rc=$?
load_pid=""
t_end=$(now_ms)
say "load generator exited $load_rc after $(((t_end - t0) / 1000)) s"
# The sampler printed its own cost (soak: sampler: …) as it ended; meta.json keeps the figures.
sampler_stats=null
[[ -s $out/sampler.json ]] && sampler_stats=$(<"$out/sampler.json")

# --- after the run -------------------------------------------------------------------------------------
settle_deadline=$((t_end + kSettleTimeoutSeconds * 1000))
while :; do
    open_channels=0
    for role in "${kRoles[@]}"; do
        n=$(redis-cli -h 127.0.0.1 -p "${role_port[$role]}" PUBSUB NUMPAT 2>/dev/null)
        c=$(redis-cli -h 127.0.0.1 -p "${role_port[$role]}" PUBSUB CHANNELS '*' 2>/dev/null | grep -c .)
        open_channels=$((open_channels + ${n:-0} + ${c:-0}))
    done
    ((open_channels == 0 || $(now_ms) >= settle_deadline)) && break
    sleep "$kSettlePollSeconds"
done
node "$sampler_js" "${sampler_args[@]}" --phase after --t0-ms "$t0"
leftovers_json=""
for role in "${kRoles[@]}"; do
    list=$(redis-cli -h 127.0.0.1 -p "${role_port[$role]}" PUBSUB CHANNELS '*' 2>/dev/null | head -n 20 |
        node -e 'const l=require("fs").readFileSync(0,"utf8").split("\n").filter(Boolean);process.stdout.write(JSON.stringify(l))')
    leftovers_json+="${leftovers_json:+,}\"$role\":${list:-[]}"
done

# What the setup made, as the load generator's output names it: the coupon ("coupon: created
# coupon N of quantity Q") or the option ("setup … users (option N, stock S)").
coupon_id="" option_id="" audit_path=""
if [[ $scenario == order-rush ]]; then
    option_id=$(sed -n 's/.* users (option \([0-9][0-9]*\), stock.*/\1/p' "$out/load.txt" | head -n 1)
    [[ -n $option_id ]] && audit_path=/api/admin/product-options/$option_id/audit
else
    coupon_id=$(sed -n 's/.*coupon: created coupon \([0-9][0-9]*\) of quantity.*/\1/p' "$out/load.txt" | head -n 1)
    [[ -n $coupon_id ]] && audit_path=/api/admin/coupons/$coupon_id/audit
fi
audit_status=0
if [[ -n $audit_path ]]; then
    audit_status=$(curl -s -o "$out/audit.json" -w '%{http_code}' --max-time 10 \
        -H "Authorization: Bearer $ADMIN_TOKEN" "$BASE_URL$audit_path")
fi
[[ -s $out/audit.json ]] || echo 'null' >"$out/audit.json"
uptime_after=$(uptime)

# Stop the stage (SIGTERM → graceful exit, where LeakSanitizer runs), then read the app logs.
stage down >"$out/stage-down.txt" 2>&1
stage_stopped=1
: >"$out/sanitizer.txt"
for name in "${app_names[@]}"; do
    if grep -n -E "$kSanitizerPattern" "$stage_dir/$name/log" >"$out/.hits" 2>/dev/null; then
        sed "s|^|$name: |" "$out/.hits" >>"$out/sanitizer.txt"
        mkdir -p "$out/app-logs"
        cp "$stage_dir/$name/log" "$out/app-logs/$name.log"
    fi
done
rm -f "$out/.hits"
sanitizer_hits=$(grep -c . "$out/sanitizer.txt")
# An app killed after its grace period never ran LeakSanitizer: the verdict must know.
killed_apps=$(grep -c "${kAppPrefix}[0-9]* (pid [0-9]*) did not stop" "$out/stage-down.txt")

json_str() { node -e 'process.stdout.write(JSON.stringify(process.argv[1]))' "$1"; }
cat >"$out/meta.json" <<EOF
{
  "scenario": "$scenario",
  "duration_s": $duration_s,
  "vus": $vus,
  "apps": $apps,
  "strategy": "$strategy",
  "interval_s": $interval_s,
  "warmup_s": $warmup_s,
  "max_rss_growth_pct": $max_rss_growth,
  "db_pool_size": $db_pool_size,
  "hash_buffer_kib": $hash_kib,
  "min_post_warmup_samples": $min_samples,
  "db_sampler_clients": 0,
  "sampler": $sampler_stats,
  "coupon_quantity": $kCouponQuantity,
  "coupon_id": ${coupon_id:-null},
  "option_id": ${option_id:-null},
  "order_stock": $kOrderStock,
  "order_users": $kOrderUsers,
  "orders_per_user": $orders_per_user,
  "t0_ms": $t0,
  "t_end_ms": $t_end,
  "load_exit_code": $load_rc,
  "sampler_exit_code": $sampler_rc,
  "audit_http_status": ${audit_status:-0},
  "pubsub_channels_left": {$leftovers_json},
  "sanitizer_hits": $sanitizer_hits,
  "apps_killed_at_down": $killed_apps,
  "server_bin": $(json_str "$HHPLUS_SERVER_BIN"),
  "load_bin": $(json_str "$load_bin"),
  "sanitized": $sanitized,
  "asan_options": $(json_str "$ASAN_OPTIONS"),
  "port_base": $port_base,
  "cores": $(nproc),
  "uptime_before": $(json_str "$uptime_before"),
  "uptime_after": $(json_str "$uptime_after"),
  "command": $(json_str "hhplus-load run $scenario --vus $vus --duration ${duration_s}s --admin-token … ${scenario_args[*]} (stage: $apps apps, $strategy)")
}
EOF

node "$kRepo/tools/reliability/soak_report.js" "$out"
verdict=$?
say "report: $out/report.html"
exit "$verdict"
