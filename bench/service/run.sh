#!/usr/bin/env bash
# bench/service/run.sh — end-to-end benchmark of ONE hhplus-server (release build) on loopback:
#   1. GET  /api/coupons/1             wrk -t1 -c64 -d10s --latency            (cached read path)
#   2. POST /api/coupons/{id}/issue    on a fresh coupon of 1,000,000, one pre-created session per
#                                      request (wrk + issue.lua), then the admin audit must agree
#                                      exactly with the 201s counted, and GET must show the same
#                                      count (read-your-writes).
# Prints one table, then stops everything it started (./stage down: by PID).
#
# The stack is the project's local stage (./stage up --apps 1 --strategy none) in a temporary
# directory on a free port base; the benchmarks talk to the app's own port, not to nginx.
# BENCHMARK-ONLY SETTING: users are signed up with ARGON2_MEMORY_KIB=64 ARGON2_ITERATIONS=1 so
# that tens of thousands of signups take seconds (the default cost is 19 MiB × 2 passes).
#
# Environment (all optional):
#   HHPLUS_SERVER_BIN   server binary (default: build it in build/h-bench, see below)
#   BENCH_GET_SECONDS   GET run length (default 10)
#   BENCH_ISSUE_SECONDS issue window (default 10; wrk runs 3 s longer to drain)
#   BENCH_SESSIONS      sessions signed up for the issue run (default 40000: 10 s at 4,000/s)
#   BENCH_CONNECTIONS   wrk connections for both runs (default 64)
#   BENCH_STRATEGY      COUPON_STRATEGY of the app (default none: the database alone)
# Bounded: every wrk has a duration, every wait loop a deadline; the whole run stays under
# 3 minutes on the 2-core machine: ≈ 50 s measured (5 s start, 10 s GET, 10-20 s signups,
# 13 s issues, stop); the worst case is bounded by kStageTimeout + kSignupDeadline + the runs.
set -euo pipefail

kRepo=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
readonly kRepo
readonly kHere="$kRepo/bench/service"
readonly kBuildDir="$kRepo/build/h-bench"
readonly kGetSeconds=${BENCH_GET_SECONDS:-10}
readonly kIssueSeconds=${BENCH_ISSUE_SECONDS:-10}
readonly kDrainSeconds=3            # issue p99 target is 20 ms; 3 s drains even a badly loaded box
readonly kSessions=${BENCH_SESSIONS:-40000}
readonly kConnections=${BENCH_CONNECTIONS:-64}
readonly kStrategy=${BENCH_STRATEGY:-none}
readonly kCouponQuantity=1000000
readonly kSignupConnections=32      # the hash pool is small; more only queues
readonly kSignupDeadline=60         # s: 40,000 in 60 s needs ≥ 667/s; 2,400-4,000/s measured here
readonly kStageTimeout=150          # s for `./stage up` (MariaDB bootstrap on a loaded box)
readonly kPortSpan=130              # ./stage uses B..B+129
readonly kPortTries=50
readonly kStageAttempts=2          # a failed start costs up to ~2 min (MariaDB stop grace)

die() { echo "run.sh: $*" >&2; exit 1; }
for tool in wrk curl ss awk; do command -v "$tool" >/dev/null || die "$tool is missing (scripts/setup.sh installs it)"; done

# --- build -----------------------------------------------------------------------------------------
if [[ -n ${HHPLUS_SERVER_BIN:-} ]]; then
    server_bin=$(readlink -f "$HHPLUS_SERVER_BIN")
    [[ -x $server_bin ]] || die "HHPLUS_SERVER_BIN=$HHPLUS_SERVER_BIN is not executable"
else
    if [[ ! -f $kBuildDir/build.ninja ]]; then
        cmake -S "$kRepo" -B "$kBuildDir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
            -DHHPLUS_BUILD_TOOLS=OFF -DBUILD_TESTING=OFF >/dev/null
    fi
    echo "run.sh: building hhplus-server (release, $kBuildDir; a no-op when up to date)"
    cmake --build "$kBuildDir" -j2 --target hhplus-server | tail -1
    server_bin=$kBuildDir/src/app/hhplus-server
fi

