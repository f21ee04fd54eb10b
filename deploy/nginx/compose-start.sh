#!/bin/sh
# Command of the nginx service in docker-compose.stage.yaml: renders the stage's one nginx
# template for Compose (listen on 3000 in the container; upstream `app:3000`, which nginx
# resolves once at start to the address of every replica) and runs nginx in the foreground.
# Works in the official nginx image and in a Debian image alike (POSIX sh, awk).
set -eu
here=$(dirname "$0")
prefix=/tmp/hhplus-nginx
mkdir -p "$prefix"
sh "$here/render.sh" "$here/nginx.conf.template" "$prefix/nginx.conf" 3000 app:3000
exec nginx -p "$prefix/" -c "$prefix/nginx.conf" -e stderr
