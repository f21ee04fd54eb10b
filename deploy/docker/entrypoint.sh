#!/bin/sh
# Entry point of the hhplus-server image: prepares two things Compose cannot express, then runs
# the server (which reads only environment variables).
#
# 1. INSTANCE_NAME (X-Instance, logs, metrics), when unset: the replica's container name.
#    With `--scale app=10` Compose cannot give each replica its own value, and the hostname is
#    the container ID; but Docker's DNS answers a reverse lookup of the container's address with
#    its name (hhplus-e-commerce-app-3.<network>), and podman writes the name next to the
#    address in /etc/hosts — either way the replicas show up as in the seed guide.
# 2. Redis URLs: the server's Redis client takes IP literals only (it never resolves names on its
#    event loop), while Compose gives service names (redis://redis-session:6379). Each name is
#    resolved here, once, at start — the Redis containers are healthy before any app starts
#    (depends_on), and a stage's containers keep their addresses while it runs.
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

# resolve_urls "redis://a:6379,redis://b:6379" → the same list with each host name replaced by
# its IPv4 address (IP literals, bracketed IPv6 and localhost are kept as they are).
resolve_urls() {
    out=""
    old_ifs=$IFS
    IFS=,
    for url in $1; do
        rest=${url#redis://}
        host=${rest%%[:/]*}
        tail=${rest#"$host"}
        if [ "$host" != localhost ] && [ "${host#\[}" = "$host" ] && [ -n "$(printf '%s' "$host" | tr -d '0-9.')" ]; then
            address=$(getent ahostsv4 "$host" 2>/dev/null | awk '{ print $1; exit }') || address=""
            if [ -z "$address" ]; then
                echo "hhplus-entrypoint: cannot resolve '$host' (in $url)" >&2
                exit 1
            fi
            url="redis://$address$tail"
        fi
        out="${out:+$out,}$url"
    done
    IFS=$old_ifs
    printf '%s' "$out"
}
for var in REDIS_SESSION_URL REDIS_CACHE_URL REDIS_LOCK_URLS; do
    eval "value=\${$var:-}"
    if [ -n "$value" ]; then
        resolved=$(resolve_urls "$value") || exit 1
        export "$var=$resolved"
    fi
done

exec /usr/local/bin/hhplus-server "$@"
