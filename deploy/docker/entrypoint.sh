#!/bin/sh
# Entry point of the hhplus-server image: prepares what Compose cannot express, then runs the
# server (which reads only environment variables; it resolves service names in REDIS_*_URL(S)
# and DATABASE_URL itself, before every connect, so a restarted container at a new address is
# found again).
#
# INSTANCE_NAME (X-Instance, logs, metrics), when unset: the replica's container name.
#    With `--scale app=10` Compose cannot give each replica its own value, and the hostname is
#    the container ID; but Docker's DNS answers a reverse lookup of the container's address with
#    its name (hhplus-e-commerce-app-3.<network>), and podman writes the name next to the
#    address in /etc/hosts — either way the replicas show up as in the seed guide.
set -eu

if [ -z "${INSTANCE_NAME:-}" ]; then
    self=$(hostname)
    for ip in $(hostname -i 2>/dev/null); do
        # -s dns: Docker's reverse lookup (/etc/hosts there maps the address to the ID only).
        name=$(getent -s dns hosts "$ip" 2>/dev/null | awk '{ print $2; exit }') || name=""
        if [ -z "$name" ]; then
            # podman: "10.89.0.7 <container id> hhplus-e-commerce_app_3" in /etc/hosts.
            name=$(awk -v ip="$ip" -v self="$self" \
                '$1 == ip { for (i = 2; i <= NF; i++) if ($i != self) { print $i; exit } }' /etc/hosts)
        fi
        name=${name%%.*}
        if [ -n "$name" ]; then
            INSTANCE_NAME=$name
            export INSTANCE_NAME
            break
        fi
    done
fi

exec /usr/local/bin/hhplus-server "$@"
