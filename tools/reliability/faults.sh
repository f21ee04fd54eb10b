#!/usr/bin/env bash
# faults.sh — faults during load, with nothing lost: the coupon scenario (and balance charges)
# run against a stage of its own while one fault at a time is injected; after each fault the
# coupon's audit and the load generators' own samples must agree (see usage for the list).
#
# Every fault gets a fresh coupon (admin API) large enough not to sell out, and its own
# `hhplus-load run issue-coupon` (constant-arrival-rate) plus `hhplus-load run balance-charge`
# in the background. The fault is injected a third into the phase; the script records when it
# began and ended (restart finished / SIGCONT sent) and when every app answered /health/ready
# again, on the system clock, which the generators' NDJSON samples share. The load then goes on
# for a third of the phase more (further runs of the generators if the fault outlasted the
# first), so what is judged after the fault never depends on how fast this machine recovered.
# tools/reliability/faults_report.js does the counting and the report.
set -uo pipefail

kRepo=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
readonly kRepo
readonly kTools=$kRepo/tools/reliability

# Defaults (each an option; see usage).
readonly kDefaultApps=10
readonly kDefaultPhase=20           # seconds of load per fault
readonly kDefaultRate=20            # issue iterations/s: a sign-up (Argon2id, ~40 ms of CPU) + an issue;
                                    # 20/s ≈ 0.8 core of hashing, leaving a core for the rest on 2 cores
readonly kDefaultChargeRate=10      # charges/s (+ a balance read each) on 4 hot users
readonly kAllFaults=kill1,kill3,lock,session,mysql,sigstop
# The order rows (--orders, or named in --only): the same faults under `hhplus-load run
# order-rush` (a fresh product, every user orders one unit and pays) instead of the coupon rush.
# orders-relay kills one app with -9 while orders are being paid: the outbox relay runs inside
# every app, so that is a relay crash mid-stream. Judged by the option's audit identities, each
# audited user's balance identity, and the best-seller projection counting every sold unit once.
readonly kOrderFaults=orders-kill3,orders-mysql,orders-relay
readonly kOrderPrice=10000          # won per unit of the fault's product; each user is charged one
readonly kBalanceAuditUsers=100     # users whose balance audit is read per order fault (payers first)
readonly kRankingWaitMs=30000       # the projection catches up within ~1 s of the relay's pass; bound
# Request timeout of the generators: a request parked on a SIGSTOPped instance is answered after
# its SIGCONT, at most kMaxStopMs (15 s) after it was sent plus its own processing; 30 s is twice
# that stop. It stays at k6's default gracefulStop (30 s), so a hang still shows up as a status-0
# failure (or an interrupted iteration) instead of waiting out k6's 60 s default.
readonly kRequestTimeout=30s
# The paused holder stays stopped at least this long past LOCK_TTL_MS: its lease has expired for
# sure (validity = TTL − drift) and other instances had time to take the lock and write.
readonly kStopSlackMs=1500
# ... and longer, until another instance is seen to issue (the coupon's audit, read from a running
# app, grew after the TTL), at most kMaxStopMs: half of kRequestTimeout, so the requests parked on
# the stopped instance are answered, not timed out, however long the others took.
readonly kMaxStopMs=15000
readonly kHolderSearchMs=60000      # bounded search for a moment when the candidate holds the lock (load runs meanwhile)
readonly kSessionRecheckMs=60000    # the apps' reconnect to a restarted session Redis: a bound, not a pace
readonly kRejoinTimeout=60          # s: nginx's fail_timeout (2 s, deploy/nginx/render.sh) + start-up of an ASan app on a loaded host
# After each fault every app must answer /health/ready 200 again (its database, Redis roles and
# lock quorum up) within this bound: twice ./stage's 60 s start-up budget of an app. The time it
# took is reported; only missing the bound fails.
readonly kReadyTimeout=120
# A run of the load generator is given its duration + this before `timeout` stops it: k6's 30 s
# gracefulStop for iterations in flight, then the run's own setup and end (a sign-up per hot user,
# the balance read-back) on a loaded host.
readonly kLoadGrace=120
# The load keeps running at least kAfterMinS (or a third of the phase) after every app is ready
# again, so "requests succeed again after the fault" is seen however long the fault took: the
# generators run in consecutive runs ("segments"), the first one the phase long, the next ones
# that long each, until one ends that late. The cap bounds the segments if something never ends:
# every wait of a fault together (holder search 60 s + stop 15 s, or a restart within ./stage's
# 90 s budget, then kReadyTimeout) stays below kLoadCapS.
readonly kAfterMinS=3
readonly kLoadCapS=400
readonly kAuditTries=120            # × 0.5 s: the audit after the fault, once the database answers
readonly kChargeAmount=1000         # balance-charge's default CHARGE_AMOUNT
readonly kDefaultLockTtlMs=3000     # the app's LOCK_TTL_MS default (src/common/config.cpp)
readonly kCurlTimeout=10            # s per probe or metrics read of an ASan app on a loaded host

