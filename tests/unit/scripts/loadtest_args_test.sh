#!/usr/bin/env bash
# Unit test: scripts/loadtest.sh's --issue-only arguments (and the order-rush block's). `--plan` prints what the ramp would run
# and exits before installing, building or starting anything, so the parsing and the pool-size
# arithmetic are checked here without a stage; bad values must exit 2 with the option's name.
set -uo pipefail
repo=$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)
script=$repo/scripts/loadtest.sh
failed=0
passed=0
expect() {  # expect NAME COMMAND_OUTPUT PATTERN
    if grep -qE -- "$3" <<<"$2"; then
        passed=$((passed + 1))
    else
        echo "FAILED  $1: no /$3/ in:"
        echo "    ${2//$'\n'/$'\n'    }"
        failed=$((failed + 1))
    fi
}
refused() {  # refused PATTERN ARGS...: exit 2 and PATTERN on stderr
    local pattern=$1 out rc=0
    shift
    out=$("$script" "$@" 2>&1 >/dev/null) || rc=$?
    expect "exit of $*" "rc=$rc" '^rc=2$'
    expect "message of $*" "$out" "$pattern"
}

out=$("$script" --issue-only --plan 2>&1)
expect "default pool" "$out" '^session pool: 60000 users \(the top rate 6000/s × 10 s\)'
expect "default steps" "$out" '^timed: 150 s in 3 × 5 steps$'
expect "default order" "$(grep '^step:' <<<"$out" | sed -n '1p;6p;11p' | tr '\n' ' ')" \
    'strategy=pubsub rate=500/s.*strategy=none rate=500/s.*strategy=polling rate=500/s'
expect "default coupon" "$out" 'a fresh coupon of 1000000 per step, 10 s per step'

# The pool follows the biggest rate wherever it is in the list, and minutes are seconds × 60.
out=$("$script" --issue-only --rates 700,300 --duration 1m --strategies none --apps 3 \
    --quantity 5000 --plan 2>&1)
expect "pool of the top rate" "$out" '^session pool: 42000 users \(the top rate 700/s × 60 s\)'
expect "two steps" "$out" '^timed: 120 s in 1 × 2 steps$'
expect "apps and quantity" "$out" '^issue-only ramp: 3 apps via nginx, a fresh coupon of 5000 per step'
expect "plain seconds" "$("$script" --issue-only --rates 10 --duration 7 --plan 2>&1)" \
    '^timed: 21 s in 3 × 1 steps$'

refused -- '--rates must be positive integers' --issue-only --rates 500,,1000 --plan
refused -- '--rates must be positive integers' --issue-only --rates 0 --plan
refused -- '--duration must be whole seconds' --issue-only --duration 10ms --plan
refused -- '--duration must be whole seconds' --issue-only --duration 0s --plan
refused -- '--strategies must be pubsub, none or polling' --issue-only --strategies redlock --plan
refused -- '--rate belongs to the issue-coupon run' --issue-only --rate 5 --plan
refused -- '--rates, --strategies and --plan need --issue-only' --rates 500
refused -- '--apps must be a positive integer' --issue-only --apps x --plan
refused -- "unknown option '--nope'" --issue-only --nope
# The order-rush block's options.
refused -- '--stock must be a positive integer' --stock 0
refused -- '--orders-only and --issue-only are two different runs' --orders-only --issue-only --plan
refused -- '--rate and --quantity belong to the issue-coupon run' --orders-only --rate 5

echo "$passed passed, $failed failed"
((failed == 0 && passed > 0))
