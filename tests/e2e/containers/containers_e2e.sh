#!/usr/bin/env bash
# Container end-to-end test (label e2e;slow): runs the seed guide's Docker path for real, on a
# machine without Docker and without registry access (shared design: containers.md):
#   podman + runc, Debian's docker-compose 1.29 over podman's Docker API, a debian:12(-slim) base
#   image made with debootstrap, the infrastructure images swapped for Debian-built stand-ins
#   (compose.override.yaml), the app image built from the real Dockerfile;
#   docker-compose -f docker-compose.stage.yaml up --scale app=10 -d, then traffic through the
#   published nginx port on 127.0.0.1, then down.
# Needs root and `scripts/setup.sh --containers` (podman, runc, netavark, aardvark-dns, iptables,
# docker-compose, and the debian:12-slim base image in root's podman storage); the preflight
# below names the first of these that is missing.
#
# Podman's storage (base and built images, layer cache) lives in HHPLUS_CONTAINERS_CACHE
# (default /var/tmp/hhplus-containers) and is kept between runs: the first run copies the base
# image into it and builds the images (several minutes); later runs reuse them.
# The test never touches the system's podman configuration or storage: CONTAINERS_CONF and
# CONTAINERS_STORAGE_CONF point at files it writes. Everything it starts is stopped by PID or by
# `docker-compose down`, also when it fails.
set -uo pipefail

kRepo=$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)
readonly kRepo
readonly kHere=$kRepo/tests/e2e/containers
readonly kCache=${HHPLUS_CONTAINERS_CACHE:-/var/tmp/hhplus-containers}
readonly kBaseImage=docker.io/library/debian:12-slim
readonly kReplicas=10
readonly kUpTimeout=900        # s: `up` builds nothing (images are built first), but waits for 16 health checks
readonly kRequests=200         # GETs through nginx: least_conn spreads them over all 10 replicas
readonly kProject=hhplus-e-commerce

passed=0
failed=0
ok() { passed=$((passed + 1)); printf 'ok      %s\n' "$*"; }
bad() { failed=$((failed + 1)); printf 'FAILED  %s\n' "$*"; }
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}
step() { printf '\n== %s (%ss)\n' "$*" "$SECONDS"; }
# Stops early (cleanup still runs) when a later step cannot work without this one.
abort() {
    printf '\nduration: %ss\n%s passed, %s failed\n' "$SECONDS" "$passed" "$failed"
    exit 1
}

[[ $(id -u) == 0 ]] || { echo "the container test runs podman as root (containers.md)" >&2; exit 1; }

# --- preflight: what the container path needs, in the order it needs it -------------------------
# Each is printed with where it was found; the first one missing stops the test with its name,
# instead of an image build failing ten steps later with an error that names something else.
preflight_missing() {
    printf 'preflight: %-15s MISSING: %s\n' "$1" "$2"
    echo "run scripts/setup.sh --containers (docs/stage.md, Troubleshooting: \"The container path\")"
    exit 1
}
preflight_command() { # NAME WHY: the command NAME on PATH
    local where
    where=$(command -v "$1") || preflight_missing "$1" "$2"
    printf 'preflight: %-15s %s\n' "$1" "$where"
}
preflight_file() { # NAME PATH WHY: an executable outside PATH
    [[ -x $2 ]] || preflight_missing "$1" "$2 ($3)"
    printf 'preflight: %-15s %s\n' "$1" "$2"
}
preflight_command podman "the engine"
preflight_command runc "the OCI runtime (crun fails on cgroup v1 hosts)"
preflight_file netavark /usr/lib/podman/netavark "podman's network backend"
preflight_file aardvark-dns /usr/lib/podman/aardvark-dns "name resolution between containers"
# netavark runs `iptables` from PATH for every container's network, image builds included.
if [[ -x /usr/sbin/iptables ]] && ! command -v iptables >/dev/null; then
    preflight_missing iptables "installed but /usr/sbin is not on PATH ($PATH): netavark finds it there"
