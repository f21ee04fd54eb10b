#!/usr/bin/env bash
# End-to-end test of ./stage: a whole stage (MariaDB, 3 Redis, 3 apps, nginx) in a temporary
# directory on a free port base, driven through every sub-command a load test uses.
#
#   tests/e2e/stage/stage_e2e.sh              (CTest runs it with HHPLUS_SERVER_BIN set)
#   HHPLUS_SERVER_BIN=path/to/hhplus-server   the app binary (required; CTest passes the build's)
#
# Everything it starts is stopped by ./stage down (by PID) when it ends, passes or fails; it then
# checks that no process of its stage is left and no port of its range is bound.
set -uo pipefail

kRepo=$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)
readonly kRepo
readonly kStage=$kRepo/stage
readonly kApps=3
readonly kRequests=30           # GETs that must all succeed while an app is down
readonly kCurlTimeout=30        # s per request: an ASan app on a busy 2-core machine

source "$kRepo/tests/e2e/lib/harness.sh"
matches() { [[ $1 =~ $2 ]]; }

[[ -n ${HHPLUS_SERVER_BIN:-} && -x ${HHPLUS_SERVER_BIN} ]] || {
    echo "HHPLUS_SERVER_BIN must name the app binary (got '${HHPLUS_SERVER_BIN:-}')" >&2
    exit 2
}
export HHPLUS_SERVER_BIN
echo "stage e2e: app binary $HHPLUS_SERVER_BIN"


BASE=$(pick_port_base) || { echo "no free port range found" >&2; exit 1; }
DIR=$(mktemp -d "${TMPDIR:-/tmp}/stage-e2e.XXXXXX")
STATE=$(mktemp -d "${TMPDIR:-/tmp}/stage-e2e-state.XXXXXX")
LISTENER_PID=""
echo "stage e2e: dir $DIR, port base $BASE"

st() { "$kStage" --dir "$DIR" --port-base "$BASE" "$@"; }
url() { printf 'http://127.0.0.1:%s%s' "$BASE" "$1"; }