usage() {
    cat <<'EOF'
usage: tools/reliability/faults.sh [options]

Starts its own stage (temporary directory, free port base; stopped with `down --purge` on exit),
then per fault: a fresh coupon, `hhplus-load run issue-coupon` and `run balance-charge` in the
background, the fault a third into the phase, a wait until every app answers /health/ready again
(at most 120 s), the load going on a third of the phase past that (in further runs when the fault
outlasted the phase), and after the load the checks:
  audit        issuedQuantity == holderRows == distinctHolders <= totalQuantity
  range        201s <= issuedQuantity <= 201s + unanswered
  no 500       every failure is a 503 S001 (lock budget) or S002 (dependency), never a 500/timeout
  charges      balance identity of every hot user (each charge applied exactly once), on the
               balances MariaDB holds after the load
  recovered    every app ready again; session, mysql, lock: no S002/5xx/timeout for a request
               sent after that
Faults (--only takes a comma-separated subset):
  kill1, kill3 SIGKILL 1 / 3 apps (min(3, apps−1)), restart them: only requests in flight may fail,
               the restarted instances serve requests again through nginx
  lock         restart the lock Redis (keys lost): no double issue, waiters recover
  session      restart the session Redis: appendonly configured, an earlier session still works
  mysql        restart MariaDB: 503 S002 while down, apps recover without a restart (same PIDs)
  sigstop      SIGSTOP the app holding the coupon's lock for LOCK_TTL_MS + 1.5 s (longer, up to
               15 s, until another instance has issued), then SIGCONT: others go on; its write
               is refused (lease check or the version compare-and-set)
Order faults (--orders adds all three; --only names them): `hhplus-load run order-rush` on a
fresh product instead of issue-coupon, then the option audit (initialStock + addedStock −
soldUnits == stock, reserved == pendingUnits, 200s <= soldUnits <= 200s + unanswered payments),
charged − paid == balance and paid as answered for the paying users and a sample of the others,
and GET /api/products/top counting the product's sold units exactly once:
  orders-kill3 SIGKILL 3 apps during the order rush, restart them
  orders-mysql restart MariaDB during the order rush
  orders-relay SIGKILL 1 app while orders are being paid (its outbox relay dies mid-stream)
Output: OUT/faults.md, OUT/faults.json, a console table, and per fault OUT/<n>-<fault>/ with the
raw NDJSON of every generator run, summaries and result.json. Exit 1 when any wrong > 0 or any
check fails.

Options:
  --apps N             app instances (default 10)
  --strategy S         pubsub|polling|none (default pubsub)
  --phase-duration D   seconds of load per fault before its end is awaited (default 20; at least 9)
  --rate R             issue iterations per second (default 20)
  --charge-rate R      balance charges per second (default 10; 0 = no charge run)
  --only F[,F]         faults to run (default all: kill1,kill3,lock,session,mysql,sigstop)
  --orders             also run the order faults (orders-kill3,orders-mysql,orders-relay)
  --out DIR            report directory (default reports/faults-<UTC time>/)
  --dir DIR            stage directory, new or a stage's (default: a new temporary directory);
                       removed at the end unless --keep
  --port-base B        stage port base (default: a free one)
  --keep               leave the stage running at the end (prints how to stop it)
  -h, --help           this text
Environment: HHPLUS_SERVER_BIN (default build/release/src/app/hhplus-server), HHPLUS_LOAD_BIN
(default build/release/tools/loadgen/hhplus-load); LOCK_TTL_MS, ARGON2_* … reach the apps as
with ./stage up.
EOF
}

die() { echo "faults: error: $*" >&2; exit 2; }
say() { echo "faults: $*" >&2; }
now_ms() { local s=${EPOCHREALTIME/./}; printf '%s' "$((s / 1000))"; }

orig_args=("$@")
apps=$kDefaultApps strategy=pubsub phase=$kDefaultPhase rate=$kDefaultRate charge_rate=$kDefaultChargeRate
only=$kAllFaults out="" stage_dir="" port_base="" keep=0 with_orders=0
while (($#)); do
    case $1 in
        --apps) apps=${2:-}; shift 2 || die "--apps needs a value" ;;
        --strategy) strategy=${2:-}; shift 2 || die "--strategy needs a value" ;;
        --phase-duration) phase=${2%s}; shift 2 || die "--phase-duration needs a value" ;;
        --rate) rate=${2:-}; shift 2 || die "--rate needs a value" ;;
        --charge-rate) charge_rate=${2:-}; shift 2 || die "--charge-rate needs a value" ;;
        --only) only=${2:-}; shift 2 || die "--only needs a value" ;;
        --out) out=${2:-}; shift 2 || die "--out needs a value" ;;
        --dir) stage_dir=${2:-}; shift 2 || die "--dir needs a value" ;;
        --port-base) port_base=${2:-}; shift 2 || die "--port-base needs a value" ;;
        --keep) keep=1; shift ;;
        --orders) with_orders=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done
if ! [[ $apps =~ ^[0-9]+$ ]] || ((apps < 2 || apps > 99)); then die "--apps must be 2..99 (a kill needs a survivor)"; fi
if ! [[ $phase =~ ^[0-9]+$ ]] || ((phase < 9)); then die "--phase-duration must be a whole number of seconds >= 9"; fi
if ! [[ $rate =~ ^[0-9]+$ ]] || ((rate < 1)); then die "--rate must be a positive integer"; fi
[[ $charge_rate =~ ^[0-9]+$ ]] || die "--charge-rate must be a whole number"
case $strategy in pubsub | polling | none) ;; *) die "--strategy must be pubsub, polling or none" ;; esac
after_s=$((phase / 3))
((after_s < kAfterMinS)) && after_s=$kAfterMinS
((with_orders)) && only+=,$kOrderFaults
IFS=, read -r -a faults <<<"$only"
for f in "${faults[@]}"; do
    [[ ,$kAllFaults,$kOrderFaults, == *,"$f",* ]] || die "unknown fault '$f' (known: $kAllFaults,$kOrderFaults)"
