#!/usr/bin/env bash
# Throughput of one hhplus-load process next to wrk, against the same trivial nginx endpoint
# (return 200 '{}'), alternating the two tools so both see the same machine load.
#
# usage: tools/loadgen/bench_vs_wrk.sh [HHPLUS_LOAD_BINARY] [SECONDS] [CONNECTIONS] [ROUNDS]
#   defaults: build/h-load/rel/tools/loadgen/hhplus-load 10 64 3
# Then the open model (constant-arrival-rate) at each of RATES (env; default 2000 5000 10000 20000):
# the schedule lag p99 (start - due) is the runner's own delay; at or under 1 ms it keeps up.
# Starts its own nginx on a free 127.0.0.1 port in a temporary directory and stops it by PID.
set -euo pipefail

binary=${1:-build/h-load/rel/tools/loadgen/hhplus-load}
seconds=${2:-10}
connections=${3:-64}
rounds=${4:-3}

command -v nginx >/dev/null || { echo "nginx not found (scripts/setup.sh installs nginx-light)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk not found (scripts/setup.sh installs it)" >&2; exit 1; }
[[ -x $binary ]] || { echo "no hhplus-load at $binary (build the release tree first)" >&2; exit 1; }

dir=$(mktemp -d /tmp/hhplus-bench.XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$dir/tmp"
cat >"$dir/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $dir/tmp;
  proxy_temp_path $dir/tmp;
  fastcgi_temp_path $dir/tmp;
  uwsgi_temp_path $dir/tmp;
  scgi_temp_path $dir/tmp;
  server {
    listen 127.0.0.1:$port;
    location / { default_type application/json; return 200 '{}'; }
  }
}
EOF
nginx -c "$dir/nginx.conf" -p "$dir" &
nginx_pid=$!
cleanup() {
  kill "$nginx_pid" 2>/dev/null || true
  wait "$nginx_pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  sleep 0.05
done

url="http://127.0.0.1:$port/"
echo "target $url, $connections connections, ${seconds}s per run, $rounds rounds; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-12s %14s %10s %10s\n' round tool "requests/s" p50 p99
for round in $(seq 1 "$rounds"); do
  wrk_out=$(wrk -t1 -c"$connections" -d"${seconds}s" --latency "$url")
  wrk_rps=$(awk '/Requests\/sec/ {print $2}' <<<"$wrk_out")
  wrk_p50=$(awk '$1 == "50%" {print $2}' <<<"$wrk_out")
  wrk_p99=$(awk '$1 == "99%" {print $2}' <<<"$wrk_out")
  printf '%-6s %-12s %14s %10s %10s\n' "$round" "wrk" "$wrk_rps" "$wrk_p50" "$wrk_p99"

  ours=$("$binary" run http-get -e BASE_URL="$url" --vus "$connections" --duration "${seconds}s" \
           --summary-trend-stats "med,p(99)" --no-color --quiet)
  our_rps=$(awk '/http_reqs\.\.\./ {sub("/s", "", $3); print $3}' <<<"$ours")
  our_p50=$(awk '/http_req_duration\.\.\./ {sub("med=", "", $2); print $2}' <<<"$ours")
  our_p99=$(awk '/http_req_duration\.\.\./ {sub("p\\(99\\)=", "", $3); print $3}' <<<"$ours")
  printf '%-6s %-12s %14s %10s %10s\n' "$round" "hhplus-load" "$our_rps" "$our_p50" "$our_p99"
done

echo
echo "open model: constant-arrival-rate; schedule lag = start - due, the runner's own delay"
printf '%-8s %14s %10s %14s %14s\n' rate "requests/s" dropped "lag p99" "duration p99"
for rate in ${RATES:-2000 5000 10000 20000}; do
  cat >"$dir/open.json" <<EOF
{"scenarios": {"open": {"executor": "constant-arrival-rate", "rate": $rate, "timeUnit": "1s", "duration": "${seconds}s",
                        "preAllocatedVUs": 256, "maxVUs": 2048}},
 "summaryTrendStats": ["med", "p(99)"]}
EOF
  ours=$("$binary" run http-get --options "$dir/open.json" -e BASE_URL="$url" --no-color --quiet)
  rps=$(awk '/http_reqs\.\.\./ {sub("/s", "", $3); print $3}' <<<"$ours")
  dropped=$(awk '/dropped_iterations\.\.\./ {print $2}' <<<"$ours")
  lag=$(awk '/schedule lag/ {for (i = 1; i <= NF; i++) if ($i ~ /^p\(99\)=/) {sub(/^p\(99\)=/, "", $i); print $i}}' <<<"$ours")
  p99=$(awk '/http_req_duration\.\.\./ {sub(/^p\(99\)=/, "", $3); print $3}' <<<"$ours")
  printf '%-8s %14s %10s %14s %14s\n' "$rate" "$rps" "${dropped:-0}" "$lag" "$p99"
done
