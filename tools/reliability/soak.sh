#!/usr/bin/env bash
# Soak test: the seed's long run (`--vus 50 --duration 10m` of issue-coupon, closed loop) through
# an N-app stage, sampling every app's memory and file descriptors, Redis and MariaDB connections
# and Pub/Sub channels the whole time, then judging whether anything grows. See --help.
#
# Layout of one run (OUT, default reports/soak-<UTC time>/):
#   samples.ndjson        one JSON object per sample (see sample_line)
#   load.txt / load.ndjson / load-summary.json / load.html   the load generator's output
#   audit.json            GET /api/admin/coupons/{id}/audit after the run
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
# RSS of an app = what it retains + Argon2 buffers in flight: each sign-up hashes with 19 MiB
# (ARGON2_MEMORY_KIB 19456) on one of 2 hash threads, touched page by page while it runs, so one
# reading may be anything from the retained size up to ~38 MiB more. Leaks raise the retained
# part; the transient part is never negative. Each sample therefore also takes the minimum of
# kRssBurstReads readings kRssBurstGapSeconds apart (0.9 s, several times one hash on this
# machine: 2 passes over 19 MiB, ≈ 50-200 ms), which often catches a moment without a buffer
# being filled; the verdict takes the smallest of those minima over windows of several samples
# (see soak_report.js). A 60 s run on 10 release apps: the idle floor is ~9.8 MiB per app, one
# reading anywhere in 9.8-48.8 MiB.
readonly kRssBurstReads=10
readonly kRssBurstGapSeconds=0.1
# What the app logs must not contain after the run (ASan, LSan, UBSan reports).
readonly kSanitizerPattern='ERROR: AddressSanitizer|LeakSanitizer|runtime error:'
readonly kAppPrefix=hhplus-e-commerce-app-

