#!/usr/bin/env bash
# Hostile input against a real stage: slow-loris, connection floods (held and churned) and
# oversized requests, each through nginx and directly against one app, while a legitimate
# prober (another loopback address) opens a fresh connection per probe and times GET /health.
# Writes <out>/attacks.md (the table), <out>/<attack>-<target>.json (hhplus-attack's summary)
# and exits non-zero when a probe failed beyond the tolerance, an oversized request was not
# answered with its documented error, or an app or nginx died.
set -uo pipefail

kRepo=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
readonly kRepo

usage() {
    cat <<'EOF'
usage: tools/reliability/attacks.sh [options]

Starts its own stage (temporary directory, free port base), attacks it, stops it.

  --apps N              apps behind nginx (default 2)
  --out DIR             where the table and JSON go (default: a new temporary directory)
  --connections N       slow-loris and flood-hold connections (default 1000)
  --churn N             concurrent connect/close loops of flood-churn (default 50)
  --duration S          seconds per attack (default 15)
  --interval MS         slow-loris: milliseconds between bytes (default 1000)
  --probe-rate R        legitimate probes per second (default 5)
  --max-failed-probes N tolerated failed probes per attack (default 0)
  --attacks LIST        comma-separated subset of slowloris,flood-hold,flood-churn,oversized
  --help

Environment: HHPLUS_SERVER_BIN (the app binary, as ./stage), HHPLUS_ATTACK_BIN (default
build/release/tools/attack/hhplus-attack, else build/asan/...). The attack comes from
127.0.0.2, the probes from 127.0.0.1 (Linux routes all of 127/8 on lo). The open-file soft limit
is raised to the hard limit (each attacking connection costs one descriptor here and one or two
in nginx/app).
EOF
}

apps=2
out=""
connections=1000
churn=50
duration=15
interval=1000
probe_rate=5
max_failed=0
attacks="slowloris,flood-hold,flood-churn,oversized"
while (($#)); do
    case $1 in
        --apps) apps=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --connections) connections=$2; shift 2 ;;
        --churn) churn=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --interval) interval=$2; shift 2 ;;
        --probe-rate) probe_rate=$2; shift 2 ;;
        --max-failed-probes) max_failed=$2; shift 2 ;;
        --attacks) attacks=$2; shift 2 ;;
        --help | -h) usage; exit 0 ;;
        *) echo "attacks.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
done

attack_bin=${HHPLUS_ATTACK_BIN:-}
if [[ -z $attack_bin ]]; then
    for candidate in "$kRepo"/build/{release,asan,debug}/tools/attack/hhplus-attack; do
        [[ -x $candidate ]] && { attack_bin=$candidate; break; }
    done
fi
[[ -x $attack_bin ]] || { echo "attacks.sh: no hhplus-attack binary (set HHPLUS_ATTACK_BIN)" >&2; exit 2; }

# shellcheck source=tests/e2e/lib/harness.sh
source "$kRepo/tests/e2e/lib/harness.sh"

# Thousands of sockets: the soft limit up to the hard one, for us and the stage we start.
ulimit -n "$(ulimit -Hn)" 2>/dev/null
need=$((connections + 200))
if (($(ulimit -n) < need)); then
    echo "attacks.sh: open-file limit $(ulimit -n) < $need needed for $connections connections" >&2
    exit 2
fi