done
if [[ " ${faults[*]} " == *" sigstop "* && $strategy == none ]]; then
    die "sigstop needs a lock strategy (pubsub or polling)"
fi

export HHPLUS_SERVER_BIN=${HHPLUS_SERVER_BIN:-$kRepo/build/release/src/app/hhplus-server}
LOAD_BIN=${HHPLUS_LOAD_BIN:-$kRepo/build/release/tools/loadgen/hhplus-load}
[[ -x $HHPLUS_SERVER_BIN ]] || die "no app binary at $HHPLUS_SERVER_BIN (set HHPLUS_SERVER_BIN)"
[[ -x $LOAD_BIN ]] || die "no hhplus-load at $LOAD_BIN (set HHPLUS_LOAD_BIN)"
for prog in node curl ss redis-cli; do command -v "$prog" >/dev/null || die "$prog is needed"; done

# shellcheck source=tests/e2e/lib/harness.sh
source "$kRepo/tests/e2e/lib/harness.sh"
port_drawn=0   # a base drawn here may be redrawn if another program takes one of its ports first
if [[ -z $port_base ]]; then port_base=$(pick_port_base) || die "no free port range found"; port_drawn=1; fi
tmp_dir=""
if [[ -z $stage_dir ]]; then
    tmp_dir=$(mktemp -d "${TMPDIR:-/tmp}/hhplus-faults.XXXXXX")
    stage_dir=$tmp_dir/stage
fi
[[ -n $out ]] || out=$kRepo/reports/faults-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out" || die "cannot create $out"
out=$(cd "$out" && pwd)

