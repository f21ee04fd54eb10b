#!/usr/bin/env bash
# Builds lock_bench and runs the side-by-side comparison: 10 processes × 32 waiters on one key,
# 10 s per strategy (pub/sub, then polling), one table. About 30 s in all.
#   bench/lock/run.sh [BUILD_DIR] [lock_bench options, e.g. --seconds=5 --hold-us=1000]
# BUILD_DIR defaults to build/bench (a Release build of its own; an existing configured build
# directory, e.g. build/release, works too).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$root/build/bench"
if [[ $# -gt 0 && "$1" != --* ]]; then
  build="$1"
  shift
fi
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" --target lock_bench -j2 >/dev/null
bin="$(find "$build" -type f -name lock_bench -perm -u+x | head -n 1)"
exec "$bin" --processes=10 --waiters=32 --seconds=10 "$@"
