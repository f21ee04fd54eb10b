# shellcheck shell=bash
# Shared by the bash end-to-end drivers (source it; it defines functions and nothing runs):
#   ok / bad / check / note   TAP-like lines and the passed/failed counters a driver ends on
#   port_free PORT            nothing listens on 127.0.0.1:PORT
#   pick_port_base            a base B with B..B+130 free (what ./stage --port-base needs)
#   up_on_free_base VAR LOG FN ARGS…  `FN up ARGS…` on the port base in VAR, drawing a new base
#                             into VAR when another process took one of its ports first
#   wait_until SECONDS CMD…   runs CMD until it succeeds, at most SECONDS: for a state the system
#                             reaches in its own time (a probe answering, a counter caught up)
#   finish                    prints the totals and returns non-zero when something failed
# Port bases are drawn below the kernel's ephemeral range (32768+ here): inside it, an outgoing
# connection of another test may hold a stage port for a moment and make a server's bind fail.
readonly kHarnessPortLow=20000
readonly kHarnessPortHigh=32000
readonly kHarnessPortSpan=131   # the stage uses B..B+129; B+130 must be free too
readonly kHarnessPickTries=50   # random draws before giving up (the range holds ~1,180 bases)

passed=0
failed=0
ok() { passed=$((passed + 1)); printf 'ok      %s\n' "$*"; }
bad() { failed=$((failed + 1)); printf 'FAILED  %s\n' "$*"; }
check() { # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}
note() { printf '        %s\n' "$*"; }

port_free() { [[ -z $(ss -Htln "( sport = :$1 )" 2>/dev/null) ]]; }
port_range_free() {
    local p
    for ((p = $1; p < $1 + kHarnessPortSpan; p++)); do port_free "$p" || return 1; done
}
pick_port_base() {
    local tries base
    for ((tries = 0; tries < kHarnessPickTries; tries++)); do
        base=$((kHarnessPortLow + RANDOM % ((kHarnessPortHigh - kHarnessPortLow - kHarnessPortSpan) / 10) * 10))
        if port_range_free "$base"; then
            echo "$base"
            return 0
        fi
    done
    return 1
}

# A base from pick_port_base is free when drawn, but nothing holds it until the stage binds it: a
# stage another program starts at that moment on the same machine can take one of its ports
# first (on a shared machine; CI runs one stage at a time). up_on_free_base VAR LOG FN ARGS… runs
# `FN up ARGS…` (FN: the driver's ./stage wrapper, which reads the base from VAR) with its output
# in LOG; when it failed because a port "is already in use", it stops what was started, draws a
# new base into VAR and tries again, at most kHarnessUpTries times in all. Any other failure
# returns at once (status 1).
readonly kHarnessUpTries=3
up_on_free_base() {
    local var=$1 log=$2 fn=$3 try base
    shift 3
    for ((try = 1; ; try++)); do
        "$fn" up "$@" >"$log" 2>&1 && return 0
        ((try < kHarnessUpTries)) && grep -q 'is already in use' "$log" || return 1
        echo "harness: $(grep -m1 'is already in use' "$log" | cut -c1-100)…: another port base" >&2
        "$fn" down --purge >/dev/null 2>&1
        base=$(pick_port_base) || return 1
        printf -v "$var" '%s' "$base"
    done
}

# How long a driver waits for a state that comes in the system's own time, instead of sleeping a
# fixed time and then looking once: far beyond what an idle machine needs (seconds), so a 2-core
# machine running an ASan build beside a CPU hog and other stages gets there too, and still a
# bound, so a state that never comes fails the check.
# shellcheck disable=SC2034  # read by the drivers that source this file
readonly kHarnessSettleSeconds=120
wait_until() { # wait_until SECONDS COMMAND...: status 0 as soon as COMMAND succeeds, 1 at the bound
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        ((SECONDS >= deadline)) && return 1
        sleep 0.5
    done
}

finish() {
    echo
    echo "$passed passed, $failed failed"
    ((failed == 0))
}