# --- stack -----------------------------------------------------------------------------------------
port_base_free() {  # $1: base; true when no listening TCP port lies in base..base+kPortSpan-1
    ! ss -Htln | awk -v lo="$1" -v hi="$(($1 + kPortSpan - 1))" \
        '{ n = split($4, a, ":"); p = a[n] + 0; if (p >= lo && p <= hi) found = 1 } END { exit !found }'
}
pick_port_base() {  # below the ephemeral range (32768-60999), where outgoing connections take ports
    local try candidate
    for ((try = 0; try < kPortTries; try++)); do
        candidate=$((20000 + (RANDOM % 120) * 100))  # 20000..31900, +129 stays below 32768
        if port_base_free "$candidate"; then echo "$candidate"; return 0; fi
    done
    return 1
}

work_dir=$(mktemp -d /tmp/hhplus-bench.XXXXXX)
stage_dir=$work_dir/stage
admin_token="bench-admin-$$"
port_base=""
stage() { timeout "$kStageTimeout" "$kRepo/stage" --dir "$stage_dir" --port-base "$port_base" "$@"; }
wrk_pid=""
cleanup() {
    local rc=$?
    if [[ -n $wrk_pid ]] && kill -0 "$wrk_pid" 2>/dev/null; then kill -INT "$wrk_pid" 2>/dev/null || true; wait "$wrk_pid" 2>/dev/null || true; fi
    if [[ -d $stage_dir ]]; then stage down --purge >/dev/null 2>&1 || echo "run.sh: ./stage down failed; see $stage_dir" >&2; fi
    [[ -d $stage_dir ]] || rm -rf "$work_dir"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A port checked free can still be taken before the stage binds it: then retry on another base.
for ((attempt = 1; ; attempt++)); do
    port_base=$(pick_port_base) || die "no free range of $kPortSpan ports found below 32768"
    echo "run.sh: starting the stage (1 app, strategy $kStrategy) on port base $port_base in $stage_dir"
    if HHPLUS_SERVER_BIN=$server_bin ADMIN_TOKEN=$admin_token ARGON2_MEMORY_KIB=64 ARGON2_ITERATIONS=1 \
        stage up --apps 1 --strategy "$kStrategy" >"$work_dir/stage-up.log" 2>&1; then
        break
    fi
    stage down --purge >/dev/null 2>&1 || true
    ((attempt < kStageAttempts)) || { tail -20 "$work_dir/stage-up.log" >&2; die "stage up failed"; }
done
readonly app_url="http://127.0.0.1:$((port_base + 1))"
# PIDs for the CPU accounting, from `./stage ps` (NAME … PID).
declare -A pid_of=()
while read -r name _ _ _ pid; do [[ $pid =~ ^[0-9]+$ ]] && pid_of[$name]=$pid; done < <(stage ps | tail -n +2 | sed -E 's/ \((un)?healthy\)//')
cpu_ticks() { [[ -n ${1:-} && -r /proc/$1/stat ]] && awk '{ print $14 + $15 }' "/proc/$1/stat" || echo 0; }
readonly kProcs=(hhplus-e-commerce-app-1 scale-mysql scale-redis-cache scale-redis-session scale-redis-lock)
snapshot() { local p; for p in "${kProcs[@]}"; do printf '%s ' "$(cpu_ticks "${pid_of[$p]:-}")"; done; }
tick_hz=$(getconf CLK_TCK)
# CPU of finished child processes (wrk), from the `times` builtin. `times` must run in THIS
# shell (in a pipeline or $(…) it would report a fresh subshell's children: none), so: call
# `times >"$times_file"` directly, then child_ticks parses the file.
times_file=$work_dir/times
child_ticks() {
    tail -1 "$times_file" | awk -v hz="$tick_hz" '{ gsub(/[ms]/, " "); print int(($1 * 60 + $2 + $3 * 60 + $4) * hz) }'
}
cpu_per_request() {  # $1 before, $2 after, $3 wrk ticks, $4 requests -> "app 25 · … µs (total …)"
    local -a a b names=(app mariadb redis-cache redis-session redis-lock)
    read -r -a a <<<"$1"
    read -r -a b <<<"$2"
    local out="" i us total=0 n=$(($4 > 0 ? $4 : 1))
    for i in "${!names[@]}"; do
        us=$(((b[i] - a[i]) * 1000000 / tick_hz / n))
        total=$((total + us))
        out+="${names[$i]} $us · "
    done
    us=$(($3 * 1000000 / tick_hz / n))
    total=$((total + us))
    # What the machine could do if these processes had both cores to themselves.
    echo "${out}wrk $us = $total µs CPU → ceiling ≈ $((2000000 / (total > 0 ? total : 1)))/s on 2 idle cores"
}
hh() { awk -v k="$2" '$1 == "HH" && $2 == k { print $3 }' <<<"$1"; }
ms() { awk -v us="${1:-0}" 'BEGIN { printf "%.2f ms", us / 1000 }'; }
json_int() { sed -n "s/.*\"$2\":\([0-9-]*\).*/\1/p" <<<"$1"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# --- 1. GET /api/coupons/1 ---------------------------------------------------------------------------
curl -fsS "$app_url/api/coupons/1" >/dev/null || die "GET /api/coupons/1 does not answer"
load_get=$(load)
c0=$(snapshot); times >"$times_file"; w0=$(child_ticks)
get_out=$(wrk -t1 -c"$kConnections" -d"${kGetSeconds}s" --latency -s "$kHere/get.lua" "$app_url/api/coupons/1")
c1=$(snapshot); times >"$times_file"; w1=$(child_ticks)
get_requests=$(hh "$get_out" requests)
get_rps=$(awk -v n="$get_requests" -v us="$(hh "$get_out" elapsed_us)" 'BEGIN { printf "%.0f", n / (us / 1e6) }')
get_cpu=$(cpu_per_request "$c0" "$c1" $((w1 - w0)) "$get_requests")

# --- 2. POST /api/coupons/{id}/issue -----------------------------------------------------------------
expires=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
created=$(curl -fsS -X POST "$app_url/api/admin/coupons" -H "Authorization: Bearer $admin_token" \
    -H 'Content-Type: application/json' \
    -d "{\"name\":\"BENCH\",\"discountRate\":10,\"totalQuantity\":$kCouponQuantity,\"expiredAt\":\"$expires\"}") ||
    die "could not create the benchmark coupon"
coupon_id=$(json_int "$created" couponId)
[[ $coupon_id =~ ^[0-9]+$ ]] || die "unexpected coupon answer: $created"

sid_file=$work_dir/sessions.txt
: >"$sid_file"
echo "run.sh: signing up $kSessions users (argon2id lowered for this benchmark: 64 KiB, 1 pass)"
signup_started=$SECONDS
wrk -t1 -c"$kSignupConnections" -d"${kSignupDeadline}s" -s "$kHere/signup.lua" "$app_url" -- \
    "$sid_file" "$kSessions" "bench$$x$RANDOM" >"$work_dir/signup.log" 2>&1 &
wrk_pid=$!
# signup.lua stops its thread after the last session, but wrk itself waits for -d: end it (SIGINT
# is wrk's own "stop and report") as soon as the file is complete.
while kill -0 "$wrk_pid" 2>/dev/null && (($(wc -l <"$sid_file") < kSessions)) &&
    ((SECONDS - signup_started < kSignupDeadline + 5)); do
    sleep 0.5
done
kill -INT "$wrk_pid" 2>/dev/null || true
wait "$wrk_pid" 2>/dev/null || true
wrk_pid=""
sessions=$(wc -l <"$sid_file")
signup_seconds=$((SECONDS - signup_started))
((sessions > 0)) || { cat "$work_dir/signup.log" >&2; die "no session was created"; }

load_issue=$(load)
c0=$(snapshot); times >"$times_file"; w0=$(child_ticks)
issue_out=$(wrk -t1 -c"$kConnections" -d"$((kIssueSeconds + kDrainSeconds))s" --latency \
    -s "$kHere/issue.lua" "$app_url" -- "$coupon_id" "$sid_file" "$kIssueSeconds")
c1=$(snapshot); times >"$times_file"; w1=$(child_ticks)
issued_201=$(hh "$issue_out" status_201); issued_201=${issued_201:-0}
issue_answered=$(hh "$issue_out" answered)
issue_rps=$(awk -v n="$issued_201" -v us="$(hh "$issue_out" active_us)" 'BEGIN { printf "%.0f", (us > 0 ? n / (us / 1e6) : 0) }')
issue_statuses=$(awk '$1 == "HH" && $2 ~ /^status_/ { sub("status_", "", $2); printf "%s=%s ", $2, $3 }' <<<"$issue_out")
issue_cpu=$(cpu_per_request "$c0" "$c1" $((w1 - w0)) "${issue_answered:-0}")
in_flight=$(($(hh "$issue_out" sent) - issue_answered))

audit=$(curl -fsS "$app_url/api/admin/coupons/$coupon_id/audit" -H "Authorization: Bearer $admin_token")
audit_issued=$(json_int "$audit" issuedQuantity)
audit_rows=$(json_int "$audit" holderRows)
audit_distinct=$(json_int "$audit" distinctHolders)
seen=$(curl -fsS "$app_url/api/coupons/$coupon_id")
get_issued=$(json_int "$seen" issuedQuantity)
check=✗
if [[ $audit_issued == "$issued_201" && $audit_rows == "$issued_201" && $audit_distinct == "$issued_201" ]]; then check=✓; fi
fresh=✗
[[ $get_issued == "$audit_issued" ]] && fresh=✓

# --- report ----------------------------------------------------------------------------------------
verdict() {  # $1 measured, $2 op, $3 target
    awk -v m="$1" -v t="$3" -v op="$2" 'BEGIN { ok = (op == ">=") ? (m + 0 >= t + 0) : (m + 0 <= t + 0); printf "%s", ok ? "met" : "MISSED" }'
}
get_p99=$(hh "$get_out" p99_us); issue_p99=$(hh "$issue_out" p99_us)
echo
echo "hhplus-server $(git -C "$kRepo" rev-parse --short HEAD 2>/dev/null || echo '?') · $(nproc) cores · strategy $kStrategy · wrk -t1 -c$kConnections"
printf '%-34s %9s %10s %10s %10s  %-28s %s\n' benchmark req/s p50 p90 p99 statuses check
printf '%-34s %9s %10s %10s %10s  %-28s %s\n' "GET /api/coupons/1 (${kGetSeconds} s)" "$get_rps" \
    "$(ms "$(hh "$get_out" p50_us)")" "$(ms "$(hh "$get_out" p90_us)")" "$(ms "$get_p99")" \
    "2xx=$((get_requests - $(hh "$get_out" non2xx))) other=$(hh "$get_out" non2xx) sock=$(hh "$get_out" socket_errors)" \
    "≥15000/s $(verdict "$get_rps" '>=' 15000), p99≤5ms $(verdict "$get_p99" '<=' 5000)"
printf '%-34s %9s %10s %10s %10s  %-28s %s\n' "POST /api/coupons/$coupon_id/issue (${kIssueSeconds} s)" "$issue_rps" \
    "$(ms "$(hh "$issue_out" p50_us)")" "$(ms "$(hh "$issue_out" p90_us)")" "$(ms "$issue_p99")" \
    "${issue_statuses}sock=$(hh "$issue_out" socket_errors)" \
    "≥3000 issued/s $(verdict "$issue_rps" '>=' 3000), p99≤20ms $(verdict "$issue_p99" '<=' 20000)"
echo "audit $check  201s counted=$issued_201 · audit issuedQuantity=$audit_issued holderRows=$audit_rows distinctHolders=$audit_distinct · unanswered at wrk stop=$in_flight"
echo "read-your-writes $fresh  GET /api/coupons/$coupon_id issuedQuantity=$get_issued"
echo "issue rate = 201s / (last answer − first request); sessions used $(hh "$issue_out" sent)/$sessions$( [[ $(hh "$issue_out" ran_out) != 0 ]] && echo ' (RAN OUT: raise BENCH_SESSIONS)')"
echo "signups: $sessions in ${signup_seconds} s (ARGON2_MEMORY_KIB=64 ARGON2_ITERATIONS=1, benchmark only)"
echo "CPU per request, GET:   $get_cpu"
echo "CPU per request, issue: $issue_cpu"
echo "load average (1/5/15 min) before GET: $load_get · before issue: $load_issue  (other work on the machine skews latency)"
