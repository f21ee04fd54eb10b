#!/bin/sh
# Renders deploy/nginx/nginx.conf.template: the one place that turns it into a runnable nginx.conf,
# used by ./stage (local processes) and by docker-compose.stage.yaml (inside the nginx container).
# POSIX sh + awk only, so it runs in the official nginx image, in a Debian image and on the host.
#
#   render.sh TEMPLATE OUTPUT LISTEN SERVER...
#     LISTEN   what nginx listens on: "127.0.0.1:3000" (local stage) or "3000" (container)
#     SERVER   one app instance, host:port ("127.0.0.1:3001", or "app:3000" in Compose, where
#              nginx resolves the name once at start to every replica's address)
set -eu

if [ "$#" -lt 4 ]; then
    echo "usage: render.sh TEMPLATE OUTPUT LISTEN SERVER..." >&2
    exit 2
fi
template=$1
output=$2
listen=$3
shift 3

# max_fails=1 fail_timeout=2s: after one failed connect an app is skipped for 2 s, then tried
# again. Short, because a restarted app should get traffic back within a couple of seconds
# (nginx's default of 10 s would leave it idle long after it is healthy again).
servers=""
for server in "$@"; do
    case "$server" in
        *[!A-Za-z0-9.:_-]* | "") echo "render.sh: bad server '$server'" >&2; exit 2 ;;
    esac
    servers="$servers$server "
done
case "$listen" in
    *[!0-9.:]* | "") echo "render.sh: bad listen '$listen'" >&2; exit 2 ;;
esac

tmp="$output.tmp.$$"
awk -v listen="$listen" -v servers="$servers" '
    /^[ \t]*#/ { print; next }
    index($0, "@UPSTREAM_SERVERS@") {
        indent = $0
        sub(/@UPSTREAM_SERVERS@.*/, "", indent)
        n = split(servers, list, " ")
        for (i = 1; i <= n; i++) {
            printf "%sserver %s max_fails=1 fail_timeout=2s;\n", indent, list[i]
        }
        next
    }
    { gsub(/@LISTEN@/, listen); print }
' "$template" >"$tmp"
mv "$tmp" "$output"