cleanup() {
    [[ -n $LISTENER_PID ]] && kill "$LISTENER_PID" 2>/dev/null
    if ((failed > 0)) && [[ -d $DIR ]]; then
        echo "---- ./stage ps at the end"
        st ps 2>&1
        local log
        for log in "$DIR"/*/log; do
            [[ -f $log ]] || continue
            echo "---- last lines of $log"
            tail -n 15 "$log" | cut -c1-300
        done
    fi
    st down --purge >/dev/null 2>&1
    rm -rf "$DIR" "$STATE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- helpers ------------------------------------------------------------------------------------------
pid_of() { cat "$DIR/$1/pid" 2>/dev/null; }
# Gone, or a zombie its new parent has not reaped yet (it was started by an earlier ./stage).
process_gone() { ! grep -qE '^State:[[:space:]]+[^ZX]' "/proc/$1/status" 2>/dev/null; }
environ_of() { tr '\0' '\n' <"/proc/$1/environ" 2>/dev/null; }
# HTTP status, headers and body of one request: sets CODE, HEADERS, BODY.
request() {
    local out
    out=$(curl -s -i --max-time "$kCurlTimeout" "$@")
    HEADERS=${out%%$'\r\n\r\n'*}
    BODY=${out#*$'\r\n\r\n'}
    CODE=$(head -n 1 <<<"$HEADERS" | awk '{print $2}')
}
header() { grep -i "^$1:" <<<"$HEADERS" | head -n 1 | cut -d: -f2- | tr -d '\r' | sed 's/^ //'; }
# ps probes each part once with a 2 s budget: on a busy machine one reading can say "unhealthy"
# for a part that is fine, so the checks below wait (bounded) for a reading of all healthy.
all_healthy() { # all_healthy COUNT: ps lists COUNT parts, every one running (healthy)
    local out lines healthy
    out=$(st ps 2>/dev/null)
    lines=$(tail -n +2 <<<"$out" | grep -c .)
    healthy=$(grep -c 'running (healthy)' <<<"$out")
    [[ $lines == "$1" && $healthy == "$1" ]]
}
json_error_from_nginx() { # json_error_from_nginx CODE STATUS: the last request was nginx's own error
    [[ $CODE == "$2" ]] &&
        [[ $(header X-Instance) == scale-nginx ]] &&
        [[ $(header Content-Type) == application/json* ]] &&
        [[ $BODY =~ ^\{\"errorCode\":\"$1\",\"message\":\"[^\"]+\",\"timestamp\":\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z\"\}$ ]]
}
no_process_left() { # no process has its working directory in the stage directory
    local p cwd
    for p in /proc/[0-9]*; do
        cwd=$(readlink "$p/cwd" 2>/dev/null) || continue
        [[ $cwd == "$DIR" || $cwd == "$DIR"/* ]] && { note "left: pid ${p#/proc/} in $cwd"; return 1; }
    done
    return 0
}
# Which strategy to switch to: another one the binary accepts (its --help lists the values of
# COUPON_STRATEGY), else none (then only the environment switch below shows the restart).
other_strategy() {
    local help
    help=$("$HHPLUS_SERVER_BIN" --help 2>&1 | grep -i 'COUPON_STRATEGY')
    if [[ $help == *pubsub* ]]; then echo pubsub; elif [[ $help == *polling* ]]; then echo polling; fi
}

# --- 1. up from nothing --------------------------------------------------------------------------------
start_ms=$(($(date +%s%N) / 1000000))
up_on_free_base BASE "$STATE/up.out" st --apps "$kApps" --strategy none
rc=$?
check "up --apps $kApps from nothing succeeds" test "$rc" = 0
((rc == 0)) || cat "$STATE/up.out"
note "up took $(($(date +%s%N) / 1000000 - start_ms)) ms"
parts=$((1 + 3 + kApps + 1))
check "ps: all $parts parts running (healthy)" wait_until "$kHarnessSettleSeconds" all_healthy "$parts"
st ps

# --- 2. requests through nginx reach every app --------------------------------------------------------
declare -A seen=()
for ((i = 0; i < 60 && ${#seen[@]} < kApps; i++)); do
    request "$(url /api/coupons/1)"
    [[ $CODE == 200 ]] && seen[$(header X-Instance)]=1
done
check "GETs through nginx reach all $kApps apps (X-Instance: ${!seen[*]})" test "${#seen[@]}" = "$kApps"
request -H 'X-Request-Id: e2e-request.1' "$(url /api/coupons/1)"
check "a client's X-Request-Id is passed through" test "$(header X-Request-Id)" = e2e-request.1
request "$(url /api/coupons/1)"
check "without one, nginx's \$request_id is used" matches "$(header X-Request-Id)" '^[0-9a-f]{32}$'
request "$(url /metrics)"
check "/metrics is not public: 404 V404 from nginx" json_error_from_nginx V404 404

# --- 3. kill one app: requests keep succeeding; restart it ----------------------------------------------
victim=hhplus-e-commerce-app-2
old_pid=$(pid_of "$victim")
st kill "$victim" >/dev/null 2>&1
check "kill $victim: its process is gone" process_gone "$old_pid"
check "ps shows $victim exited" grep -q "^$victim .* exited" <(st ps 2>/dev/null)
good=0
from_victim=0
for ((i = 0; i < kRequests; i++)); do
    request "$(url /api/coupons/1)"
    [[ $CODE == 200 ]] && good=$((good + 1))
    [[ $(header X-Instance) == "$victim" ]] && from_victim=$((from_victim + 1))
done
check "$kRequests GETs while $victim is down: all 200 ($good), none from it ($from_victim)" \
    test "$good" = "$kRequests" -a "$from_victim" = 0
st restart "$victim" >/dev/null 2>&1
check "restart $victim: healthy again with a new PID" wait_until "$kHarnessSettleSeconds" \
    bash -c "[[ -n \$1 && \$1 != \$2 ]] && grep -q '^$victim .* running (healthy)' <(\"\$3\" --dir \"\$4\" ps 2>/dev/null)" \
    _ "$(pid_of "$victim")" "$old_pid" "$kStage" "$DIR"

# --- 4. up is idempotent; a changed setting restarts only the apps -----------------------------------------
declare -A before=()
for d in "$DIR"/*/; do n=${d%/}; n=${n##*/}; [[ -f $d/pid ]] && before[$n]=$(<"$d/pid"); done
st up --apps "$kApps" --strategy none >"$STATE/up2.out" 2>&1
check "up again with the same settings changes nothing" grep -q 'nothing to change' "$STATE/up2.out"
same=1
for n in "${!before[@]}"; do [[ $(pid_of "$n") == "${before[$n]}" ]] || same=0; done
check "... and every PID is the same" test "$same" = 1

apps_restarted_with() { # apps_restarted_with VAR=VALUE: new PIDs carrying VAR=VALUE; infra untouched
    local i n pid
    for ((i = 1; i <= kApps; i++)); do
        n=hhplus-e-commerce-app-$i
        pid=$(pid_of "$n")
        [[ -n $pid && $pid != "${before[$n]}" ]] || { note "$n kept pid $pid"; return 1; }
        environ_of "$pid" | grep -x "$1" >/dev/null || { note "$n lacks $1"; return 1; }
    done
    for n in scale-mysql scale-redis-session scale-redis-cache scale-redis-lock; do
        [[ $(pid_of "$n") == "${before[$n]}" ]] || { note "$n was restarted"; return 1; }
    done
}
strategy=$(other_strategy)
if [[ -n $strategy ]]; then
    st up --strategy "$strategy" >"$STATE/up3.out" 2>&1
    check "up --strategy $strategy restarts the apps (and says why)" grep -q "COUPON_STRATEGY: none → $strategy" "$STATE/up3.out"
    check "... apps have new PIDs and COUPON_STRATEGY=$strategy; MariaDB and Redis kept theirs" \
        apps_restarted_with "COUPON_STRATEGY=$strategy"
    check "ps: all healthy after the switch" wait_until "$kHarnessSettleSeconds" all_healthy "$parts"
    for n in "${!before[@]}"; do before[$n]=$(pid_of "$n"); done
else
    note "the binary accepts only COUPON_STRATEGY=none: the switch is shown with LOG_LEVEL instead"
fi
LOG_LEVEL=debug st up >"$STATE/up4.out" 2>&1
check "LOG_LEVEL=debug ./stage up restarts the apps (and says why)" grep -q 'LOG_LEVEL: (unset) → debug' "$STATE/up4.out"
check "... apps have new PIDs and LOG_LEVEL=debug; MariaDB and Redis kept theirs" apps_restarted_with LOG_LEVEL=debug
check "ps: all healthy after the change" wait_until "$kHarnessSettleSeconds" all_healthy "$parts"

# --- 5. env, exec, reset, stats ------------------------------------------------------------------------------
eval "$(st env 2>/dev/null)"
check "env: BASE_URL is nginx on the port base" test "${BASE_URL:-}" = "http://127.0.0.1:$BASE"
check "env: DATABASE_URL, REDIS_*, ADMIN_TOKEN" test "${DATABASE_URL:-}" = "mysql://hhplus:hhplus@127.0.0.1:$((BASE + 110))/hhplus" \
    -a "${REDIS_SESSION_URL:-}" = "redis://127.0.0.1:$((BASE + 100))" -a "${REDIS_CACHE_URL:-}" = "redis://127.0.0.1:$((BASE + 101))" \
    -a "${REDIS_LOCK_URLS:-}" = "redis://127.0.0.1:$((BASE + 102))" -a "${ADMIN_TOKEN:-}" = stage-admin-token
check "exec scale-redis-session redis-cli ping → PONG" test "$(st exec scale-redis-session redis-cli ping 2>&1)" = PONG
st exec scale-redis-cache redis-cli SET e2e-key 1 >/dev/null 2>&1
st exec scale-mysql mysql hhplus -e "UPDATE coupons SET issued_quantity = 1 WHERE id = 1" >/dev/null 2>&1
st reset >"$STATE/reset.out" 2>&1
check "reset succeeds" test $? = 0
check "reset: coupon 1 is back to the seed (TESTCOUPON, 0 issued, version 0)" test \
    "$(st exec scale-mysql mysql hhplus -N -e 'SELECT id, name, discount_rate, issued_quantity, version, expired_at FROM coupons' 2>&1)" \
    = "$(printf '1\tTESTCOUPON\t15\t0\t0\t2029-12-31 23:59:59.000')"
check "reset: no users left" test "$(st exec scale-mysql mysql hhplus -N -e 'SELECT COUNT(*) FROM users' 2>&1)" = 0
check "reset: the cache Redis is empty" test "$(st exec scale-redis-cache redis-cli DBSIZE 2>&1)" = 0
declare -A served=()
for ((i = 0; i < 9; i++)); do
    request "$(url /api/coupons/1)"
    served[$(header X-Instance)]=$((${served[$(header X-Instance)]:-0} + 1))
    [[ $CODE == 200 ]] || note "request $i after the reset: $CODE from $(header X-Instance)"
done
st stats >"$STATE/stats.out" 2>&1
cat "$STATE/stats.out"
check "stats: one line per Redis role" test "$(grep -cE '^(session|cache|lock) +scale-redis' "$STATE/stats.out")" = 3
stats_match() { # every app's count since the reset is what the client saw it serve
    local i n want got
    for ((i = 1; i <= kApps; i++)); do
        n=hhplus-e-commerce-app-$i
        want=${served[$n]:-0}
        got=$(awk -v n="$n" '$1 == n { print $2 }' "$STATE/stats.out")
        [[ $got == "$want" ]] || { note "$n: stats says $got, the client counted $want"; return 1; }
    done
    grep -qE '^total +9$' "$STATE/stats.out"
}
stats_settle() { # an app may count a request a moment after its answer left: re-read, bounded
    local deadline=$((SECONDS + kHarnessSettleSeconds))
    until stats_match 2>/dev/null >/dev/null; do
        ((SECONDS >= deadline)) && { stats_match; return 1; }
        sleep 0.5
        st stats >"$STATE/stats.out" 2>&1
    done
}
check "stats: per app, the requests made since the reset (9 in all)" stats_settle

# --- 6. nginx's own errors are JSON -------------------------------------------------------------------------
request -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' a)" "$(url /api/coupons/1)"
check "a 9 KiB header: 431 V014 from nginx" json_error_from_nginx V014 431
request "$(url "/api/$(head -c 9000 /dev/zero | tr '\0' a)")"
check "a 9 KiB request line: 414 V015 from nginx" json_error_from_nginx V015 414
request -X POST -H 'Content-Type: application/json' --data-binary "{\"pad\":\"$(head -c 20000 /dev/zero | tr '\0' a)\"}" "$(url /api/auth/login)"
check "a 20 KiB body: 413 V013 from nginx" json_error_from_nginx V013 413
request -H "X-Big1: $(head -c 3900 /dev/zero | tr '\0' a)" -H "X-Big2: $(head -c 3900 /dev/zero | tr '\0' a)" "$(url /api/coupons/1)"
check "headers of ~8 KiB in total pass nginx (answer from an app, $CODE)" test "$(header X-Instance)" != scale-nginx
st kill app >/dev/null 2>&1
request "$(url /api/coupons/1)"
check "no app up: 503 S002 from nginx" json_error_from_nginx S002 503
request -X POST -H 'Content-Type: application/json' -d '{}' "$(url /api/coupons/1/issue)"
check "no app up, a POST: 503 S002 from nginx" json_error_from_nginx S002 503

# --- 7. down leaves nothing behind -----------------------------------------------------------------------------
st down >"$STATE/down.out" 2>&1
check "down succeeds" test $? = 0
check "down: no process left in the stage directory" no_process_left
check "down: ports $BASE..$((BASE + kHarnessPortSpan - 1)) are free" port_range_free "$BASE"
# shellcheck disable=SC2016  # $1 and $2 are the inner shell's arguments
check "down: ps shows nothing running" bash -c '! "$1" --dir "$2" ps 2>/dev/null | grep -q running' _ "$kStage" "$DIR"

# --- 8. a taken port is refused clearly, and nothing is left running ----------------------------------------------
taken=$((BASE + 101))
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
time.sleep(120)' "$taken" &
LISTENER_PID=$!
# Until the listener is bound (python's start on a busy machine), bounded.
port_taken() { ! port_free "$1"; }
wait_until "$kHarnessSettleSeconds" port_taken "$taken"
st up --apps 1 >"$STATE/up5.out" 2>&1
rc=$?
check "up with port $taken taken fails" test "$rc" != 0
check "... naming the port and the part" grep -q "port $taken (for scale-redis-cache) is already in use" "$STATE/up5.out"
# Otherwise, what it said instead (another program on an earlier port of the range?).
grep -q "port $taken (for scale-redis-cache)" "$STATE/up5.out" || sed 's/^/        up: /' "$STATE/up5.out"
check "... and leaves no process behind" no_process_left
kill "$LISTENER_PID" 2>/dev/null
wait "$LISTENER_PID" 2>/dev/null
LISTENER_PID=""

# --- 9. an interrupted up (Ctrl-C; SIGTERM here, which takes the same path) leaves nothing behind --------------
# An app that never becomes ready keeps `up` waiting, so the signal surely lands mid-start.
hanging=$STATE/hanging-app
# Not `exec sleep`: ./stage only stops a PID whose command line still names the binary it launched.
printf '#!/usr/bin/env python3\nimport time\ntime.sleep(600)\n' >"$hanging"
chmod +x "$hanging"
# ./stage itself in the background (not through st(): the signal must reach ./stage, not a subshell).
HHPLUS_SERVER_BIN=$hanging "$kStage" --dir "$DIR" --port-base "$BASE" up --apps 1 >"$STATE/up6.out" 2>&1 &
up_pid=$!
for ((i = 0; i < 600; i++)); do
    [[ -f $DIR/hhplus-e-commerce-app-1/pid ]] && break
    sleep 0.1
done
kill -TERM "$up_pid"
wait "$up_pid"
rc=$?
check "up interrupted while an app starts exits with 130 ($rc)" test "$rc" = 130
check "... says it stops what it started" grep -q 'stopping what this command started' "$STATE/up6.out"
check "... and leaves no process behind" no_process_left

finish
