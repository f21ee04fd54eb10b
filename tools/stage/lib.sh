# shellcheck shell=bash
# ./stage library: messages, PID files checked against /proc, ports, and starting/stopping one
# process. Sourced by ./stage; every function works on the globals STAGE_DIR and PORT_BASE.
#
# A stage process is ours only when all of these hold (a PID file alone proves nothing: the PID
# may have been recycled since):
#   - /proc/PID exists and is not a zombie;
#   - its command line contains the program we started (e.g. /usr/bin/redis-server);
#   - its working directory is the service's directory under the stage directory (every process
#     is started there, and redis/mariadbd only move further down, into their data directory).

# --- messages ---------------------------------------------------------------------------------
say() { printf 'stage: %s\n' "$*" >&2; }
warn() { printf 'stage: warning: %s\n' "$*" >&2; }
die() {
    printf 'stage: error: %s\n' "$*" >&2
    exit 1
}

# Seconds since the epoch with milliseconds, as an integer number of milliseconds.
now_ms() {
    local s=${EPOCHREALTIME/./}
    printf '%s' "$((s / 1000))"
}

# --- paths --------------------------------------------------------------------------------------
svc_dir() { printf '%s/%s' "$STAGE_DIR" "$1"; }

# Absolute path of a program: PATH first, then the sbin directories a non-root PATH lacks.
find_program() {
    local name=$1 dir
    if command -v "$name" >/dev/null 2>&1; then
        command -v "$name"
        return 0
    fi
    for dir in /usr/local/sbin /usr/sbin /sbin /usr/local/bin /usr/bin; do
        if [[ -x $dir/$name ]]; then
            printf '%s/%s' "$dir" "$name"
            return 0
        fi
    done
    return 1
}

require_program() {
    find_program "$1" || die "'$1' is not installed (scripts/setup.sh installs everything the stage needs)"
}

# --- process identity -----------------------------------------------------------------------------
# True when PID is a live process (not a zombie). Builtins only: `ps` and friends probe dozens
# of PIDs, and every fork costs milliseconds on a loaded 2-core machine.
pid_alive() {
    local pid=$1 stat state
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    { read -r stat <"/proc/$pid/stat"; } 2>/dev/null || return 1
    # Field 3, after the parenthesised command name (which may itself contain spaces or ')').
    state=${stat##*) }
    state=${state%% *}
    [[ $state != Z && $state != X ]]
}

# True when PID is the process we started for service NAME (see the header comment).
pid_is_ours() {
    local pid=$1 name=$2 exe dir
    local -a argv=()
    pid_alive "$pid" || return 1
    exe=$(spec_value "$name" exe) || return 1
    { mapfile -d '' argv <"/proc/$pid/cmdline"; } 2>/dev/null || return 1
    [[ " ${argv[*]} " == *"$exe"* ]] || return 1
    # Same directory (device and inode) as the service's, or its data directory, where redis and
    # mariadbd move.
    dir=$STAGE_DIR/$name
    [[ /proc/$pid/cwd -ef $dir || /proc/$pid/cwd -ef $dir/data ]]
}

# The PID of service NAME when it runs, else nothing and status 1. A stale PID file (the process
# died, or the PID now belongs to something else) is removed.
running_pid() {
    local name=$1 file pid
    file=$STAGE_DIR/$name/pid
    [[ -f $file ]] || return 1
    pid=$(<"$file")
    if pid_is_ours "$pid" "$name"; then
        printf '%s' "$pid"
        return 0
    fi
    rm -f "$file"
    return 1
}

# One recorded value of a service's spec file (written when it was started): `exe`, `port`, ...
spec_value() {
    local name=$1 key=$2 file line
    file=$STAGE_DIR/$name/spec
    [[ -f $file ]] || return 1
    while IFS= read -r line; do
        if [[ $line == "$key "* ]]; then
            printf '%s' "${line#"$key "}"
            return 0
        fi
    done <"$file"
    return 1
}

# Every service directory of this stage (whether or not its process runs), in no special order.
known_names() {
    local d
    for d in "$STAGE_DIR"/*/; do
        [[ -f ${d}spec ]] || continue
        d=${d%/}
        printf '%s\n' "${d##*/}"
    done
}