BASE=$(pick_port_base) || { echo "attacks.sh: no free port range" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/attacks.XXXXXX")
[[ -n $out ]] || out=$WORK/out
mkdir -p "$out"
stage() { "$kRepo/stage" --dir "$WORK/stage" --port-base "$BASE" "$@"; }
# shellcheck disable=SC2317  # called through the trap
cleanup() {
    [[ -n ${sampler_pid:-} ]] && kill "$sampler_pid" 2>/dev/null
    stage down --purge >/dev/null 2>&1
    rm -rf "$WORK/stage"
}
trap cleanup EXIT

echo "attacks: stage in $WORK on port base $BASE, $apps apps, results in $out"
if ! stage up --apps "$apps" --strategy pubsub >"$out/stage-up.log" 2>&1; then
    echo "attacks: stage did not come up"; tail -20 "$out/stage-up.log"; exit 1
fi
nginx_port=$BASE
app_port=$((BASE + 1))

pids_of_stage() {
    local f
    for f in "$WORK"/stage/scale-nginx/pid "$WORK"/stage/hhplus-e-commerce-app-*/pid; do
        [[ -f $f ]] && printf '%s=%s\n' "$(basename "$(dirname "$f")")" "$(<"$f")"
    done
}
pids_before=$(pids_of_stage)

# Established server-side connections on PORT from the attacker's address, the largest count
# seen once a second while the attack runs (what the server actually kept open).
sample_held() { # PORT FILE
    local port=$1 file=$2 max=0 n
    while :; do
        n=$(ss -Htn state established "( sport = :$port and dst 127.0.0.2 )" 2>/dev/null | wc -l)
        ((n > max)) && { max=$n; echo "$max" >"$file"; }
        sleep 1
    done
}

# Waits (bounded) until the server holds no connection from the attacker any more.
wait_quiet() { # PORT
    local i n
    for ((i = 0; i < 150; i++)); do
        n=$(ss -Htn "( sport = :$1 and dst 127.0.0.2 )" 2>/dev/null | wc -l)
        ((n == 0)) && return 0
        sleep 0.2
    done
    return 1
}

results=()
run_attack() { # MODE TARGET PORT
    local mode=$1 target=$2 port=$3 n=$connections json="$out/$1-$2.json" held_file="$WORK/held"
    [[ $mode == flood-churn ]] && n=$churn
    echo 0 >"$held_file"
    sample_held "$port" "$held_file" &
    sampler_pid=$!
    # The prober is its own process: inside the attacker's event loop, a busy attack (churn)
    # would delay the probes and count its own slowness as the server's.
    "$attack_bin" "$mode" --port "$port" --connections "$n" --duration "$duration" \
        --interval "$interval" --probe-rate 0 --source-ip 127.0.0.2 \
        >"$WORK/attack.json" 2>"$out/$mode-$target.stderr" &
    local attacker=$!
    "$attack_bin" probe --port "$port" --duration "$duration" --probe-rate "$probe_rate" \
        --probe-ip 127.0.0.1 >"$WORK/probe.json" 2>>"$out/$mode-$target.stderr"
    local probe_rc=$?
    wait "$attacker"
    local rc=$?
    kill "$sampler_pid" 2>/dev/null
    wait "$sampler_pid" 2>/dev/null
    sampler_pid=""
    node -e '
      const fs = require("fs");
      const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
      const p = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
      for (const k of ["probes", "probeFailures", "probeMaxMs", "probeP99Ms", "probeP50Ms", "failureSamples"]) r[k] = p[k];
      r.target = process.argv[3]; r.heldByServer = Number(process.argv[4]); r.exit = Number(process.argv[5]);
      fs.writeFileSync(process.argv[6], JSON.stringify(r) + "\n");' \
        "$WORK/attack.json" "$WORK/probe.json" "$target" "$(<"$held_file")" "$((rc | probe_rc))" "$json" 2>/dev/null ||
        echo "{\"mode\":\"$mode\",\"target\":\"$target\",\"exit\":$rc,\"broken\":true}" >"$json"
    results+=("$json")
    wait_quiet "$port" || note "$target still holds connections from 127.0.0.2 after 30 s"
}

run_oversized() { # TARGET PORT
    local json="$out/oversized-$1.json"
    "$attack_bin" oversized --port "$2" --source-ip 127.0.0.2 >"$json" 2>"$out/oversized-$1.stderr"
    local rc=$?
    node -e '
      const fs = require("fs");
      const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
      r.target = process.argv[2]; r.exit = Number(process.argv[3]);
      fs.writeFileSync(process.argv[1], JSON.stringify(r) + "\n");' "$json" "$1" "$rc" 2>/dev/null ||
        echo "{\"mode\":\"oversized\",\"target\":\"$1\",\"exit\":$rc,\"broken\":true}" >"$json"
    results+=("$json")
}

IFS=, read -ra wanted <<<"$attacks"
for mode in "${wanted[@]}"; do
    for target in nginx app; do
        port=$nginx_port
        [[ $target == app ]] && port=$app_port
        echo "attacks: $mode → $target (port $port)"
        if [[ $mode == oversized ]]; then
            run_oversized "$target" "$port"
        else
            run_attack "$mode" "$target" "$port"
        fi
    done
done

pids_after=$(pids_of_stage)
alive=1
while IFS='=' read -r _ pid; do
    [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null && alive=0
done <<<"$pids_after"

# Table and verdict.
node - "$out/attacks.md" "$max_failed" "$([[ $pids_before == "$pids_after" && $alive == 1 ]] && echo 1 || echo 0)" \
    "$(uptime)" "${results[@]}" <<'EOF'
const fs = require("fs");
const [mdFile, maxFailed, pidsSame, load, ...files] = process.argv.slice(2);
const rows = files.map(f => JSON.parse(fs.readFileSync(f, "utf8")));
const lines = [
  "| attack | target | attack conns (peak open) | held by server (ss max) | cut by server | legit probes | failed | worst ms | p99 ms |",
  "|---|---|---:|---:|---:|---:|---:|---:|---:|"];
let bad = [];
for (const r of rows) {
  if (r.broken) { bad.push(`${r.mode} → ${r.target}: no summary (exit ${r.exit})`); continue; }
  if (r.mode === "oversized") {
    for (const c of r.oversized) {
      lines.push(`| oversized: ${c.case} | ${r.target} | 1 | – | – | – | ${c.pass ? 0 : 1} | ` +
                 `${c.status} ${c.errorCode || (c.ok ? c.ok + "×200" : "")} | expect ${c.expectStatus} ${c.expectCode} |`);
      if (!c.pass) bad.push(`oversized ${c.case} → ${r.target}: got ${c.status} ${c.errorCode} (${c.responses} responses, ${c.failure})`);
    }
    continue;
  }
  const conns = r.mode === "flood-churn" ? `${r.connections} loops, ${r.opened} connects` : `${r.connections} (${r.peakOpen})`;
  lines.push(`| ${r.mode} | ${r.target} | ${conns} | ${r.heldByServer} | ${r.cutByServer} | ` +
             `${r.probes} | ${r.probeFailures} | ${r.probeMaxMs.toFixed(1)} | ${r.probeP99Ms.toFixed(1)} |`);
  if (r.probes === 0) bad.push(`${r.mode} → ${r.target}: no probe ran`);
  if (r.probeFailures > Number(maxFailed)) bad.push(`${r.mode} → ${r.target}: ${r.probeFailures} failed probes (${r.failureSamples.join("; ")})`);
}
lines.push("", `nginx and app PIDs unchanged and alive: ${pidsSame === "1" ? "yes" : "NO"}`);
if (pidsSame !== "1") bad.push("a stage process died or was replaced");
lines.push(`load: ${load.trim()}`);
fs.writeFileSync(mdFile, lines.join("\n") + "\n");
console.log(lines.join("\n"));
if (bad.length) { console.log("\nFAILED:\n  " + bad.join("\n  ")); process.exit(1); }
console.log("\nall attacks: a fresh client was always served, oversized inputs got their documented errors");
EOF
verdict=$?
if ((verdict != 0)); then
    for part in scale-nginx hhplus-e-commerce-app-1; do
        echo "--- log of $part ---"; stage logs "$part" 2>&1 | tail -10
    done
fi
exit "$verdict"
