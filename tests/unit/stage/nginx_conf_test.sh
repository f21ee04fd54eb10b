#!/usr/bin/env bash
# Unit test: deploy/nginx/render.sh turns the one nginx template into a configuration nginx
# accepts, for the local stage (loopback address, one server line per app) and for Compose (the
# service name), and the rules the API relies on are in it. No socket is opened (`nginx -t`).
# Single-quoted $ are literal on purpose: nginx variables in patterns, and `bash -c` bodies.
# shellcheck disable=SC2016
set -uo pipefail
repo=$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)
render=$repo/deploy/nginx/render.sh
template=$repo/deploy/nginx/nginx.conf.template
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
check() {
    local what=$1
    shift
    if "$@"; then passed=$((passed + 1)); echo "ok      $what"; else failed=$((failed + 1)); echo "FAILED  $what"; fi
}
active() { grep -v '^[[:space:]]*#' "$1"; }   # the file without its comment lines
has() { active "$1" | grep -E -- "$2" >/dev/null; }   # no -q: with pipefail, an early exit fails the pipe
lacks() { ! active "$1" | grep -E -- "$2" >/dev/null; }
count() { active "$1" | grep -cE -- "$2"; }

# Local stage: three apps on loopback.
sh "$render" "$template" "$tmp/local.conf" 127.0.0.1:23000 127.0.0.1:23001 127.0.0.1:23002 127.0.0.1:23003
check "local: one server line per app" test "$(count "$tmp/local.conf" '^ +server 127\.0\.0\.1:2300[1-3] max_fails=1 fail_timeout=2s;$')" = 3
check "local: listens on the loopback port" has "$tmp/local.conf" '^ +listen 127\.0\.0\.1:23000 '
check "local: no placeholder left" lacks "$tmp/local.conf" '@[A-Z_]+@'
mkdir -p "$tmp/prefix"
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
check "local: nginx -t accepts it" "$nginx_bin" -t -q -p "$tmp/prefix/" -c "$tmp/local.conf" -e stderr

# Compose: nginx listens on 3000 in its container; `app` resolves to every replica.
sh "$render" "$template" "$tmp/compose.conf" 3000 app:3000
check "compose: one server line for the app service" test "$(count "$tmp/compose.conf" '^ +server app:3000 max_fails=1 fail_timeout=2s;$')" = 1
check "compose: listens on 3000 on every address" has "$tmp/compose.conf" '^ +listen 3000 '
check "compose: same file as local but for upstreams and ports" \
    test "$(diff <(grep -vE 'server (127|app)|listen ' "$tmp/local.conf") <(grep -vE 'server (127|app)|listen ' "$tmp/compose.conf") | wc -l)" = 0

# Rejected input: nothing that could inject nginx directives.
check "render.sh refuses a server with a ';'" bash -c '! sh "$1" "$2" "$3/x.conf" 3000 "a:1;evil" 2>/dev/null' _ "$render" "$template" "$tmp"
check "render.sh refuses a bad listen value" bash -c '! sh "$1" "$2" "$3/x.conf" "3000 ssl" a:1 2>/dev/null' _ "$render" "$template" "$tmp"

# Rules from the design (stage.md "nginx", api.md "Conventions").
conf=$tmp/local.conf
check "least_conn balancing" has "$conf" '^ +least_conn;'
check "upstream keepalive" has "$conf" '^ +keepalive [0-9]+;'
check "HTTP/1.1 with an empty Connection header to the apps" \
    bash -c 'grep -q "proxy_http_version 1.1;" "$1" && grep -q "proxy_set_header Connection \"\";" "$1"' _ "$conf"
check "retries only where nothing was sent (no non_idempotent)" \
    bash -c 'grep -qE "^ +proxy_next_upstream error timeout;" "$1" && ! grep -v "^ *#" "$1" | grep -q non_idempotent' _ "$conf"
check "X-Request-Id passed to the apps" has "$conf" 'proxy_set_header X-Request-Id \$hhplus_request_id;'
check "bodies over 16 KiB refused" has "$conf" 'client_max_body_size 16k;'
check "/metrics not public" has "$conf" 'location /metrics'
for pair in "400 V001" "413 V013" "414 V015" "494 =431 V014" "502 503 504 =503 S002"; do
    code=${pair##* }
    statuses=${pair% *}
    check "error_page $statuses → $code JSON" has "$conf" "error_page $statuses /_hhplus_error/$code;"
    check "$code body in the API's shape with a UTC timestamp" has "$conf" \
        "return [0-9]+ '\\{\"errorCode\":\"$code\",\"message\":\"[^\"]+\",\"timestamp\":\"\\\$\\{hhplus_error_second\\}\\.\\\$\\{hhplus_error_milli\\}Z\"\\}';"
done
check "nginx's own errors say X-Instance: scale-nginx" test "$(count "$conf" 'add_header X-Instance scale-nginx always;')" -ge 6

echo "$passed passed, $failed failed"
((failed == 0))
