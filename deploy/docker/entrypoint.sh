#!/bin/sh
# Entry point of the hhplus-server image. One job: give each replica a readable INSTANCE_NAME
# (returned in X-Instance, used in logs and metrics) when none is set. With `--scale app=10`
# Compose cannot set a different value per replica, and the container's hostname is its ID; but
# Docker's embedded DNS answers a reverse lookup of the container's address with its name
# (hhplus-e-commerce-app-3.<network>), so the replicas show up as in the seed guide.
set -eu
if [ -z "${INSTANCE_NAME:-}" ]; then
    for ip in $(hostname -i 2>/dev/null); do
        # -s dns: skip /etc/hosts, which maps the address to the container ID.
        name=$(getent -s dns hosts "$ip" 2>/dev/null | awk '{ print $2; exit }') || name=""
        name=${name%%.*}
        if [ -n "$name" ]; then
            INSTANCE_NAME=$name
            export INSTANCE_NAME
            break
        fi
    done
fi
exec /usr/local/bin/hhplus-server "$@"
