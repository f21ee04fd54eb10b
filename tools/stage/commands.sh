# shellcheck shell=bash
# ./stage library: the sub-commands. Sourced by ./stage after lib.sh and services.sh.

readonly kDefaultApps=10
# The seed's "after" design (Redlock + Pub/Sub hand-off), as the app's own default.
readonly kDefaultStrategy=pubsub
readonly kDefaultLockMasters=1
# Loopback-only stage: a fixed, documented admin token is what load tests expect.
readonly kDefaultAdminToken=stage-admin-token
readonly kDefaultSeedCouponQuantity=100
# Tables `reset` empties, in the order of migrations/0001_init.sql.
readonly kResetTables=(users balance_logs coupons user_coupons idempotency_keys
    products product_options cart_items orders order_items outbox)

declare -A REC=()   # settings recorded by the last successful `up` (stage.settings)
declare -A CFG=()   # settings in force for this command
STARTED=()          # services this invocation started (stopped again on failure or Ctrl-C)

settings_file() { printf '%s/stage.settings' "$STAGE_DIR"; }

load_recorded() {
    REC=()
    local file line
    file=$(settings_file)
    [[ -f $file ]] || return 0
    while IFS= read -r line; do
        [[ $line == *=* ]] || continue
        REC[${line%%=*}]=${line#*=}
    done <"$file"
}

write_settings() {
    local file key tmp
    file=$(settings_file)
    tmp=$file.tmp.$$
    {
        echo "# Settings of the running stage, written by ./stage up (read by the other commands)."
        for key in $(printf '%s\n' "${!CFG[@]}" | sort); do printf '%s=%s\n' "$key" "${CFG[$key]}"; done
    } >"$tmp"
    mv -f "$tmp" "$file"
}

# For every command but `up`: the settings of the running stage, or death when there is none.
require_stage() {
    load_recorded
    [[ -n ${REC[apps]:-} ]] || die "no stage is up in $STAGE_DIR (start one with ./stage up)"
    local key
    for key in "${!REC[@]}"; do CFG[$key]=${REC[$key]}; done
    init_urls
}

default_server_bin() { printf '%s/build/release/src/app/hhplus-server' "$REPO_ROOT"; }

# The app binary: HHPLUS_SERVER_BIN, else the one the running stage uses, else the release build
# (built here when it is missing, with the project's release preset).
ensure_server_bin() {
    local bin
    if [[ -n ${HHPLUS_SERVER_BIN:-} ]]; then
        bin=$(realpath -m "$HHPLUS_SERVER_BIN")
        [[ -x $bin ]] || die "HHPLUS_SERVER_BIN=$HHPLUS_SERVER_BIN is not an executable file"
    elif [[ -n ${REC[server_bin]:-} && -x ${REC[server_bin]} ]]; then
        bin=${REC[server_bin]}
    else
        bin=$(default_server_bin)
        if [[ ! -x $bin ]]; then
            say "building hhplus-server (cmake --preset release && cmake --build --preset release)"
            (cd "$REPO_ROOT" && cmake --preset release >/dev/null &&
                cmake --build --preset release --target hhplus-server) 9>&- >&2 ||
                die "building hhplus-server failed (see the compiler output above)"
            [[ -x $bin ]] || die "the build did not produce $bin"
        fi
    fi
    CFG[server_bin]=$bin
}

# Creates the stage directory (refusing a non-empty directory that is not a stage's) and takes
# the stage's lock, so two ./stage commands never change one stage at the same time.
take_lock() {
    local create=${1:-no}
    if [[ $create == create ]]; then
        mkdir -p "$STAGE_DIR" || die "cannot create $STAGE_DIR"
        if [[ ! -f $STAGE_DIR/.hhplus-stage ]]; then
            if [[ -n $(ls -A "$STAGE_DIR") ]]; then
                die "$STAGE_DIR is not empty and is not a stage directory: choose another --dir"
            fi
            echo "hhplus stage directory (./stage); safe to delete when the stage is down" >"$STAGE_DIR/.hhplus-stage"
        fi
    fi
    [[ -d $STAGE_DIR ]] || die "no stage in $STAGE_DIR"
    exec 9>"$STAGE_DIR/.lock"
    # Bounded wait: another ./stage may be starting or stopping this stage.
    flock -w 120 9 || die "another ./stage command holds $STAGE_DIR/.lock (waited 120 s)"
}

# Stops services in the reverse of start order: monitoring, then nginx and the apps, then Redis
# and MariaDB (so no app loses its database while it still serves requests).
stop_in_order() {
    local name
    local -a first=() second=() third=()
    for name in "$@"; do
        case $(start_phase "$name") in
            1) third+=("$name") ;;
            2) second+=("$name") ;;
            *) first+=("$name") ;;
        esac
    done
    ((${#first[@]} > 0)) && stop_services "${first[@]}"
    ((${#second[@]} > 0)) && stop_services "${second[@]}"
    ((${#third[@]} > 0)) && stop_services "${third[@]}"
    return 0
}

# --- failure and interruption ------------------------------------------------------------------------------
# Whatever this invocation started is stopped again: a failed or interrupted `up` leaves no
# half-started process behind (what ran before it and was left unchanged keeps running).
rollback() {
    trap '' INT TERM
    if ((${#STARTED[@]} > 0)); then
        say "stopping what this command started: $(compact_names "${STARTED[@]}")"
        stop_in_order "${STARTED[@]}"
    fi
    STARTED=()
}

on_interrupt() {
    echo >&2
    say "interrupted"
    rollback
    exit 130
}

# Any other way out of a command that starts services (a bug tripping `set -e`, a failed
# command substitution) also stops what it started; after success STARTED is empty.
on_exit() {
    local status=$?
    if ((${#STARTED[@]} > 0)); then
        say "stopped unexpectedly (status $status)"
        rollback
    fi
}

fail_part() {
    local name=$1 why=$2
    printf 'stage: error: %s (%s) %s\n' "$name" "$(service_of "$name")" "$why" >&2
    log_tail "$name"
    if tail -n 25 "$STAGE_DIR/$name/log" 2>/dev/null | grep -i 'address already in use' >/dev/null; then
        say "its port $(port_of "$name") was free when checked, then taken (by another program, or by an outgoing connection's local port when the port base lies in the ephemeral range $(tr '\t' - </proc/sys/net/ipv4/ip_local_port_range)): pick another --port-base"
    fi
    rollback
    say "./stage ps shows what is still running; ./stage down stops everything"
    exit 1
}

# Waits until every NAME answers its health probe, each within its own start-up budget. A
# service that exits, or misses its budget, fails the command (with the tail of its log).
# Each round probes every pending service at once (curl and the mariadb client mostly wait on
# sockets), then sleeps 0.1 s: the loop ends when all are healthy or one fails.
wait_healthy() {
    local -A deadline=() since=()
    local -a pending=("$@") next=()
    local name t tmp
    tmp=$(mktemp -d)
    t=$(now_ms)
    for name in "$@"; do
        deadline[$name]=$((t + $(start_timeout_s "$name") * 1000))
        since[$name]=${LAUNCHED_MS[$name]:-$t}
    done
    while ((${#pending[@]} > 0)); do
        # Wait for the probes only: a bare `wait` would also wait for the services this shell
        # launched, which are its children too.
        local -a probes=()
        for name in "${pending[@]}"; do
            (probe "$name" && : >"$tmp/$name") &
            probes+=($!)
        done
        wait "${probes[@]}" || true
        next=()
        t=$(now_ms)
        for name in "${pending[@]}"; do
            if [[ -f $tmp/$name ]]; then
                if [[ " ${STARTED[*]} " == *" $name "* ]]; then
                    say "$name is healthy ($(ms_text $((t - since[$name]))))"
                fi
                continue
            fi
            if ! running_pid "$name" >/dev/null; then
                local status=unknown
                if [[ -n ${LAUNCHED_PID[$name]:-} ]]; then
                    status=0
                    wait "${LAUNCHED_PID[$name]}" 2>/dev/null || status=$?
                fi
                rm -rf "$tmp"
                fail_part "$name" "exited during start-up (exit status $status)"
            fi
            if ((t > deadline[$name])); then
                rm -rf "$tmp"
                fail_part "$name" "is not healthy after $(start_timeout_s "$name") s"
            fi
            next+=("$name")
        done
        pending=("${next[@]}")
        ((${#pending[@]} > 0)) && sleep 0.1
    done
    rm -rf "$tmp"
    return 0
}

ms_text() { printf '%d.%d s' $(($1 / 1000)) $((($1 % 1000) / 100)); }

# --- up -------------------------------------------------------------------------------------------------------
usage_up() {
    cat <<'EOF'
usage: ./stage up [--apps N] [--strategy pubsub|polling|none] [--lock-masters 1|3] [--monitoring|--no-monitoring]

Starts the stage (MariaDB, Redis session/cache/lock, N apps, nginx), or brings a running stage to
the given settings, restarting only what must change and saying why. Options left out keep the
running stage's value (a new stage: 10 apps, strategy pubsub, 1 lock master, no monitoring).

  --apps N            app instances, 1..99 (ports B+1..B+N)
  --strategy S        COUPON_STRATEGY of every app: pubsub, polling or none
  --lock-masters M    1, or 3 independent Redis lock masters (B+102..B+104)
  --monitoring        also Prometheus and exporters (B+120..B+123); --no-monitoring stops them

The apps also get these variables from the environment of `./stage up` (they stick until
`down`; set one empty to return to the app's default): ADMIN_TOKEN (default stage-admin-token),
DB_POOL_SIZE, SEED_COUPON_QUANTITY, LOCK_TTL_MS, LOCK_WAIT_MS, LOCK_RETRY_MS, ARGON2_MEMORY_KIB,
ARGON2_ITERATIONS, HASH_QUEUE_LIMIT, HASH_WAIT_MS, LOG_LEVEL, COOKIE_SECURE, ORDER_TTL_MS,
ORDER_SWEEP_MS, OUTBOX_RELAY_MS, DATA_PLATFORM_URL, and for a sanitizer build ASAN_OPTIONS,
UBSAN_OPTIONS, LSAN_OPTIONS.
The app binary: HHPLUS_SERVER_BIN, else build/release/src/app/hhplus-server (built if missing).

Fails (naming the part and showing the end of its log) when a port is taken or a part is not
healthy in time; what this command started is then stopped again, as on Ctrl-C.
EOF
}

cmd_up() {
    local opt_apps="" opt_strategy="" opt_masters="" opt_monitoring=""
    while (($#)); do
        case $1 in
            --apps) opt_apps=${2:-}; shift 2 || die "--apps needs a value" ;;
            --apps=*) opt_apps=${1#*=}; shift ;;
            --strategy) opt_strategy=${2:-}; shift 2 || die "--strategy needs a value" ;;
            --strategy=*) opt_strategy=${1#*=}; shift ;;
            --lock-masters) opt_masters=${2:-}; shift 2 || die "--lock-masters needs a value" ;;
            --lock-masters=*) opt_masters=${1#*=}; shift ;;
            --monitoring) opt_monitoring=1; shift ;;
            --no-monitoring) opt_monitoring=0; shift ;;
            -h | --help) usage_up; return 0 ;;
            *) usage_up >&2; die "up: unknown argument '$1'" ;;
        esac
    done
    # shellcheck disable=SC2154  # kMaxApps comes from services.sh
    if [[ -n $opt_apps ]] && ! [[ $opt_apps =~ ^[0-9]+$ && $opt_apps -ge 1 && $opt_apps -le $kMaxApps ]]; then
        die "--apps must be 1..$kMaxApps, got '$opt_apps'"
    fi
    case ${opt_strategy:-none} in pubsub | polling | none) ;; *) die "--strategy must be pubsub, polling or none, got '$opt_strategy'" ;; esac
    case ${opt_masters:-1} in 1 | 3) ;; *) die "--lock-masters must be 1 or 3, got '$opt_masters'" ;; esac

    take_lock create
    load_recorded
    CFG[port_base]=$PORT_BASE
    CFG[apps]=${opt_apps:-${REC[apps]:-$kDefaultApps}}
    CFG[strategy]=${opt_strategy:-${REC[strategy]:-$kDefaultStrategy}}
    CFG[lock_masters]=${opt_masters:-${REC[lock_masters]:-$kDefaultLockMasters}}
    CFG[monitoring]=${opt_monitoring:-${REC[monitoring]:-0}}
    local var
    # shellcheck disable=SC2154  # kAppPassVars comes from services.sh
    for var in "${kAppPassVars[@]}"; do
        if [[ -n ${!var+set} ]]; then
            [[ -n ${!var} ]] && CFG[env.$var]=${!var}
        elif [[ -n ${REC[env.$var]:-} ]]; then
            CFG[env.$var]=${REC[env.$var]}
        fi
    done
    [[ -n ${CFG[env.ADMIN_TOKEN]:-} ]] || CFG[env.ADMIN_TOKEN]=$kDefaultAdminToken
    if [[ -n ${REC[port_base]:-} && ${REC[port_base]} != "$PORT_BASE" ]]; then
        say "port base changes from ${REC[port_base]} to $PORT_BASE: every part restarts on its new port"
    fi
    [[ ${CFG[monitoring]} == 1 ]] && require_monitoring_programs
    ensure_server_bin
    init_urls

    trap on_interrupt INT TERM
    trap on_exit EXIT
    local -a desired=() to_stop=() restart=() start=() reload=() keep=()
    local -A wanted=() why=()
    local name pid old
    mapfile -t desired < <(desired_names)
    for name in "${desired[@]}"; do wanted[$name]=1; done
    while IFS= read -r name; do
        [[ -n ${wanted[$name]:-} ]] && continue
        running_pid "$name" >/dev/null && to_stop+=("$name")
    done < <(known_names | sort)

    for name in "${desired[@]}"; do
        build_spec "$name"
        discard_conf
        if ! pid=$(running_pid "$name"); then
            start+=("$name")
            continue
        fi
        old=$(<"$STAGE_DIR/$name/spec")
        if [[ $old == "$SPEC_TEXT" ]]; then
            keep+=("$name")
        elif reloadable "$name" && [[ $(grep -v '^conf ' <<<"$old") == $(grep -v '^conf ' <<<"$SPEC_TEXT") ]]; then
            reload+=("$name")
        else
            restart+=("$name")
            if [[ -n ${REC[port_base]:-} && ${REC[port_base]} != "$PORT_BASE" ]]; then
                why[$name]="port base ${REC[port_base]} → $PORT_BASE"
            else
                why[$name]=$(spec_changes "$old" "$SPEC_TEXT")
            fi
        fi
    done

    check_ports "${start[@]}" "${restart[@]}" -- "${restart[@]}" "${to_stop[@]}"
    if [[ ${CFG[monitoring]} == 1 ]] && [[ " ${start[*]} ${restart[*]} ${reload[*]} " == *" scale-nginx "* ]]; then
        check_ports scale-nginx-status -- scale-nginx
    fi

    report_plan
    # From here on processes start and stop: record the port base first, so that `ps` and
    # `down` find them on the right ports even if this command fails half-way.
    echo "$PORT_BASE" >"$STAGE_DIR/port_base"
    if ((${#to_stop[@]} + ${#restart[@]} > 0)); then
        stop_in_order "${to_stop[@]}" "${restart[@]}"
    fi

    local phase
    for phase in 1 2 3; do
        local -a members=()
        for name in "${desired[@]}"; do
            [[ $(start_phase "$name") == "$phase" ]] || continue
            members+=("$name")
            if [[ " ${start[*]} ${restart[*]} " == *" $name "* ]]; then
                start_service "$name"
            elif [[ " ${reload[*]} " == *" $name "* ]]; then
                reload_service "$name"
            fi
        done
        ((${#members[@]} > 0)) && wait_healthy "${members[@]}"
    done

    write_settings
    trap - INT TERM EXIT
    STARTED=()
    summary_line
}

# Prints the differences between two specs as "KEY: old → new" (ports and names of one app are
# the same change for every app, so the caller shows it once per group).
spec_changes() {
    local old=$1 new=$2 line key
    local -A before=() after=()
    while IFS= read -r line; do
        key=${line%% *}
        if [[ $key == env ]]; then key=${line#env }; key=${key%%=*}; fi
        before[$key]=$line
    done <<<"$old"
    while IFS= read -r line; do
        key=${line%% *}
        if [[ $key == env ]]; then key=${line#env }; key=${key%%=*}; fi
        after[$key]=$line
    done <<<"$new"
    local -a out=()
    for key in $(printf '%s\n' "${!before[@]}" "${!after[@]}" | sort -u); do
        [[ ${before[$key]:-} == "${after[$key]:-}" ]] && continue
        case $key in
            cmd | exe | conf) out+=("${key/conf/configuration} changed") ;;
            binary) out+=("binary rebuilt") ;;
            port) out+=("port ${before[$key]#port } → ${after[$key]#port }") ;;
            *) out+=("$key: $(env_value "${before[$key]:-}") → $(env_value "${after[$key]:-}")") ;;
        esac
    done
    local IFS=';'
    printf '%s' "${out[*]}" | sed 's/;/; /g'
}
env_value() {
    if [[ -z $1 ]]; then printf '(unset)'; else printf '%s' "${1#*=}"; fi
}

# Refuses to go on when a port the stage needs is taken by anything but a service that is about
# to be stopped: check_ports NAME... -- NAME-BEING-STOPPED...
check_ports() {
    local -a names=() stopping=()
    while (($#)) && [[ $1 != -- ]]; do names+=("$1"); shift; done
    (($#)) && shift
    stopping=("$@")
    local -A freed=()
    local name pid port holder hpid
    for name in "${stopping[@]}"; do
        pid=$(running_pid "$name") && freed[$pid]=1
    done
    for name in "${names[@]}"; do
        if [[ $name == scale-nginx-status ]]; then port=$(nginx_status_port); else port=$(port_of "$name"); fi
        holder=$(port_holder "$port") || continue
        local ours=0
        while read -r hpid; do
            [[ -n $hpid && -n ${freed[$hpid]:-} ]] && ours=1
        done < <(port_pids "$port")
        ((ours)) && continue
        # shellcheck disable=SC2154  # kPortSpan comes from services.sh
        die "port $port (for $name) is already in use by $holder. Stop that program, or pick another port base: ./stage --port-base B up (the stage uses B..B+$((kPortSpan - 1)))"
    done
}

report_plan() {
    local name
    ((${#to_stop[@]} > 0)) && say "stopping $(compact_names "${to_stop[@]}") (not part of the stage any more)"
    if ((${#restart[@]} > 0)); then
        # Group restarts that share a reason (the apps usually all do).
        local -A groups=()
        local reason
        for name in "${restart[@]}"; do
            reason=${why[$name]}
            # Per-app values (PORT, INSTANCE_NAME) differ only by a port base change, said above.
            groups[$reason]+="$name "
        done
        for reason in "${!groups[@]}"; do
            # shellcheck disable=SC2086  # the group is a space-separated list of names
            say "restarting $(compact_names ${groups[$reason]}): $reason"
        done
    fi
    ((${#reload[@]} > 0)) && say "reloading $(compact_names "${reload[@]}"): only the configuration changed (the number of apps, or monitoring)"
    ((${#start[@]} > 0)) && say "starting $(compact_names "${start[@]}")"
    if ((${#start[@]} + ${#restart[@]} + ${#reload[@]} + ${#to_stop[@]} == 0)); then
        say "the stage in $STAGE_DIR already runs with these settings: nothing to change"
    fi
    return 0
}

start_service() {
    local name=$1
    [[ $(kind_of "$name") == mysql ]] && mysql_prepare
    build_spec "$name"
    install_conf
    if [[ $(kind_of "$name") == nginx ]]; then
        local out
        out=$("${SPEC_CMD[0]}" -t -q -p "$STAGE_DIR/$name/" -c "$SPEC_CONF" -e stderr 2>&1 9>&-) ||
            die "nginx rejects its rendered configuration ($SPEC_CONF): $out"
    fi
    launch "$name" "$SPEC_TEXT" "${SPEC_ENV[@]}" -- "${SPEC_CMD[@]}"
}

# nginx and Prometheus re-read their configuration on SIGHUP without dropping anything (nginx's
# new workers take new connections while the old ones finish theirs; Prometheus keeps its data):
# used when only the configuration changed, e.g. the list of apps.
reloadable() { [[ $1 == scale-nginx || $1 == scale-prometheus ]]; }

reload_service() {
    local name=$1 dir out
    dir=$STAGE_DIR/$name
    build_spec "$name"
    if [[ $name == scale-nginx ]]; then
        out=$("${SPEC_CMD[0]}" -t -q -p "$dir/" -c "$SPEC_CONF.next" -e stderr 2>&1 9>&-) ||
            die "nginx rejects its new configuration: $out"
    fi
    install_conf
    printf '%s\n' "$SPEC_TEXT" >"$dir/spec"
    signal_service "$name" HUP || fail_part "$name" "is gone (could not reload it)"
}

summary_line() {
    local monitoring=""
    [[ ${CFG[monitoring]} == 1 ]] && monitoring=", Prometheus at http://127.0.0.1:$((PORT_BASE + 120))"
    say "up: ${CFG[apps]} app(s), strategy ${CFG[strategy]}, ${CFG[lock_masters]} lock master(s) — BASE_URL=http://127.0.0.1:$PORT_BASE$monitoring"
}

# --- down --------------------------------------------------------------------------------------------------------
usage_down() {
    cat <<'EOF'
usage: ./stage down [--purge]

Stops every process of the stage by its PID (nginx and monitoring first, then the apps, then
Redis and MariaDB), SIGKILL for any that outlives its grace period. Data and logs stay in the
stage directory; --purge deletes the directory as well.
EOF
}

cmd_down() {
    local purge=0
    while (($#)); do
        case $1 in
            --purge) purge=1; shift ;;
            -h | --help) usage_down; return 0 ;;
            *) usage_down >&2; die "down: unknown argument '$1'" ;;
        esac
    done
    if [[ ! -d $STAGE_DIR ]]; then
        say "no stage in $STAGE_DIR: nothing to stop"
        return 0
    fi
    take_lock
    local -a names=()
    mapfile -t names < <(known_names)
    stop_in_order "${names[@]}"
    rm -f "$(settings_file)" "$STAGE_DIR/port_base"
    if ((purge)); then
        [[ -f $STAGE_DIR/.hhplus-stage ]] || die "$STAGE_DIR does not look like a stage directory: not deleting it"
        rm -f "$(mysql_socket)"
        rm -rf -- "$STAGE_DIR"
        say "deleted $STAGE_DIR"
    fi
    say "down"
}

# --- ps -------------------------------------------------------------------------------------------------------------
usage_ps() {
    cat <<'EOF'
usage: ./stage ps

One line per part of the stage: NAME, SERVICE, STATUS — "running (healthy)" when its health
probe answers (Redis PING, a query as the app's database user, an app's /health/ready, any HTTP
answer from nginx), "running (unhealthy)" when the process runs but the probe fails, "exited"
when it does not run — then its port and PID.
EOF
}

cmd_ps() {
    case ${1:-} in -h | --help) usage_ps; return 0 ;; "") ;; *) die "ps: unknown argument '$1'" ;; esac
    load_recorded
    local -a names=()
    local name
    if [[ -n ${REC[apps]:-} ]]; then
        local key
        for key in "${!REC[@]}"; do CFG[$key]=${REC[$key]}; done
        mapfile -t names < <(desired_names)
    fi
    if [[ -d $STAGE_DIR ]]; then
        while IFS= read -r name; do
            [[ " ${names[*]} " == *" $name "* ]] && continue
            running_pid "$name" >/dev/null && names+=("$name")
        done < <(known_names | sort -V)
    fi
    printf '%-28s %-16s %-22s %-16s %s\n' NAME SERVICE STATUS PORTS PID
    if ((${#names[@]} == 0)); then
        say "no stage is up in $STAGE_DIR"
        return 0
    fi
    # Probe everything at once: one slow app must not make `ps` take seconds per line.
    local tmp
    tmp=$(mktemp -d)
    local -a probes=()
    for name in "${names[@]}"; do
        status_text "$name" >"$tmp/$name" &
        probes+=($!)
    done
    wait "${probes[@]}" || true
    local pid
    for name in "${names[@]}"; do
        pid=$(running_pid "$name") || pid=-
        printf '%-28s %-16s %-22s %-16s %s\n' "$name" "$(service_of "$name")" "$(<"$tmp/$name")" \
            "127.0.0.1:$(port_of "$name")" "$pid"
    done
    rm -rf "$tmp"
}

# --- logs ------------------------------------------------------------------------------------------------------------
usage_logs() {
    cat <<'EOF'
usage: ./stage logs [-f|--follow] [-n|--tail N] NAME|SERVICE...

Prints the log of one part (e.g. hhplus-e-commerce-app-3, scale-nginx) or of every part of a
service (app, redis-lock, mysql, nginx, ...), each line prefixed with the part's name when there
are several. nginx's log holds its errors and its access log; an app's log is its stderr.
EOF
}

# Names matching NAME or SERVICE (among the parts this stage has ever started).
resolve_targets() {
    local arg name found
    local -a all=()
    mapfile -t all < <(known_names | sort -V)
    for arg in "$@"; do
        found=0
        for name in "${all[@]}"; do
            if [[ $name == "$arg" || $(service_of "$name" 2>/dev/null) == "$arg" ]]; then
                printf '%s\n' "$name"
                found=1
            fi
        done
        ((found)) || die "no part or service named '$arg' in $STAGE_DIR (see ./stage ps)"
    done
}

cmd_logs() {
    local follow=0 lines=all
    local -a args=()
    while (($#)); do
        case $1 in
            -f | --follow) follow=1; shift ;;
            -n | --tail) lines=${2:-}; shift 2 || die "--tail needs a value" ;;
            --tail=*) lines=${1#*=}; shift ;;
            -h | --help) usage_logs; return 0 ;;
            -*) usage_logs >&2; die "logs: unknown option '$1'" ;;
            *) args+=("$1"); shift ;;
        esac
    done
    ((${#args[@]} > 0)) || { usage_logs >&2; die "logs: name a part or a service"; }
    [[ $lines == all || $lines =~ ^[0-9]+$ ]] || die "--tail must be a number or 'all'"
    local -a names=() files=()
    mapfile -t names < <(resolve_targets "${args[@]}")
    local name
    for name in "${names[@]}"; do files+=("$STAGE_DIR/$name/log"); done
    local -a tail_args=(-n "+1")
    [[ $lines != all ]] && tail_args=(-n "$lines")
    ((follow)) && tail_args+=(-F)
    if ((${#files[@]} == 1)); then
        exec tail "${tail_args[@]}" "${files[0]}"
    fi
    # Several files: tail prints "==> FILE <==" before each file's lines; turn that into a
    # "NAME | " prefix on every line, like `docker compose logs`.
    # tail separates files with an empty line before each header: hold an empty line back until
    # the next line shows whether it was that separator or a real empty line of a log.
    tail -v "${tail_args[@]}" "${files[@]}" 2>/dev/null | awk -v width=26 '
        /^==> .* <==$/ { n = $2; sub(/\/log$/, "", n); sub(/.*\//, "", n); held = 0; next }
        held { printf "%-*s | \n", width, n; held = 0 }
        /^$/ { held = 1; next }
        { printf "%-*s | %s\n", width, n, $0; fflush() }'
}

# --- exec ------------------------------------------------------------------------------------------------------------
usage_exec() {
    cat <<'EOF'
usage: ./stage exec NAME COMMAND [ARG...]

Runs COMMAND in the part's directory. For the stage's own clients the instance is filled in:
  redis-cli, redis-benchmark            on a Redis part: -h 127.0.0.1 -p its port
  mysql, mariadb, mysqladmin, mariadb-admin, mysqldump, mariadb-dump
                                        on scale-mysql: its socket, as root (later options win)
  nginx                                 on scale-nginx: its prefix and configuration (nginx -t)
e.g.  ./stage exec scale-redis-lock redis-cli INFO stats
      ./stage exec scale-mysql mysql hhplus -e 'SELECT COUNT(*) FROM user_coupons'
EOF
}

cmd_exec() {
    case ${1:-} in -h | --help) usage_exec; return 0 ;; esac
    (($# >= 2)) || { usage_exec >&2; die "exec: name a part and a command"; }
    local name=$1
    shift
    kind_of "$name" >/dev/null 2>&1 || die "exec: no part named '$name' (see ./stage ps)"
    load_recorded
    running_pid "$name" >/dev/null || die "$name is not running (./stage ps; ./stage up)"
    local -a cmd=("$@")
    local kind program
    kind=$(kind_of "$name")
    program=${1##*/}
    case $kind:$program in
        redis:redis-cli | redis:redis-benchmark)
            cmd=("$1" -h 127.0.0.1 -p "$(port_of "$name")" "${@:2}") ;;
        mysql:mysql | mysql:mariadb | mysql:mysqladmin | mysql:mariadb-admin | mysql:mysqldump | mysql:mariadb-dump)
            cmd=("$1" --no-defaults --socket="$(mysql_socket)" --user=root "${@:2}") ;;
        nginx:nginx)
            cmd=("$1" -p "$STAGE_DIR/$name/" -c "$STAGE_DIR/$name/nginx.conf" -e stderr "${@:2}") ;;
    esac
    cd "$STAGE_DIR/$name" || die "cannot enter $STAGE_DIR/$name"
    exec 9>&-
    exec "${cmd[@]}"
}

# --- env --------------------------------------------------------------------------------------------------------------
usage_env() {
    cat <<'EOF'
usage: ./stage env

Prints `export` lines for scripts and load generators:  eval "$(./stage env)"
BASE_URL, DATABASE_URL, REDIS_SESSION_URL, REDIS_LOCK_URLS, REDIS_CACHE_URL, ADMIN_TOKEN.
EOF
}

cmd_env() {
    case ${1:-} in -h | --help) usage_env; return 0 ;; "") ;; *) die "env: unknown argument '$1'" ;; esac
    load_recorded
    if [[ -n ${REC[apps]:-} ]]; then
        local key
        for key in "${!REC[@]}"; do CFG[$key]=${REC[$key]}; done
    else
        warn "no stage is up in $STAGE_DIR; printing what ./stage up would use"
        CFG[lock_masters]=$kDefaultLockMasters
        CFG[env.ADMIN_TOKEN]=${ADMIN_TOKEN:-$kDefaultAdminToken}
    fi
    export_line BASE_URL "http://127.0.0.1:$PORT_BASE"
    init_urls
    export_line DATABASE_URL "$DATABASE_URL_TEXT"
    export_line REDIS_SESSION_URL "$SESSION_URL_TEXT"
    export_line REDIS_LOCK_URLS "$LOCK_URLS_TEXT"
    export_line REDIS_CACHE_URL "$CACHE_URL_TEXT"
    export_line ADMIN_TOKEN "${CFG[env.ADMIN_TOKEN]}"
}

# export NAME=VALUE, the value bare when it is plain (URLs, tokens: easy for other tools to read),
# else in single quotes.
export_line() {
    if [[ $2 =~ ^[A-Za-z0-9_./:@,=+-]*$ ]]; then
        printf 'export %s=%s\n' "$1" "$2"
    else
        printf "export %s='%s'\n" "$1" "${2//\'/\'\\\'\'}"
    fi
}

# --- stats ------------------------------------------------------------------------------------------------------------
usage_stats() {
    cat <<'EOF'
usage: ./stage stats

Per Redis role, the figures of INFO the seed guide reads (since the last `reset`, which runs
CONFIG RESETSTAT): total_commands_processed, instantaneous_ops_per_sec,
total_connections_received, connected_clients, pubsub_channels, pubsub_patterns.
Per app, the requests it served since the last `reset` (hhplus_http_requests_total, without the
/health and /metrics probes), against the baseline `reset` recorded.
EOF
}

# Sum of hhplus_http_requests_total over every route but the probes, from /metrics on PORT.
app_request_count() {
    curl -s --max-time 2 "http://127.0.0.1:$1/metrics" 2>/dev/null | awk '
        /^hhplus_http_requests_total[{ ]/ {
            if ($0 ~ /route="\/(health|metrics)/) next
            sum += $NF
        }
        END { printf "%d\n", sum }'
}

cmd_stats() {
    case ${1:-} in -h | --help) usage_stats; return 0 ;; "") ;; *) die "stats: unknown argument '$1'" ;; esac
    require_stage
    local name info
    printf '%-8s %-22s %25s %26s %27s %18s %16s %16s\n' ROLE NAME total_commands_processed \
        instantaneous_ops_per_sec total_connections_received connected_clients pubsub_channels pubsub_patterns
    while IFS= read -r name; do
        if ! running_pid "$name" >/dev/null; then
            printf '%-8s %-22s %s\n' "$(redis_role "$name")" "$name" "(not running)"
            continue
        fi
        info=$(redis-cli -h 127.0.0.1 -p "$(port_of "$name")" INFO 2>/dev/null | tr -d '\r')
        printf '%-8s %-22s %25s %26s %27s %18s %16s %16s\n' "$(redis_role "$name")" "$name" \
            "$(info_field "$info" total_commands_processed)" "$(info_field "$info" instantaneous_ops_per_sec)" \
            "$(info_field "$info" total_connections_received)" "$(info_field "$info" connected_clients)" \
            "$(info_field "$info" pubsub_channels)" "$(info_field "$info" pubsub_patterns)"
    done < <(redis_names)
    echo
    local i pid count base total=0 note
    local -a counts=() notes=() apps=()
    local app_count=${CFG[apps]}
    for ((i = 1; i <= app_count; i++)); do
        name=$(app_name "$i")
        apps+=("$name")
        if ! pid=$(running_pid "$name"); then
            counts+=(-)
            notes+=("(not running)")
            continue
        fi
        count=$(app_request_count "$(port_of "$name")")
        note=""
        base=$(baseline_for "$name" "$pid")
        if [[ $base == restarted ]]; then
            note="(restarted since the last reset: counted from its start)"
        else
            count=$((count - base))
        fi
        counts+=("$count")
        notes+=("$note")
        total=$((total + count))
    done
    printf '%-28s %10s %7s\n' APP REQUESTS SHARE
    for i in "${!apps[@]}"; do
        local share=-
        if [[ ${counts[$i]} != - ]] && ((total > 0)); then
            share=$(awk -v c="${counts[$i]}" -v t="$total" 'BEGIN { printf "%.1f%%", 100 * c / t }')
        fi
        printf '%-28s %10s %7s %s\n' "${apps[$i]}" "${counts[$i]}" "$share" "${notes[$i]}"
    done
    printf '%-28s %10s\n' total "$total"
}

info_field() {
    local line
    while IFS= read -r line; do
        if [[ $line == "$2:"* ]]; then
            printf '%s' "${line#*:}"
            return 0
        fi
    done <<<"$1"
    printf '-'
}

# The app's request count at the last reset, or "restarted" when the running process is not the
# one the baseline was taken from (a new process counts from zero), or 0 without a baseline.
baseline_for() {
    local file
    file=$STAGE_DIR/$1/requests.baseline
    if [[ ! -f $file ]]; then
        echo 0
        return 0
    fi
    local bpid bcount
    read -r bpid bcount <"$file"
    if [[ $bpid == "$2" ]]; then echo "${bcount:-0}"; else echo restarted; fi
}

# --- reset ------------------------------------------------------------------------------------------------------------
usage_reset() {
    cat <<'EOF'
usage: ./stage reset

Back to the seed state without restarting anything: the database tables are emptied and coupon 1
(TESTCOUPON, 15 %, SEED_COUPON_QUANTITY, expiring 2029-12-31T23:59:59Z) is created again; the
session, cache and lock Redis are flushed and their statistics reset (CONFIG RESETSTAT); each
app's request counter is recorded as the baseline of `./stage stats`.
EOF
}

cmd_reset() {
    case ${1:-} in -h | --help) usage_reset; return 0 ;; "") ;; *) die "reset: unknown argument '$1'" ;; esac
    take_lock
    require_stage
    running_pid scale-mysql >/dev/null || die "scale-mysql is not running (./stage up)"
    local quantity=${CFG[env.SEED_COUPON_QUANTITY]:-$kDefaultSeedCouponQuantity}
    [[ $quantity =~ ^[0-9]+$ ]] || die "SEED_COUPON_QUANTITY '$quantity' is not a number"
    local -a mysql_root=(mariadb --no-defaults --socket="$(mysql_socket)" --user=root "$kDbName")
    local list table count
    list=$(printf "'%s'," "${kResetTables[@]}")
    count=$("${mysql_root[@]}" -N -e "SELECT COUNT(*) FROM information_schema.tables
        WHERE table_schema = '$kDbName' AND table_name IN (${list%,})" 2>&1) ||
        die "reset: cannot query scale-mysql: $count"
    if ((count != ${#kResetTables[@]})); then
        die "reset: the schema is incomplete ($count of ${#kResetTables[@]} tables: ${kResetTables[*]}); the apps create it when they start — is one healthy?"
    fi
    local sql="SET SESSION lock_wait_timeout = 30;"
    for table in "${kResetTables[@]}"; do sql+=" TRUNCATE TABLE $table;"; done
    # The app's seed (api.md "Seed data"), with version 0: the lock's fence starts again.
    sql+=" INSERT INTO coupons (id, name, discount_rate, total_quantity, issued_quantity, expired_at, version)
           VALUES (1, 'TESTCOUPON', 15, $quantity, 0, '2029-12-31 23:59:59.000', 0);"
    # The app's product seed (catalog_store.cpp SeedIfEmpty), the same rows.
    sql+=" INSERT INTO products (id, name, created_at) VALUES (1, 'Basic T-shirt', UTC_TIMESTAMP(3)),
           (2, 'Hoodie', UTC_TIMESTAMP(3)), (3, 'Sneakers', UTC_TIMESTAMP(3));
         INSERT INTO product_options (id, product_id, color, size, price, stock, initial_stock)
           VALUES (1, 1, 'black', 'M', 19000, 100, 100), (2, 1, 'black', 'L', 19000, 100, 100),
           (3, 1, 'white', 'M', 19000, 100, 100), (4, 2, 'grey', 'L', 49000, 50, 50),
           (5, 3, 'white', '270', 89000, 30, 30);"
    local out
    out=$("${mysql_root[@]}" -e "$sql" 2>&1) || die "reset: the database reset failed: $out"
    say "database emptied; coupon 1 TESTCOUPON ($quantity) and the seed products created"
    local name
    while IFS= read -r name; do
        running_pid "$name" >/dev/null || die "reset: $name is not running"
        out=$(redis-cli -h 127.0.0.1 -p "$(port_of "$name")" FLUSHALL 2>&1)
        [[ $out == OK ]] || die "reset: FLUSHALL on $name failed: $out"
        out=$(redis-cli -h 127.0.0.1 -p "$(port_of "$name")" CONFIG RESETSTAT 2>&1)
        [[ $out == OK ]] || die "reset: CONFIG RESETSTAT on $name failed: $out"
    done < <(redis_names)
    say "Redis flushed and statistics reset: $(redis_names | paste -sd ' ')"
    local i pid
    local app_count=${CFG[apps]}
    for ((i = 1; i <= app_count; i++)); do
        name=$(app_name "$i")
        pid=$(running_pid "$name") || continue
        printf '%s %s\n' "$pid" "$(app_request_count "$(port_of "$name")")" >"$STAGE_DIR/$name/requests.baseline"
    done
    say "request baselines recorded for ./stage stats"
}

# --- kill / restart ---------------------------------------------------------------------------------------------------
usage_kill() {
    cat <<'EOF'
usage: ./stage kill [-s SIGNAL] NAME|SERVICE...

Sends SIGNAL (default KILL, as `docker kill`) to the part's process, by its PID, and waits until
it is gone. `./stage restart NAME` starts it again; `./stage up` does too.
EOF
}

cmd_kill() {
    local sig=KILL
    local -a args=()
    while (($#)); do
        case $1 in
            -s | --signal) sig=${2:-}; shift 2 || die "--signal needs a value" ;;
            -h | --help) usage_kill; return 0 ;;
            -*) usage_kill >&2; die "kill: unknown option '$1'" ;;
            *) args+=("$1"); shift ;;
        esac
    done
    ((${#args[@]} > 0)) || { usage_kill >&2; die "kill: name a part"; }
    sig=${sig#SIG}
    kill -l "$sig" >/dev/null 2>&1 || die "kill: unknown signal '$sig'"
    take_lock
    local -a names=()
    mapfile -t names < <(resolve_targets "${args[@]}")
    local name pid t deadline
    for name in "${names[@]}"; do
        pid=$(running_pid "$name") || { warn "$name is not running"; continue; }
        kill "-$sig" "$pid" || die "kill: could not signal $name (pid $pid)"
        case $sig in KILL | TERM | INT | QUIT) ;; *) say "sent SIG$sig to $name (pid $pid)"; continue ;; esac
        t=$(now_ms)
        deadline=$((t + $(stop_grace_s "$name") * 1000))
        while pid_alive "$pid" && (($(now_ms) < deadline)); do sleep 0.05; done
        if pid_alive "$pid"; then
            warn "$name (pid $pid) still runs $(stop_grace_s "$name") s after SIG$sig"
        else
            rm -f "$STAGE_DIR/$name/pid"
            say "killed $name (pid $pid, SIG$sig)"
        fi
    done
}

usage_restart() {
    cat <<'EOF'
usage: ./stage restart NAME|SERVICE...

Stops the part (SIGTERM, SIGKILL after its grace period) if it runs, starts it again with the
stage's settings and waits until it is healthy. A service name (e.g. app) restarts its parts one
after the other, so nginx always has the others to send requests to.
EOF
}

cmd_restart() {
    local -a args=()
    while (($#)); do
        case $1 in
            -h | --help) usage_restart; return 0 ;;
            -*) usage_restart >&2; die "restart: unknown option '$1'" ;;
            *) args+=("$1"); shift ;;
        esac
    done
    ((${#args[@]} > 0)) || { usage_restart >&2; die "restart: name a part"; }
    take_lock
    require_stage
    local -a names=()
    mapfile -t names < <(resolve_targets "${args[@]}")
    local -A wanted=()
    local name
    while IFS= read -r name; do wanted[$name]=1; done < <(desired_names)
    trap on_interrupt INT TERM
    trap on_exit EXIT
    for name in "${names[@]}"; do
        [[ -n ${wanted[$name]:-} ]] || die "$name is not part of the running stage (./stage up changes its parts)"
        stop_services "$name"
        check_ports "$name" --
        start_service "$name"
        wait_healthy "$name"
        STARTED=()
    done
    trap - INT TERM EXIT
}