fi
preflight_command iptables "netavark runs it to set up every container's network; without it the \
first RUN of an image build fails with 'netavark: No such file or directory (os error 2)'"
preflight_command docker-compose "the seed guide's compose commands (Debian's docker-compose 1.29)"
preflight_command curl "requests through nginx"
preflight_command python3 "picks a free port"
# The base image lives in root's own storage (scripts/setup.sh makes it with debootstrap; no
# registry is reachable); step 1 copies it into this test's storage.
base_id=$(podman image inspect --format '{{.Id}}' "$kBaseImage" 2>/dev/null) ||
    preflight_missing "base image" "$kBaseImage is not in root's podman storage (no registry to pull it from)"
printf 'preflight: %-15s %s (%.12s)\n' "base image" "$kBaseImage" "$base_id"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/containers-e2e.XXXXXX")
SERVICE_PID=""
HEALTH_PID=""
COMPOSE_UP=0
mkdir -p "$kCache/storage" "$kCache/run"

# --- podman configuration: runc with cgroupfs (crun fails here), limits within the hard limits ---
# Without CAP_SYS_RESOURCE a container cannot get more than the hard limits of the podman process
# that starts it, while podman asks for 1,048,576 open files and processes by default; podman also
# lowers its own process limit to kernel.pid_max. Same arithmetic as scripts/setup.sh.
readonly kPodmanDefaultLimit=1048576
limit() { # the smallest of its arguments, "unlimited" counting as podman's default
    local min=$kPodmanDefaultLimit v
    for v in "$@"; do [[ $v == unlimited ]] || ((v >= min)) || min=$v; done
    echo "$min"
}
nofile=$(limit "$(ulimit -Hn)")
nproc=$(limit "$(ulimit -Hu)" "$(cat /proc/sys/kernel/pid_max)")
cat >"$WORK/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
[network]
# netavark with aardvark-dns: containers find each other by service name (CNI here has no DNS).
network_backend = "netavark"
EOF
cat >"$WORK/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$kCache/storage"
runroot = "$kCache/run"
EOF
export CONTAINERS_CONF=$WORK/containers.conf
export CONTAINERS_STORAGE_CONF=$WORK/storage.conf
# The run root belongs to the cache, not to WORK: podman records a storage's paths in its database
# the first time the storage is used and from then on overrides the configured ones with them
# ("Overriding run root ... from database" in its debug log). A run root under WORK was therefore
# the first run's WORK for good: recreated by every later run, and never removed.
# A cache made that way gets its database dropped once, so that podman records the paths above:
# only when no container of it exists (every run ends with `down`); its images stay, they live in
# the storage, not in the database.
recorded_runroot=$(podman info --format '{{.Store.RunRoot}}' 2>/dev/null)
if [[ -n $recorded_runroot && $recorded_runroot != "$kCache/run" ]] && [[ -z $(podman ps -a -q 2>/dev/null) ]]; then
    echo "dropping podman's database of $kCache (it pinned the run root $recorded_runroot)"
    rm -f "$kCache/storage/libpod/bolt_state.db"
    # That old run root is an earlier run's WORK/run: remove that WORK, and nothing else.
    if [[ $recorded_runroot == "${TMPDIR:-/tmp}"/containers-e2e.*/run ]]; then
        rm -rf --one-file-system "${recorded_runroot%/run}"
    fi
fi
export DOCKER_HOST=unix://$WORK/podman.sock
# A free port on 127.0.0.1 for nginx (docker-compose.stage.yaml publishes 127.0.0.1:$HHPLUS_PORT).
HHPLUS_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export HHPLUS_PORT
compose() {
    (cd "$kRepo" && docker-compose -f docker-compose.stage.yaml -f "$kHere/compose.override.yaml" "$@")
}

