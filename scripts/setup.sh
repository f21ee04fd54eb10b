#!/usr/bin/env bash
# Installs every Debian package the project needs to build, test and run its stage.
# Idempotent: when everything is already installed it prints nothing and touches nothing.
# Usage: scripts/setup.sh            (build + test + stage dependencies)
#        scripts/setup.sh --containers (also the container path: podman and its network, a
#                                      debian:12-slim base image, docker-compose; then it checks
#                                      that a container starts and reaches Debian's mirror)
set -euo pipefail

containers=0
[[ "${1:-}" == "--containers" ]] && containers=1

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git ca-certificates
  # libraries (headers)
  libboost1.74-dev libhiredis-dev libmariadb-dev rapidjson-dev libsodium-dev libssl-dev
  prometheus-cpp-dev libgtest-dev libgmock-dev libbenchmark-dev
  # real servers used by integration / e2e tests and by the stage
  redis-server redis-tools mariadb-server mariadb-client nginx-light
  # ./stage up --monitoring (and its e2e test): Prometheus and exporters
  prometheus prometheus-redis-exporter prometheus-mysqld-exporter prometheus-nginx-exporter
  # ECMAScript number formatting (loadgen's k6-parity output), URL parsing
  libdouble-conversion-dev liburiparser-dev
  # fuzzing (libFuzzer ships in clang's runtime package) and static analysis
  clang-14 libclang-rt-14-dev clang-tidy-14
  # load and analysis tools
  wrk curl procps iproute2 shellcheck clang-format-14 nodejs
  # e2e drivers parse JSON and hold sockets with small python3 snippets
  python3
)
if ((containers)); then
  # The container path runs podman as root (docs/stage.md, Troubleshooting: "The container path").
  # - netavark + aardvark-dns: podman's network backend with name resolution between containers
  #   (recommended by podman, so --no-install-recommends below would leave them out).
  # - iptables: netavark 1.4 runs the `iptables` command (found on PATH) to set up every
  #   container's network, build containers included. It is only *suggested* by podman and not a
  #   dependency of netavark; without it every network setup fails with
  #   "netavark: No such file or directory (os error 2)".
  # - runc: crun (podman's first choice) fails on this machine kind's cgroup v1 hierarchy.
  # - debootstrap: the base image below; docker-compose: the seed guide's compose commands.
  # Left out on purpose, checked on a bare Debian 12: uidmap, slirp4netns/passt and
  # fuse-overlayfs serve rootless podman only (root uses netavark's bridge and the kernel's
  # overlay driver); catatonit serves `--init` and pods, which the compose path does not use.
  packages+=(podman runc netavark aardvark-dns iptables debootstrap docker-compose)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0 && containers == 0)); then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