usage() {
    cat <<'EOF'
usage: tools/reliability/soak.sh [options]

Starts its own stage (temporary directory, free port base), runs
  hhplus-load run issue-coupon --vus V --duration D --admin-token … -e COUPON_QUANTITY=10000000
(closed loop against a fresh coupon that never sells out, so the lock is busy the whole time),
samples every INTERVAL: RSS, open fds and threads of every app, Redis connected_clients /
pubsub_channels / pubsub_patterns / used_memory per role (session, lock, cache), MariaDB
Threads_connected. After the run: a final sample once the Pub/Sub channels are gone, the coupon's
audit, `./stage down` and a search of the app logs for sanitizer reports. Then the verdict
(tools/reliability/soak_report.js): RSS growth after warm-up ≤ 5 %, fds and connections flat,
no Pub/Sub channel left, audit invariants intact, no sanitizer report. Exit 0 pass, 1 fail,
2 the run itself could not be made (bad option, stage did not come up).

options:
  --duration D        load duration (default 10m; s/m/h suffixes, e.g. 60s, 1m30s)
  --vus N             closed-loop VUs (default 50)
  --apps N            app instances (default 10)
  --strategy S        pubsub|polling|none (default pubsub)
  --interval I        sampling interval (default 10s)
  --warmup W          samples before W are not judged (default: 20 % of the duration, at most 60 s)
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
duration=$kDefaultDuration vus=$kDefaultVus apps=$kDefaultApps strategy=$kDefaultStrategy
interval=$kDefaultInterval warmup="" max_rss_growth=5 out="" stage_dir="" port_base="" keep=0
while (($#)); do
    case $1 in
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

export HHPLUS_SERVER_BIN=${HHPLUS_SERVER_BIN:-$kRepo/build/release/src/app/hhplus-server}
load_bin=${HHPLUS_LOAD_BIN:-$kRepo/build/release/tools/loadgen/hhplus-load}
[[ -x $HHPLUS_SERVER_BIN ]] || die "no app binary at $HHPLUS_SERVER_BIN (set HHPLUS_SERVER_BIN)"
[[ -x $load_bin ]] || die "no hhplus-load at $load_bin (set HHPLUS_LOAD_BIN)"
command -v node >/dev/null || die "node is needed for the report (Debian package nodejs)"
command -v redis-cli >/dev/null || die "redis-cli is needed (scripts/setup.sh installs it)"
command -v mariadb >/dev/null || die "the mariadb client is needed (scripts/setup.sh installs it)"

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
[[ $DATABASE_URL =~ ^mysql://([^:]+):([^@]+)@([^:]+):([0-9]+)/(.+)$ ]] || die "cannot parse DATABASE_URL"
db_user=${BASH_REMATCH[1]} db_password=${BASH_REMATCH[2]} db_host=${BASH_REMATCH[3]} db_port=${BASH_REMATCH[4]}

app_names=()
for ((i = 1; i <= apps; i++)); do app_names+=("$kAppPrefix$i"); done

# --- one sample ----------------------------------------------------------------------------------------
# {"t_ms","elapsed_s","phase","apps":[{"name","pid","alive","rss_kib","rss_min_kib","fds","threads","db_conns"}],
#  "redis":{ROLE:{"connected_clients","pubsub_channels","pubsub_patterns","used_memory"}},
#  "db":{"threads_connected"}}   (null where a value could not be read)
# VmRSS of PID in KiB (status 1 when it cannot be read).
read_rss() {
    local key value
    while IFS=$':\t ' read -r key value _; do
        [[ $key == VmRSS ]] && { printf '%s' "$value"; return 0; }
    done <"/proc/$1/status" 2>/dev/null
    return 1
}

# Fills rss_min[NAME] with the smallest of kRssBurstReads readings of every app.
declare -A rss_min=()
rss_burst() {
    local r name pid v
    rss_min=()
    for ((r = 0; r < kRssBurstReads; r++)); do
        ((r > 0)) && sleep "$kRssBurstGapSeconds"
        for name in "${app_names[@]}"; do
            pid=$(<"$stage_dir/$name/pid") 2>/dev/null || continue
            v=$(read_rss "$pid") || continue
            if [[ -z ${rss_min[$name]:-} ]] || ((v < rss_min[$name])); then rss_min[$name]=$v; fi
        done
    done
}

# Established TCP connections from each process to MariaDB, by PID (db_conns[PID]): an app's pool
# opens connections on demand up to DB_POOL_SIZE and keeps them, so its fd count and MariaDB's
# Threads_connected step up now and then during a long run; the verdict subtracts these.
declare -A db_conns=()
count_db_conns() {
    local line pid
    db_conns=()
    while IFS= read -r line; do
        while [[ $line =~ pid=([0-9]+) ]]; do
            pid=${BASH_REMATCH[1]}
            db_conns[$pid]=$((${db_conns[$pid]:-0} + 1))
            line=${line/pid=$pid/}
        done
    done < <(ss -Htnp state established "( dport = :$db_port )" 2>/dev/null)
}

app_json() {
    local name=$1 pid="" rss=null fds=null threads=null alive=false key value
    [[ -f $stage_dir/$name/pid ]] && pid=$(<"$stage_dir/$name/pid")
    if [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/status ]]; then
        while IFS=$':\t ' read -r key value _; do
            case $key in
                VmRSS) rss=$value ;;
                Threads) threads=$value ;;
                State) [[ $value != Z ]] && alive=true ;;
            esac
        done <"/proc/$pid/status" 2>/dev/null
        local -a fd_list=()
        if [[ $alive == true ]]; then
            fd_list=("/proc/$pid/fd"/*)
            [[ -e ${fd_list[0]} || -L ${fd_list[0]} ]] && fds=${#fd_list[@]}
        fi
    fi
    local conns=null
    [[ $alive == true ]] && conns=${db_conns[$pid]:-0}
    printf '{"name":"%s","pid":%s,"alive":%s,"rss_kib":%s,"rss_min_kib":%s,"fds":%s,"threads":%s,"db_conns":%s}' \
        "$name" "${pid:-null}" "$alive" "$rss" "${rss_min[$name]:-null}" "$fds" "$threads" "$conns"
}

redis_json() {
    local port=$1 text key value cc=null pc=null pp=null um=null
    text=$(redis-cli -h 127.0.0.1 -p "$port" INFO 2>/dev/null) || text=""
    while IFS=: read -r key value; do
        value=${value%$'\r'}
        case $key in
            connected_clients) cc=$value ;;
            pubsub_channels) pc=$value ;;
            pubsub_patterns) pp=$value ;;
            used_memory) um=$value ;;
        esac
    done <<<"$text"
    printf '{"connected_clients":%s,"pubsub_channels":%s,"pubsub_patterns":%s,"used_memory":%s}' \
        "$cc" "$pc" "$pp" "$um"
}

db_threads() {
    local v
    v=$(mariadb --no-defaults --connect-timeout=2 -h "$db_host" -P "$db_port" -u "$db_user" \
        -p"$db_password" -N -B -e "SHOW GLOBAL STATUS LIKE 'Threads_connected'" 2>/dev/null)
    v=${v##*[[:space:]]}
    [[ $v =~ ^[0-9]+$ ]] && printf '%s' "$v" || printf 'null'
}

sample_line() { # PHASE T0_MS
    local phase=$1 t0=$2 t name role sep=""
    t=$(now_ms)
    rss_burst
    count_db_conns
    printf '{"t_ms":%s,"elapsed_s":%s,"phase":"%s","apps":[' "$t" \
        "$(printf '%d.%03d' $(((t - t0) / 1000)) $(((t - t0) % 1000)))" "$phase"
    for name in "${app_names[@]}"; do printf '%s' "$sep"; app_json "$name"; sep=,; done
    printf '],"redis":{'
    sep=""
    for role in "${kRoles[@]}"; do
        printf '%s"%s":' "$sep" "$role"
        redis_json "${role_port[$role]}"
        sep=,
    done
    printf '},"db":{"threads_connected":%s}}\n' "$(db_threads)"
}

# Samples every interval_s from T0 while the load generator runs; bounded by its deadline.
sampler() { # T0_MS LOAD_PID
    local t0=$1 pid=$2 k=0 due now deadline
    deadline=$((t0 + (duration_s + kSamplerMarginSeconds) * 1000))
    while kill -0 "$pid" 2>/dev/null; do
        sample_line load "$t0" >>"$out/samples.ndjson"
        now=$(now_ms)
        # The next slot on the t0 + k × interval grid; a sample that took longer than an interval
        # (a loaded machine) skips the slots it missed rather than drifting.
        k=$(((now - t0) / (interval_s * 1000) + 1))
        due=$((t0 + k * interval_s * 1000))
        ((due > deadline)) && { echo "soak: sampler: deadline reached, load still running" >&2; return 1; }
        # Sleep to the next due time, in slices of ≤ 1 s so the end of the run is seen promptly.
        while ((now < due)) && kill -0 "$pid" 2>/dev/null; do
            local left=$((due - now))
            ((left > 1000)) && left=1000
            sleep "$(printf '%d.%03d' $((left / 1000)) $((left % 1000)))"
            now=$(now_ms)
        done
    done
}

# --- the run -------------------------------------------------------------------------------------------
: >"$out/samples.ndjson"
uptime_before=$(uptime)
say "load: issue-coupon --vus $vus --duration ${duration_s}s on a fresh coupon of $kCouponQuantity; sampling every ${interval_s}s (warm-up ${warmup_s}s)"
t0=$(now_ms)
(
    cd "$kRepo" || exit 1
    exec "$load_bin" run issue-coupon --vus "$vus" --duration "${duration_s}s" --no-color \
        -e BASE_URL="$BASE_URL" --admin-token "$ADMIN_TOKEN" -e COUPON_QUANTITY="$kCouponQuantity" \
        --redis session="$REDIS_SESSION_URL" --redis lock="$REDIS_LOCK_URLS" --redis cache="$REDIS_CACHE_URL" \
        --summary-export "$out/load-summary.json" --out json="$out/load.ndjson" --html "$out/load.html"
) >"$out/load.txt" 2>&1 &
load_pid=$!
sampler "$t0" "$load_pid" &
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
sample_line after "$t0" >>"$out/samples.ndjson"
leftovers_json=""
for role in "${kRoles[@]}"; do
    list=$(redis-cli -h 127.0.0.1 -p "${role_port[$role]}" PUBSUB CHANNELS '*' 2>/dev/null | head -n 20 |
        node -e 'const l=require("fs").readFileSync(0,"utf8").split("\n").filter(Boolean);process.stdout.write(JSON.stringify(l))')
    leftovers_json+="${leftovers_json:+,}\"$role\":${list:-[]}"
done

coupon_id=$(sed -n 's/.*coupon: created coupon \([0-9][0-9]*\) of quantity.*/\1/p' "$out/load.txt" | head -n 1)
audit_status=0
if [[ -n $coupon_id ]]; then
    audit_status=$(curl -s -o "$out/audit.json" -w '%{http_code}' --max-time 10 \
        -H "Authorization: Bearer $ADMIN_TOKEN" "$BASE_URL/api/admin/coupons/$coupon_id/audit")
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
  "scenario": "issue-coupon",
  "duration_s": $duration_s,
  "vus": $vus,
  "apps": $apps,
  "strategy": "$strategy",
  "interval_s": $interval_s,
  "warmup_s": $warmup_s,
  "max_rss_growth_pct": $max_rss_growth,
  "db_pool_size": ${DB_POOL_SIZE:-8},
  "rss_burst_reads": $kRssBurstReads,
  "coupon_quantity": $kCouponQuantity,
  "coupon_id": ${coupon_id:-null},
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
  "command": $(json_str "hhplus-load run issue-coupon --vus $vus --duration ${duration_s}s --admin-token … -e COUPON_QUANTITY=$kCouponQuantity (stage: $apps apps, $strategy)")
}
EOF

node "$kRepo/tools/reliability/soak_report.js" "$out"
verdict=$?
say "report: $out/report.html"
exit "$verdict"