cleanup() {
    step "cleanup"
    if ((COMPOSE_UP)); then
        if ((failed > 0)); then compose ps 2>&1; compose logs --tail=20 2>&1 | tail -n 120; fi
        compose down --timeout 20 >/dev/null 2>&1
    fi
    [[ -n $HEALTH_PID ]] && kill "$HEALTH_PID" 2>/dev/null
    if [[ -n $SERVICE_PID ]]; then
        kill "$SERVICE_PID" 2>/dev/null
        wait "$SERVICE_PID" 2>/dev/null
    fi
    rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. base image debian:12 / debian:12-slim, copied from root's storage ------------------------------
step "base image"
# Copied when this storage lacks it or holds an older one (save/load keeps the image ID).
if [[ $(podman image inspect --format '{{.Id}}' "$kBaseImage" 2>/dev/null) != "$base_id" ]]; then
    env -u CONTAINERS_CONF -u CONTAINERS_STORAGE_CONF podman save "$kBaseImage" | podman load -q >/dev/null
fi
# Tagged under the other names too, so `FROM debian:12` never needs a registry.
for tag in docker.io/library/debian:12 localhost/debian:12-slim localhost/debian:12; do
    podman tag "$kBaseImage" "$tag"
done
same_base() { [[ $(podman image inspect --format '{{.Id}}' "$kBaseImage" 2>/dev/null) == "$base_id" ]]; }
check "base image $kBaseImage is root's ($(printf '%.12s' "$base_id"))" same_base
same_base || abort

# --- 2. stand-ins for the official mysql, redis and nginx images ------------------------------------------
step "infrastructure images"
for image in mysql redis nginx; do
    podman build --pull=never -q -t "localhost/hhplus-test-$image:latest" "$kHere/images/$image" \
        >"$WORK/build-$image.log" 2>&1 || { tail -n 30 "$WORK/build-$image.log"; }
    check "image hhplus-test-$image built" podman image exists "localhost/hhplus-test-$image:latest"
done

# --- 3. podman's Docker API, and the health checks podman cannot schedule here (no systemd) --------------
step "podman service"
podman system service --time=0 "$DOCKER_HOST" >"$WORK/podman-service.log" 2>&1 &
SERVICE_PID=$!
for ((i = 0; i < 100; i++)); do
    curl -s --unix-socket "$WORK/podman.sock" http://d/_ping >/dev/null 2>&1 && break
    sleep 0.1
done
api_answers() { [[ $(curl -s --unix-socket "$WORK/podman.sock" http://d/_ping) == OK ]]; }
check "podman's Docker API answers" api_answers
(
    # Every second, run the health check of each of the project's running containers, so that
    # `depends_on: condition: service_healthy` and `ps` see real health states. Bounded by the
    # test: cleanup kills this loop by its PID.
    while sleep 1; do
        podman ps --filter "label=com.docker.compose.project=$kProject" --format '{{.Names}}' 2>/dev/null |
            while read -r name; do podman healthcheck run "$name" </dev/null >/dev/null 2>&1; done
    done
) &
HEALTH_PID=$!

# --- 4. the seed's Step 1 and 2 -----------------------------------------------------------------------------
step "docker-compose config"
check "docker-compose config accepts the stage's compose file" compose config -q
step "build the app image from the Dockerfile"
compose build app >"$WORK/build-app.log" 2>&1
rc=$?
((rc == 0)) || tail -n 40 "$WORK/build-app.log"
check "docker-compose build app (the real Dockerfile)" test "$rc" = 0
tagged() { podman image exists docker.io/library/hhplus-ecommerce || podman image exists localhost/hhplus-ecommerce; }
check "... tagged hhplus-ecommerce, as the seed's docker build -t names it" tagged
((rc == 0)) || abort

step "up --scale app=$kReplicas"
COMPOSE_UP=1
(cd "$kRepo" && timeout "$kUpTimeout" docker-compose -f docker-compose.stage.yaml \
    -f "$kHere/compose.override.yaml" up -d --scale "app=$kReplicas") >"$WORK/up.log" 2>&1
rc=$?
((rc == 0)) || tail -n 40 "$WORK/up.log"
check "docker-compose up --scale app=$kReplicas -d" test "$rc" = 0
compose ps
((rc == 0)) || abort

# --- 5. traffic through nginx on 127.0.0.1 ----------------------------------------------------------------------
step "traffic"
base=http://127.0.0.1:$HHPLUS_PORT
for ((i = 0; i < 120; i++)); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$base/api/coupons/1") == 200 ]] && break
    sleep 1
done
# What nginx resolved `app` to when it started is what DNS answers now (the replicas keep their
# addresses): all of them, or traffic cannot reach every replica.
resolved=$(podman exec scale-nginx getent ahostsv4 app 2>/dev/null | awk '{ print $1 }' | sort -u | wc -l)
check "the name app resolves to all $kReplicas replicas in nginx's container ($resolved)" test "$resolved" = "$kReplicas"
declare -A seen=()
good=0
sent=0
# At least kRequests GETs, and on until every replica answered (60 s at most): an app that missed
# one connection is skipped by nginx for 2 s (max_fails=1 fail_timeout=2s), then tried again.
deadline=$((SECONDS + 60))
while ((sent < kRequests || (${#seen[@]} < kReplicas && SECONDS < deadline))); do
    headers=$(curl -s -D - -o /dev/null --max-time 10 "$base/api/coupons/1")
    sent=$((sent + 1))
    [[ $headers == "HTTP/1.1 200"* ]] && good=$((good + 1))
    instance=$(grep -i '^x-instance:' <<<"$headers" | cut -d: -f2 | tr -d ' \r')
    [[ -n $instance ]] && seen[$instance]=1
done
echo "instances seen: ${!seen[*]}"
if ((${#seen[@]} < kReplicas)); then compose logs nginx 2>&1 | grep -v '" 200 ' | tail -n 20; fi
check "$sent GETs through nginx all answered 200 ($good)" test "$good" = "$sent"
check "they reached all $kReplicas replicas (${#seen[@]} distinct X-Instance)" test "${#seen[@]}" = "$kReplicas"
named=0
for instance in "${!seen[@]}"; do
    [[ $instance =~ ^${kProject}[-_]app[-_][0-9]+$ ]] && named=$((named + 1))
done
check "X-Instance is each replica's container name (${kProject}_app_N / -app-N): $named of $kReplicas" \
    test "$named" = "$kReplicas"
metrics_hidden() {
    local body
    body=$(curl -s -D "$WORK/metrics.h" "$base/metrics")
    [[ $body == *'"errorCode":"V404"'* ]] && grep -i '^x-instance: scale-nginx' "$WORK/metrics.h" >/dev/null
}
check "/metrics is not public: nginx's own 404 V404 JSON" metrics_hidden
signup=$(curl -s -o /dev/null -w '%{http_code}' -c "$WORK/jar" -H 'Content-Type: application/json' \
    -d '{"email":"containers-e2e@test.com","password":"1234"}' "$base/api/auth/signup")
check "signup through nginx: 201" test "$signup" = 201
issue=$(curl -s -o /dev/null -w '%{http_code}' -b "$WORK/jar" -X POST "$base/api/coupons/1/issue")
check "coupon issue with the session cookie through nginx: 201" test "$issue" = 201

# --- 6. the seed's Step 5 --------------------------------------------------------------------------------------
step "down"
compose down --timeout 20 >"$WORK/down.log" 2>&1
check "docker-compose down" test $? = 0
COMPOSE_UP=0
check "no container of the project is left" \
    test -z "$(podman ps -a --filter "label=com.docker.compose.project=$kProject" --format '{{.Names}}')"

# Images left dangling by earlier runs (older app builds) would fill the cache: drop those older
# than a day, keeping this run's layers for the next one.
podman image prune -f --filter until=24h >/dev/null 2>&1

echo
echo "duration: ${SECONDS}s"
echo "$passed passed, $failed failed"
((failed == 0))