# What the EXIT trap undoes: the policy-rc.d this script created, the debootstrap tree (below).
created_policy=0
rootfs=
cleanup() {
  if ((created_policy)); then $SUDO rm -f /usr/sbin/policy-rc.d; fi
  if [[ -n $rootfs ]]; then
    # debootstrap mounts /proc inside the tree it builds and leaves it mounted when interrupted:
    # unmount whatever is under it, and never let rm cross into another file system.
    awk -v dir="$rootfs/" 'index($2, dir) == 1 { print $2 }' /proc/mounts | sort -r |
      while read -r mount; do $SUDO umount -l "$mount"; done
    $SUDO rm -rf --one-file-system "$rootfs" "$rootfs.log"
  fi
}
trap cleanup EXIT
if ((${#missing[@]} > 0)); then
  echo "setup: installing ${#missing[@]} Debian package(s): ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # --no-install-recommends keeps the install small; policy-rc.d stops Debian from starting the
  # system's own redis/mariadb/nginx services: the project only ever runs its own instances.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    created_policy=1
  fi
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "setup: done" >&2
fi
((containers)) || exit 0

# --- the container path: podman's configuration, the base image, and a check that both work ----
readonly kMirror=http://deb.debian.org/debian
readonly kBaseImage=docker.io/library/debian:12-slim
readonly kDropIn=/etc/containers/containers.conf.d/hhplus.conf
# podman's own default for both limits (RLimitDefaultValue in podman 4.3).
readonly kPodmanDefaultLimit=1048576
# Bounds the reachability check below: a TCP connect to the mirror takes well under a second when
# the path works; 20 s leaves room for one slow DNS answer (resolv.conf's default: 5 s x 2 tries).
readonly kReachTimeout=20
die() { echo "setup: $*" >&2; exit 1; }

# 1. Limits. Without CAP_SYS_RESOURCE (as on this machine kind) a container cannot get more than
# the hard limits of the podman process that starts it, yet podman asks for 1,048,576 open files
# and processes by default: every container fails with "error setting rlimit type 7" (nofile) or
# "type 6" (nproc). So the defaults become the hard limits, never above podman's own default
# (programs that close every descriptor up to the limit slow down with a huge one). podman also
# lowers its own process limit to kernel.pid_max when it starts (measured: 32768 here, while the
# shell's hard limit was 96367), so nproc is bounded by that too.
# runc is named because podman prefers crun whenever crun gets installed later; netavark because
# podman would pick CNI on a machine that has CNI configuration files (/etc/cni/net.d), and CNI
# here has no name resolution between containers, which the compose stage needs.
{ read -r hard_nofile; read -r hard_nproc; } < <($SUDO bash -c 'ulimit -Hn; ulimit -Hu')
pid_max=$(cat /proc/sys/kernel/pid_max)
limit() { # the smallest of its arguments, "unlimited" counting as podman's default
  local min=$kPodmanDefaultLimit v
  for v in "$@"; do [[ $v == unlimited ]] || ((v >= min)) || min=$v; done
  echo "$min"
}
nofile=$(limit "$hard_nofile")
nproc=$(limit "$hard_nproc" "$pid_max")
dropin="# Written by scripts/setup.sh --containers (docs/stage.md, Troubleshooting: \"The container path\").
[containers]
default_ulimits = [\"nofile=$nofile:$nofile\", \"nproc=$nproc:$nproc\"]
[engine]
runtime = \"runc\"
[network]
network_backend = \"netavark\""
if [[ "$(cat "$kDropIn" 2>/dev/null)" != "$dropin" ]]; then
  echo "setup: writing $kDropIn (open files $nofile, processes $nproc, runc, netavark)" >&2
  $SUDO mkdir -p "$(dirname "$kDropIn")"
  printf '%s\n' "$dropin" | $SUDO tee "$kDropIn" >/dev/null
fi

# 2. The base image. No registry is reachable here, so `FROM debian:12-slim` / `FROM debian:12`
# must resolve locally: a minimal Debian 12 made with debootstrap, imported into root's podman
# storage, tagged under Docker Hub's names and the local ones. The container test copies it into
# its own storage.
# An image under any of the four names counts (earlier versions of the container test imported
# it as localhost/debian:12-slim).
kBaseNames=("$kBaseImage" docker.io/library/debian:12 localhost/debian:12-slim localhost/debian:12)
source_image=
for name in "${kBaseNames[@]}"; do
  if $SUDO podman image exists "$name"; then source_image=$name; break; fi
done
if [[ -z $source_image ]]; then
  echo "setup: making the base image $kBaseImage with debootstrap (a few minutes)" >&2
  rootfs=$(mktemp -d "${TMPDIR:-/var/tmp}/hhplus-rootfs.XXXXXX")
  $SUDO debootstrap --variant=minbase bookworm "$rootfs" "$kMirror" >"$rootfs.log" 2>&1 ||
    { tail -n 20 "$rootfs.log" >&2; die "debootstrap from $kMirror failed (the end of its log above)"; }
  $SUDO tar -C "$rootfs" -c . | $SUDO podman import -q - "$kBaseImage" >/dev/null
  source_image=$kBaseImage
fi
for name in "${kBaseNames[@]}"; do
  $SUDO podman image exists "$name" || $SUDO podman tag "$source_image" "$name"
done

# 3. The check: a container of the base image on podman's default bridge network (netavark,
# iptables, the limits above) opens a TCP connection to the mirror, exactly what the first
# `RUN apt-get` of an image build needs.
mirror_host=${kMirror#*://}
mirror_host=${mirror_host%%/*}
if ! out=$($SUDO podman run --rm --pull=never "$kBaseImage" \
  timeout "$kReachTimeout" bash -c "exec 3<>/dev/tcp/$mirror_host/80" 2>&1); then
  echo "$out" >&2
  # Name what is missing: the commands podman needs, on the PATH podman runs with.
  for tool in podman runc conmon iptables; do
    $SUDO bash -c "command -v $tool" >/dev/null ||
      die "'$tool' is not on root's PATH ($($SUDO printenv PATH)): a container cannot start"
  done
  for tool in /usr/lib/podman/netavark /usr/lib/podman/aardvark-dns; do
    [[ -x $tool ]] || die "$tool is missing (package ${tool##*/}): a container cannot start"
  done
  case $out in
    *"netavark: No such file or directory"*)
      die "netavark could not run one of its helper commands (iptables is the usual one)" ;;
    *"error setting rlimit"*)
      die "a container asked for more open files/processes than allowed: see $kDropIn" ;;
    *"/dev/tcp"* | "")
      die "a container started but could not reach $mirror_host:80 within ${kReachTimeout}s: image builds cannot run apt-get (check this machine's own route to $kMirror)" ;;
    *) die "a container of $kBaseImage does not start (podman's error above)" ;;
  esac
fi