stage() { "$kRepo/stage" --dir "$stage_dir" --port-base "$port_base" "$@"; }
bg_pids=()
# shellcheck disable=SC2317  # called through the trap
cleanup() {
    local pid
    for pid in "${bg_pids[@]}"; do kill "$pid" 2>/dev/null; done
    resume_all_apps
    if ((keep)); then
        say "stage kept: $kRepo/stage --dir $stage_dir --port-base $port_base down --purge"
    else
        stage down --purge >/dev/null 2>&1
        [[ -n $tmp_dir ]] && rm -rf "$tmp_dir"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

app_name() { printf 'hhplus-e-commerce-app-%s' "$1"; }
app_pid() { cat "$stage_dir/$(app_name "$1")/pid" 2>/dev/null; }
app_port() { echo $((port_base + $1)); }
# A stopped app must never outlive this script stopped (SIGCONT is harmless to a running one).
# shellcheck disable=SC2317  # called from cleanup, through the trap
resume_all_apps() {
    local k pid
    for ((k = 1; k <= apps; k++)); do
        pid=$(app_pid "$k") && [[ -n $pid ]] && kill -CONT "$pid" 2>/dev/null
    done
    return 0
}

# --- stage ----------------------------------------------------------------------------------------
say "stage in $stage_dir on port base $port_base: $apps apps, strategy $strategy"
uptime_before=$(uptime)
if ((port_drawn)); then
    up_on_free_base port_base "$out/stage-up.log" stage --apps "$apps" --strategy "$strategy"
else
    stage up --apps "$apps" --strategy "$strategy" >"$out/stage-up.log" 2>&1
fi || {
    tail -30 "$out/stage-up.log" >&2
    die "the stage did not come up (log: $out/stage-up.log)"
}
say "stage up on port base $port_base"
eval "$(stage env)"
lock_ttl_ms=$(sed -n 's/^env\.LOCK_TTL_MS=//p' "$stage_dir/stage.settings")
lock_ttl_ms=${lock_ttl_ms:-$kDefaultLockTtlMs}
{
    echo "command=tools/reliability/faults.sh${orig_args[*]:+ ${orig_args[*]}}"
    echo "started=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "apps=$apps"
    echo "strategy=$strategy"
    echo "phase=${phase}s"
    echo "after=${after_s}s"
    echo "rate=$rate"
    echo "charge_rate=$charge_rate"
    echo "lock_ttl_ms=$lock_ttl_ms"
    echo "server_bin=$HHPLUS_SERVER_BIN"
    echo "load_bin=$LOAD_BIN"
    echo "uptime_before=$uptime_before"
} >"$out/run.env"

admin() { curl -s --max-time "$kCurlTimeout" -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' "$@"; }
json_field() { node -e 'try { const v = JSON.parse(process.argv[1])[process.argv[2]]; if (v !== undefined) console.log(v); } catch (e) {}' "$1" "$2"; }

# Requests an app served through nginx (every route but the probes), as ./stage stats counts.
app_requests() {
    curl -s --max-time "$kCurlTimeout" "http://127.0.0.1:$(app_port "$1")/metrics" 2>/dev/null | awk '
        /^hhplus_http_requests_total[{ ]/ { if ($0 ~ /route="\/(health|metrics)/) next; s += $NF }
        END { printf "%d\n", s }'
}

# --- one fault ------------------------------------------------------------------------------------
# Fault bodies set FAULT_START / FAULT_END (ms) and append key=value evidence to $fdir/fault.env.
fault_kill() {
    local count=$1 k i victims=() names=()
    ((count > apps - 1)) && count=$((apps - 1))
    # The last `count` instances: app-1 stays up in every run (a stable reference).
    for ((i = 0; i < count; i++)); do victims+=($((apps - i))); names+=("$(app_name $((apps - i)))"); done
    FAULT_START=$(now_ms)
    stage kill "${names[@]}" >>"$fdir/stage.log" 2>&1
    local t_killed
    t_killed=$(now_ms)
    # Down for a sixth of the phase (1..5 s): the survivors carry the load alone meanwhile.
    local down=$((phase * 1000 / 6))
    ((down < 1000)) && down=1000
    ((down > 5000)) && down=5000
    sleep "$(awk -v ms="$down" 'BEGIN { printf "%.3f", ms / 1000 }')"
    stage restart "${names[@]}" >>"$fdir/stage.log" 2>&1 || echo "restart_failed=yes" >>"$fdir/fault.env"
    FAULT_END=$(now_ms)
    local joined=()
    for k in "${victims[@]}"; do joined+=("$(app_name "$k")"); done
    {
        echo "killed=$(IFS=' '; echo "${joined[*]}")"
        echo "t_kill_done_ms=$t_killed"
        echo "down_ms=$((FAULT_END - FAULT_START))"
    } >>"$fdir/fault.env"
    KILL_VICTIMS=("${victims[@]}")
}

fault_restart() { # fault_restart PART
    FAULT_START=$(now_ms)
    stage restart "$1" >>"$fdir/stage.log" 2>&1 || echo "restart_failed=yes" >>"$fdir/fault.env"
    FAULT_END=$(now_ms)
}

fault_session() {
    local conf=$stage_dir/scale-redis-session/redis.conf line
    line=$(grep -E '^appendonly ' "$conf" 2>/dev/null | head -1)
    if [[ $line == "appendonly yes" ]]; then echo "session_aof=yes" >>"$fdir/fault.env"; else echo "session_aof=no" >>"$fdir/fault.env"; fi
    echo "session_aof_line=${line:-no appendonly line in $conf}" >>"$fdir/fault.env"
    # A session made before the restart (≥ 1 s before: appendfsync everysec). The sign-up competes
    # with the load's for the hash threads: a 503 (hash wait budget) or no answer is asked again,
    # each time with a fresh address, within kSessionRecheckMs; only a 201 makes a session.
    local jar=$fdir/session.jar email code deadline
    deadline=$(($(now_ms) + kSessionRecheckMs))
    while :; do
        email="faults-$(date +%s%N)@example.com"
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time "$kCurlTimeout" -c "$jar" -H 'Content-Type: application/json' \
            -d "{\"email\":\"$email\",\"password\":\"faults-password-1\"}" "$BASE_URL/api/auth/signup")
        if [[ $code != 503 && $code != 000 ]] || (($(now_ms) >= deadline)); then break; fi
        sleep 0.2
    done
    sleep 1.2
    fault_restart scale-redis-session
    # The apps reconnect to the restarted Redis on their own (503 S002 until then): ask until the
    # answer is no longer a 503 / no answer, within kSessionRecheckMs. 401 would mean it was lost.
    local me waited
    deadline=$(($(now_ms) + kSessionRecheckMs))
    while :; do
        me=$(curl -s -o /dev/null -w '%{http_code}' --max-time "$kCurlTimeout" -b "$jar" "$BASE_URL/api/auth/me")
        if [[ $me != 503 && $me != 000 ]] || (($(now_ms) >= deadline)); then break; fi
        sleep 0.1
    done
    waited=$(($(now_ms) - FAULT_END))
    if [[ $code == 201 && $me == 200 ]]; then
        echo "session_survived=yes" >>"$fdir/fault.env"
    else
        echo "session_survived=no" >>"$fdir/fault.env"
    fi
    echo "session_detail=signup before: $code; GET /api/auth/me after: $me (answered $waited ms after the restart finished)" >>"$fdir/fault.env"
}

fault_mysql() {
    local before after k
    before=$(for ((k = 1; k <= apps; k++)); do app_pid "$k"; echo; done | paste -sd ' ')
    fault_restart scale-mysql
    after=$(for ((k = 1; k <= apps; k++)); do app_pid "$k"; echo; done | paste -sd ' ')
    # The apps must also have recovered by themselves: their PIDs are compared after the run.
    echo "pids_before=$before" >>"$fdir/fault.env"
    PIDS_BEFORE=$before
    : "$after"
}

# The lease/fence evidence of one app: "PID lease_lost fenced lock_lost" (its cumulative counters:
# issue batches refused whole, hhplus_coupon_batches_total{result="lease_lost"|"fenced"}, and
# hhplus_lock_lost_total).
app_evidence() {
    local pid
    pid=$(app_pid "$1")
    curl -s --max-time "$kCurlTimeout" "http://127.0.0.1:$(app_port "$1")/metrics" 2>/dev/null | awk -v pid="${pid:-0}" '
        index($0, "hhplus_coupon_batches_total{result=\"lease_lost\"}") == 1 { ll += $NF }
        index($0, "hhplus_coupon_batches_total{result=\"fenced\"}") == 1 { f += $NF }
        index($0, "hhplus_lock_lost_total") == 1 { lost += $NF }
        END { printf "%s %d %d %d\n", pid, ll, f, lost }'
}
# Before a phase: every app's evidence counters (EVIDENCE_BASE[k]).
evidence_baseline() {
    local k
    EVIDENCE_BASE=()
    for ((k = 1; k <= apps; k++)); do EVIDENCE_BASE[k]=$(app_evidence "$k"); done
}
# After a phase: the increments, summed over the apps (a restarted app is a new process whose
# counters start at 0: all of its count is new), plus those of app STOPPED_IDX when set.
evidence_after() {
    local k b_pid b_ll b_f b_l pid ll f l d_ll d_f d_l t_ll=0 t_f=0 t_l=0
    for ((k = 1; k <= apps; k++)); do
        read -r b_pid b_ll b_f b_l <<<"${EVIDENCE_BASE[k]}"
        read -r pid ll f l <<<"$(app_evidence "$k")"
        if [[ $pid == "$b_pid" ]]; then
            d_ll=$((ll - b_ll)) d_f=$((f - b_f)) d_l=$((l - b_l))
        else
            d_ll=$ll d_f=$f d_l=$l
        fi
        t_ll=$((t_ll + d_ll)) t_f=$((t_f + d_f)) t_l=$((t_l + d_l))
        if [[ $k == "${STOPPED_IDX:-}" ]]; then
            echo "ev_lease_lost=$d_ll"
            echo "ev_fenced=$d_f"
            echo "ev_lock_lost=$d_l"
        fi
    done
    echo "ev_total_lease_lost=$t_ll"
    echo "ev_total_fenced=$t_f"
    echo "ev_total_lock_lost=$t_l"
}

fault_sigstop() {
    local k pairs="" audits=""
    for ((k = 1; k <= apps; k++)); do
        pairs+="$(app_name "$k")=$(app_pid "$k"),"
        audits+="$(app_name "$k")=http://127.0.0.1:$(app_port "$k")/api/admin/coupons/$coupon_id/audit,"
    done
    FAULT_START=$(now_ms)
    local found hold=$((lock_ttl_ms + kStopSlackMs))
    # The admin token reaches the tool through its environment, not its command line.
    found=$(FAULTS_ADMIN_TOKEN=$ADMIN_TOKEN node "$kTools/faults_lockholder.js" --port "$((port_base + 102))" \
        --key "lock:coupon:$coupon_id" --apps "${pairs%,}" --max-ms "$kHolderSearchMs" --hold-ms "$hold" \
        --ttl-ms "$lock_ttl_ms" --max-hold-ms "$kMaxStopMs" --audits "${audits%,}" 2>&1)
    echo "$found" >"$fdir/holder.json"
    local name pid stopped_at resumed_at
    if [[ $(json_field "$found" ok) == true ]]; then
        name=$(json_field "$found" name)
        stopped_at=$(json_field "$found" stoppedAtMs)
        resumed_at=$(json_field "$found" resumedAtMs)
        {
            echo "holder_caught=yes"
            echo "holder_detail=$name held lock:coupon:$coupon_id (token $(json_field "$found" token)) when stopped; attempts $(json_field "$found" attempts)"
            echo "issued_at_ttl=$(json_field "$found" issuedAtTtl)"
            echo "issued_before_resume=$(json_field "$found" issuedBeforeResume)"
            echo "audit_reads=$(json_field "$found" auditReads)"
        } >>"$fdir/fault.env"
    else
        # Not caught within the bound: stop app-1 anyway so the rest of the fault still runs,
        # and report the miss as a failed check.
        echo "holder_caught=no" >>"$fdir/fault.env"
        echo "holder_detail=$found" >>"$fdir/fault.env"
        name=$(app_name 1)
        pid=$(app_pid 1)
        kill -STOP "$pid"
        stopped_at=$(now_ms)
        sleep "$(awk -v ms="$hold" 'BEGIN { printf "%.3f", ms / 1000 }')"
        kill -CONT "$pid"
        resumed_at=$(now_ms)
    fi
    FAULT_END=$resumed_at
    {
        echo "stopped=$name"
        echo "t_stopped_ms=$stopped_at"
        echo "lock_ttl_ms=$lock_ttl_ms"
    } >>"$fdir/fault.env"
    STOPPED_IDX=${name##*-}
}

# --- the load ---------------------------------------------------------------------------------------
# Every app answers GET /health/ready 200 (its database, Redis roles and lock quorum up): prints
# when the last of them did (ms); status 1 when that did not happen within TIMEOUT_S. With LOG,
# each round's answers other than 200 are appended to it ("ms app-k:code …").
wait_all_ready() { # wait_all_ready TIMEOUT_S [LOG]
    local deadline=$(($(now_ms) + $1 * 1000)) k code log=${2:-/dev/null} line
    local -a pending=() next=()
    for ((k = 1; k <= apps; k++)); do pending+=("$k"); done
    while :; do
        next=() line=""
        for k in "${pending[@]}"; do
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time "$kCurlTimeout" \
                "http://127.0.0.1:$(app_port "$k")/health/ready")
            [[ $code == 200 ]] || { next+=("$k"); line+=" app-$k:$code"; }
        done
        [[ -n $line ]] && echo "$(now_ms)$line" >>"$log"
        pending=("${next[@]}")
        if ((${#pending[@]} == 0)); then now_ms; return 0; fi
        (($(now_ms) >= deadline)) && return 1
        sleep 0.1
    done
}

# load_driver KIND (issue | charge), in the background: consecutive runs ("segments") of
# `hhplus-load run issue-coupon` / `run balance-charge` — the first the phase long, each next one
# after_s — until one ends after_s or more past the moment every app was ready again after the
# fault ($fdir/t_ready, written by run_fault), so the load goes on past the fault however long the
# fault took. The two readiness polls (run_fault's and a charge driver's) may see "ready" up to one
# poll apart: kReadyRaceMs of tolerance. A charge segment after the first starts only once every
# app is ready: its setup signs up hot users and reads their balances, which during a fault would
# fail the run, not the service. Per segment N: KIND-N.txt, .ndjson, .rc, -summary.json, and a
# line "N start_ms duration_s" in KIND.segments.
# No --admin-token: with COUPON_ID given the generator's own audit adds nothing, and one read
# during a fault would fail the run; faults_report.js audits the coupon once the fault is over.
readonly kReadyRaceMs=500
# shellcheck disable=SC2317  # the trap's body
load_driver() {
    local kind=$1 seg=0 dur=$phase child="" rc cap start t_ready
    trap '[[ -n $child ]] && kill "$child" 2>/dev/null; exit 143' TERM INT
    local -a args=()
    case $kind in
        issue) args=(issue-coupon -e COUPON_ID="$coupon_id" -e RATE="$rate") ;;
        charge) args=(balance-charge -e RATE="$charge_rate" -e CHARGE_AMOUNT="$kChargeAmount") ;;
        # No --admin-token either: the option and balance audits are read after the fault
        # (order_audits); each segment writes what each of its users was answered.
        order) args=(order-rush -e PRODUCT_OPTION_ID="$option_id" -e RATE="$rate" -e PRICE="$kOrderPrice") ;;
    esac
    cap=$(($(now_ms) + kLoadCapS * 1000))
    while :; do
        if ((seg > 0)) && [[ $kind == charge ]]; then
            wait_all_ready "$kReadyTimeout" >/dev/null || break
        fi
        start=$(now_ms)
        echo "$seg $start $dur" >>"$fdir/$kind.segments"
        # `timeout` is the child: the trap's TERM reaches it, and it passes it on to the generator.
        timeout $((dur + kLoadGrace)) "$LOAD_BIN" run "${args[@]}" --no-color -e BASE_URL="$BASE_URL" \
            -e ORDER_OUTCOMES_FILE="$fdir/$kind-$seg.outcomes" \
            -e DURATION="${dur}s" -e REQUEST_TIMEOUT="$kRequestTimeout" \
            --summary-export "$fdir/$kind-$seg-summary.json" --out json="$fdir/$kind-$seg.ndjson" \
            >"$fdir/$kind-$seg.txt" 2>&1 &
        child=$!
        wait "$child"
        rc=$?
        child=""
        echo "$rc" >"$fdir/$kind-$seg.rc"
        seg=$((seg + 1))
        t_ready=$(cat "$fdir/t_ready" 2>/dev/null)
        if [[ -n $t_ready ]] && ((start + dur * 1000 >= t_ready + after_s * 1000 - kReadyRaceMs)); then break; fi
        (($(now_ms) >= cap)) && break
        dur=$after_s
    done
}

# The final balance of every hot user, read from MariaDB itself once the load has ended and every
# app is ready: the balance identity is judged on the store, also when a generator's own read-back
# fell into the fault (it then prints final=unreadable and exits 111).
write_charge_balances() {
    local ids out="" i
    ids=$(sed -n 's/^ *user \([0-9][0-9]*\): start=.*/\1/p' "$fdir"/charge-*.txt 2>/dev/null | sort -un | paste -sd,)
    [[ -n $ids ]] || return 0
    for ((i = 0; i < kAuditTries; i++)); do
        out=$(stage exec scale-mysql mysql hhplus -N -e "SELECT id, balance FROM users WHERE id IN ($ids)" 2>/dev/null) &&
            [[ -n $out ]] && break
        sleep 0.5
    done
    printf '%s\n' "$out" >"$fdir/charge-balances.tsv"
}

# After an order fault (the load over, every app ready): the option's audit, the balance audit of
# every user whose order was paid or may have been and of up to kBalanceAuditUsers others (spread
# over the segments' outcome files), and the best-seller projection's count for the product once
# it stops moving (bounded).
order_audits() {
    local audit="" i
    for ((i = 0; i < kAuditTries; i++)); do
        audit=$(admin "$BASE_URL/api/admin/product-options/$option_id/audit")
        [[ -n $(json_field "$audit" soldUnits) ]] && break
        sleep 0.5
    done
    printf '%s\n' "$audit" >"$fdir/order-audit.json"
    local id state final b
    : >"$fdir/order-balances.tsv"
    while read -r id state final; do
        b=$(admin "$BASE_URL/api/admin/users/$id/balance-audit")
        printf '%s\t%s\t%s\t%s\n' "$id" "$state" "$final" "$b" >>"$fdir/order-balances.tsv"
    done < <(cat "$fdir"/order-*.outcomes 2>/dev/null | awk -v limit="$kBalanceAuditUsers" '
        $2 != "none" { print; next } { rest[n++] = $0 }
        END { step = n > limit ? n / limit : 1; for (k = 0; k < n && k / step < limit; k += step) print rest[int(k)] }')
    local sold top units="" deadline
    sold=$(json_field "$audit" soldUnits)
    deadline=$(($(now_ms) + kRankingWaitMs))
    while :; do
        top=$(curl -s --max-time "$kCurlTimeout" "$BASE_URL/api/products/top?count=50&days=1")
        units=$(node -e 'try { const p = JSON.parse(process.argv[1]).products.find((x) => x.productId === Number(process.argv[2]));
            console.log(p ? p.soldUnits : 0); } catch (e) {}' "$top" "$product_id")
        [[ -n $units && $units == "$sold" ]] && break
        (($(now_ms) >= deadline)) && break
        sleep 0.5
    done
    echo "ranking_units=${units:-unread}" >>"$fdir/fault.env"
    echo "ranking_detail=GET /api/products/top?count=50&days=1: ${top:0:300}" >>"$fdir/fault.env"
}

run_fault() {
    local n=$1 fault=$2
    fdir=$out/$n-$fault
    mkdir -p "$fdir"
    : >"$fdir/fault.env"
    local label quantity
    case $fault in
        kill1) label="kill -9 1 app" ;;
        kill3) local c=3; ((c > apps - 1)) && c=$((apps - 1)); label="kill -9 $c apps" ;;
        lock) label="lock Redis restart" ;;
        session) label="session Redis restart" ;;
        mysql) label="MariaDB restart" ;;
        sigstop) label="SIGSTOP lock holder > TTL" ;;
        orders-kill3) local c=3; ((c > apps - 1)) && c=$((apps - 1)); label="orders: kill -9 $c apps" ;;
        orders-mysql) label="orders: MariaDB restart" ;;
        orders-relay) label="orders: relay crash (kill -9 1 app while paying)" ;;
    esac
    local main=issue
    [[ $fault == orders-* ]] && main=order
    say "[$n] $label: ${phase}s at ${rate}/s"
    # More than the load can issue before the drivers' cap: a sell-out would hide the range check
    # behind C001s.
    quantity=$((rate * (kLoadCapS + phase) + 100))
    local created
    created=$(admin -X POST -d "{\"name\":\"faults-$fault\",\"discountRate\":10,\"totalQuantity\":$quantity,\"expiredAt\":\"2029-12-31T23:59:59Z\"}" \
        "$BASE_URL/api/admin/coupons")
    coupon_id=$(json_field "$created" couponId)
    [[ $coupon_id =~ ^[0-9]+$ ]] || die "creating a coupon failed: $created"
    if [[ $main == order ]]; then
        # Stock the load cannot sell out before the drivers' cap: a sell-out would hide the
        # range checks behind P003s, as for the coupon.
        created=$(admin -X POST -d "{\"name\":\"faults-$fault\",\"options\":[{\"color\":\"hot\",\"size\":\"one\",\"price\":$kOrderPrice,\"stock\":$quantity}]}" \
            "$BASE_URL/api/admin/products")
        product_id=$(json_field "$created" productId)
        option_id=$(node -e 'try { console.log(JSON.parse(process.argv[1]).options[0].productOptionId); } catch (e) {}' "$created")
        [[ $option_id =~ ^[0-9]+$ ]] || die "creating a product failed: $created"
        {
            echo "orders=1"
            echo "product_id=$product_id"
            echo "option_id=$option_id"
            echo "order_price=$kOrderPrice"
        } >>"$fdir/fault.env"
    fi
    {
        echo "fault=$fault"
        echo "label=$label"
        echo "coupon_id=$coupon_id"
        echo "total_quantity=$quantity"
        echo "charge_amount=$kChargeAmount"
        echo "charge=$((charge_rate > 0 ? 1 : 0))"
    } >>"$fdir/fault.env"
    case $fault in kill* | orders-kill* | orders-relay) echo "kind=kill" ;; orders-mysql) echo "kind=mysql" ;; *) echo "kind=$fault" ;; esac >>"$fdir/fault.env"

    STOPPED_IDX=""
    evidence_baseline
    rm -f "$fdir/t_ready"
    local t_load
    t_load=$(now_ms)
    local -a drivers=()
    load_driver "$main" &
    drivers+=($!)
    if ((charge_rate > 0)); then
        load_driver charge &
        drivers+=($!)
    fi
    bg_pids+=("${drivers[@]}")
    # The fault a third into the phase, and never before every generator's first run has started
    # (its setup done: the first progress block is printed a second into the run). A setup that
    # failed shows in the run's exit status.
    local deadline=$((t_load + kReadyTimeout * 1000)) kind
    for kind in "$main" charge; do
        ((charge_rate > 0)) || [[ $kind == "$main" ]] || continue
        until grep -q '^running (' "$fdir/$kind-0.txt" 2>/dev/null || [[ -s $fdir/$kind-0.rc ]] ||
            (($(now_ms) >= deadline)); do sleep 0.1; done
    done
    local at=$((t_load + phase * 1000 / 3)) t
    t=$(now_ms)
    ((at > t)) && sleep "$(awk -v ms=$((at - t)) 'BEGIN { printf "%.3f", ms / 1000 }')"

    FAULT_START=0 FAULT_END=0
    case $fault in
        kill1 | orders-relay) fault_kill 1 ;;
        kill3 | orders-kill3) fault_kill 3 ;;
        lock) fault_restart scale-redis-lock ;;
        session) fault_session ;;
        mysql | orders-mysql) fault_mysql ;;
        sigstop) fault_sigstop ;;
    esac
    echo "t_fault_start_ms=$FAULT_START" >>"$fdir/fault.env"
    echo "t_fault_end_ms=$FAULT_END" >>"$fdir/fault.env"
    say "[$n] fault from +$((FAULT_START - t_load)) ms to +$((FAULT_END - t_load)) ms; waiting until every app is ready"

    # Recovered: every app answers /health/ready 200 again (bounded; the time it took is reported).
    local t_ready
    if t_ready=$(wait_all_ready "$kReadyTimeout" "$fdir/ready.log"); then
        echo "ready=yes" >>"$fdir/fault.env"
        say "[$n] every app ready $((t_ready - FAULT_END)) ms after the fault ended; the load goes on ≥ ${after_s}s"
    else
        echo "ready=no" >>"$fdir/fault.env"
        t_ready=$(now_ms)
        say "[$n] not every app ready within ${kReadyTimeout}s (see $fdir/ready.log); the load goes on ≥ ${after_s}s"
    fi
    {
        echo "t_ready_ms=$t_ready"
        echo "ready_timeout_s=$kReadyTimeout"
        echo "after_s=$after_s"
    } >>"$fdir/fault.env"
    echo "$t_ready" >"$fdir/t_ready.tmp" && mv "$fdir/t_ready.tmp" "$fdir/t_ready"
    local job
    for job in "${drivers[@]}"; do wait "$job"; done
    bg_pids=()
    write_charge_balances
    [[ $main == order ]] && order_audits

    # After the run: the audit (the database answers again by now; bounded retries).
    local audit="" i
    for ((i = 0; i < kAuditTries; i++)); do
        audit=$(admin "$BASE_URL/api/admin/coupons/$coupon_id/audit")
        [[ -n $(json_field "$audit" issuedQuantity) ]] && break
        sleep 0.5
    done
    printf '%s\n' "$audit" >"$fdir/audit.json"

    case $fault in
        kill* | orders-kill* | orders-relay)
            # Rejoined: each restarted instance (a new process, counting from 0) served requests
            # through nginx. The run usually shows it; otherwise a bounded burst of GETs does.
            local k ok=yes detail="" deadline served
            deadline=$(($(now_ms) + kRejoinTimeout * 1000))
            for k in "${KILL_VICTIMS[@]}"; do
                served=$(app_requests "$k")
                while ((served == 0 && $(now_ms) < deadline)); do
                    for i in 1 2 3 4 5 6 7 8 9 10; do curl -s -o /dev/null --max-time "$kCurlTimeout" "$BASE_URL/api/coupons/$coupon_id"; done
                    served=$(app_requests "$k")
                done
                ((served > 0)) || ok=no
                detail+="$(app_name "$k"): $served requests; "
            done
            local first
            first=$(node -e '
                const fs = require("fs"); const [names, end, ...files] = process.argv.slice(1);
                const want = new Set(names.split(" ")); let best = null;
                for (const line of files.map((f) => fs.readFileSync(f, "utf8")).join("\n").split("\n")) {
                    if (!line.startsWith("{\"type\":\"Point\"") || !line.includes("\"metric\":\"http_reqs\"")) continue;
                    const p = JSON.parse(line); const inst = (p.data.metadata || {}).instance;
                    if (!want.has(inst)) continue; const t = Date.parse(p.data.time);
                    if (t >= Number(end) && (best === null || t < best)) best = t;
                }
                console.log(best === null ? "" : best - Number(end));' "$(sed -n 's/^killed=//p' "$fdir/fault.env")" "$FAULT_END" "$fdir/$main"-*.ndjson 2>/dev/null)
            [[ -n $first ]] && detail+="first load-test response from a restarted instance ${first} ms after the restart finished"
            echo "rejoined=$ok" >>"$fdir/fault.env"
            echo "rejoin_detail=$detail" >>"$fdir/fault.env"
            ;;
        mysql | orders-mysql)
            local now_pids
            now_pids=$(for ((k = 1; k <= apps; k++)); do app_pid "$k"; echo; done | paste -sd ' ')
            if [[ $now_pids == "$PIDS_BEFORE" ]]; then echo "pids_unchanged=yes" >>"$fdir/fault.env"; else echo "pids_unchanged=no" >>"$fdir/fault.env"; fi
            echo "pids_detail=before: $PIDS_BEFORE; after: $now_pids" >>"$fdir/fault.env"
            ;;
        sigstop)
            grep -h "lock lease lost" "$stage_dir/$(app_name "$STOPPED_IDX")/log" >"$fdir/stopped-app-lease-lost.log" 2>/dev/null
            ;;
    esac
    evidence_after >>"$fdir/fault.env"
    node "$kTools/faults_report.js" analyze "$fdir" >/dev/null
    # shellcheck disable=SC2016  # JavaScript template literals, not shell expansions
    node -e 'const r = require(process.argv[1]);
        console.error(`faults: [${process.argv[2]}] ${r.label}: requests ${r.requests}, failed ${r.failed}, wrong ${r.wrong}, recovery ${r.recoveryMs === null ? "none" : r.recoveryMs + " ms"} — ${r.passed ? "pass" : "FAIL"}`);' \
        "$fdir/result.json" "$n"
}

n=0
for f in "${faults[@]}"; do
    n=$((n + 1))
    run_fault "$n" "$f"
done
uptime >"$out/uptime.after"
node "$kTools/faults_report.js" summarize "$out"
status=$?
say "report: $out/faults.md, $out/faults.json"
exit $((status == 0 ? 0 : 1))
