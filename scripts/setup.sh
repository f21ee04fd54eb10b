#!/usr/bin/env bash
# Installs every Debian package the project needs to build, test and run its stage.
# Idempotent: when everything is already installed it prints nothing and touches nothing.
# Usage: scripts/setup.sh            (build + test + stage dependencies)
#        scripts/setup.sh --containers (also podman, debootstrap and docker-compose for the container test)
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git ca-certificates
  # libraries (headers)
  libboost1.74-dev libhiredis-dev libmariadb-dev rapidjson-dev libsodium-dev
  prometheus-cpp-dev libgtest-dev libgmock-dev libbenchmark-dev
  # real servers used by integration / e2e tests and by the stage
  redis-server redis-tools mariadb-server mariadb-client nginx-light
  # ./stage up --monitoring (and its e2e test): Prometheus and exporters
  prometheus prometheus-redis-exporter prometheus-mysqld-exporter prometheus-nginx-exporter
  # load and analysis tools
  wrk curl procps iproute2 shellcheck nodejs
  # e2e drivers parse JSON and hold sockets with small python3 snippets
  python3
)
if [[ "${1:-}" == "--containers" ]]; then
  # netavark + aardvark-dns: podman's network backend with name resolution between containers
  # (recommended by podman, so --no-install-recommends below would leave them out).
  packages+=(podman runc netavark aardvark-dns debootstrap docker-compose)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "setup: installing ${#missing[@]} Debian package(s): ${missing[*]}" >&2
if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# --no-install-recommends keeps the install small; policy-rc.d stops Debian from starting the
# system's own redis/mariadb/nginx services: the project only ever runs its own instances.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done" >&2
