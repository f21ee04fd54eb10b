#!/bin/sh
# Like the official image: redis-server without a configuration file listens on every address
# with protected mode off (the container network is private) and keeps its files in /data.
set -eu
if [ "${1:-}" = redis-server ]; then
    shift
    exec redis-server --protected-mode no --dir /data "$@"
fi
exec "$@"