# --- ports -----------------------------------------------------------------------------------------
# Prints who listens on TCP port P on any address ("redis-server pid 123", or "another program"
# when ss may not show other users' processes); status 1 when nobody does.
port_holder() {
    local port=$1 out
    out=$(ss -Htlnp "( sport = :$port )" 2>/dev/null) || out=""
    [[ -n $out ]] || return 1
    if [[ $out =~ \(\(\"([^\"]+)\",pid=([0-9]+) ]]; then
        printf '%s pid %s' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
    else
        printf 'another program'
    fi
    return 0
}

# Every PID holding TCP port P open for listening (nginx: the master and each worker).
port_pids() {
    local out
    out=$(ss -Htlnp "( sport = :$1 )" 2>/dev/null) || return 1
    grep -oE 'pid=[0-9]+' <<<"$out" | cut -d= -f2 | sort -u
}

# When launch started each service (read by wait_healthy in commands.sh: "healthy (1.2 s)").
declare -A LAUNCHED_MS=()
# The PID launch got for each service: our child, so `wait` can tell its exit status.
declare -A LAUNCHED_PID=()

# --- starting and stopping one process ---------------------------------------------------------------
# launch NAME CONFIG_TEXT -- ENV... -- EXE ARGS...
# Starts EXE in the service's directory, in its own session (a Ctrl-C in the terminal or closing it
# does not reach it), with only the given environment plus PATH and HOME, stdin from /dev/null and
# stdout+stderr appended to the service's log. Writes the PID file and the spec file. The stage's
# lock descriptor (9) is closed in the child so a long-running server never holds the lock.
launch() {
    local name=$1 spec_text=$2
    shift 2
    local -a env=()
    while [[ $1 != -- ]]; do
        env+=("$1")
        shift
    done
    shift
    local dir pid
    dir=$STAGE_DIR/$name
    mkdir -p "$dir"
    printf '%s\n' "$spec_text" >"$dir/spec"
    printf -- '---- %s ./stage: starting %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$name" >>"$dir/log"
    # A signal between starting the process and recording it (PID file + STARTED) would leave it
    # running unknown to the rollback: hold INT/TERM back until both are written, then re-raise.
    local held_signal="" previous_int previous_term
    previous_int=$(trap -p INT)
    previous_term=$(trap -p TERM)
    trap 'held_signal=INT' INT
    trap 'held_signal=TERM' TERM
    (
        cd "$dir" || exit 1
        exec setsid env -i "PATH=$PATH" "HOME=$dir" "${env[@]}" "$@"
    ) </dev/null >>"$dir/log" 2>&1 9>&- &
    pid=$!
    printf '%s\n' "$pid" >"$dir/pid"
    STARTED+=("$name")
    trap - INT TERM
    eval "$previous_int"
    eval "$previous_term"
    [[ -z $held_signal ]] || kill -s "$held_signal" "$"
    # shellcheck disable=SC2034  # read by wait_healthy (commands.sh)
    LAUNCHED_MS[$name]=$(now_ms)
    # shellcheck disable=SC2034  # read by wait_healthy (commands.sh)
    LAUNCHED_PID[$name]=$pid
}

# Sends SIG to service NAME if it runs (status 1 if it does not).
signal_service() {
    local name=$1 sig=$2 pid
    pid=$(running_pid "$name") || return 1
    kill "-$sig" "$pid" 2>/dev/null
}

# Stops several services: SIGTERM to all, then waits for each up to its own grace period (named
# per kind in services.sh), then SIGKILL for whoever is left. Prints one line per stopped service.
stop_services() {
    local -A pids=() deadline=()
    local name pid t
    t=$(now_ms)
    for name in "$@"; do
        pid=$(running_pid "$name") || continue
        pids[$name]=$pid
        deadline[$name]=$((t + $(stop_grace_s "$name") * 1000))
        kill -TERM "$pid" 2>/dev/null || true
    done
    local remaining=${#pids[@]}
    # Bounded: each service leaves the loop by exiting or by its deadline (then SIGKILL).
    while ((remaining > 0)); do
        remaining=0
        t=$(now_ms)
        for name in "${!pids[@]}"; do
            pid=${pids[$name]}
            [[ -n $pid ]] || continue
            if ! pid_alive "$pid"; then
                say "stopped $name (pid $pid)"
                pids[$name]=""
                rm -f "$STAGE_DIR/$name/pid"
                continue
            fi
            if ((t > deadline[$name])); then
                warn "$name (pid $pid) did not stop within $(stop_grace_s "$name") s: SIGKILL"
                kill -KILL "$pid" 2>/dev/null || true
                deadline[$name]=$((t + 5000))
            fi
            remaining=$((remaining + 1))
        done
        ((remaining > 0)) && sleep 0.05
    done
    return 0
}

# Prints the last lines of a service's log, indented, to stderr.
log_tail() {
    local name=$1 lines=${2:-25} file
    file=$STAGE_DIR/$name/log
    [[ -f $file ]] || return 0
    printf 'stage: ---- last %s lines of %s ----\n' "$lines" "$file" >&2
    tail -n "$lines" "$file" | sed 's/^/    /' >&2
    printf 'stage: ----\n' >&2
}

# Compact list of names: app-1 app-2 app-3 → hhplus-e-commerce-app-1..3 (others as they are).
compact_names() {
    local out="" first="" last="" n prefix=hhplus-e-commerce-app-
    local -a others=()
    for n in "$@"; do
        if [[ $n == "$prefix"* && ${n#"$prefix"} =~ ^[0-9]+$ ]]; then
            local i=${n#"$prefix"}
            if [[ -n $last && $i -eq $((last + 1)) ]]; then
                last=$i
            else
                [[ -n $first ]] && out+="$(range_text "$prefix" "$first" "$last") "
                first=$i
                last=$i
            fi
        else
            others+=("$n")
        fi
    done
    [[ -n $first ]] && out+="$(range_text "$prefix" "$first" "$last") "
    out+="${others[*]}"
    printf '%s' "${out% }"
}
range_text() {
    if (($2 == $3)); then printf '%s%s' "$1" "$2"; else printf '%s%s..%s' "$1" "$2" "$3"; fi
}
