#!/bin/sh
# Like the official image: on an empty data directory create it, then the database and user of
# MYSQL_DATABASE / MYSQL_USER / MYSQL_PASSWORD (with a temporary server that has no network, so
# a TCP health check fails until the real server runs), then run the given mysqld command,
# listening on every address of the container.
set -eu
datadir=/var/lib/mysql
if [ ! -d "$datadir/mysql" ]; then
    mariadb-install-db --user=mysql --datadir="$datadir" --skip-test-db >/dev/null
    mariadbd --user=mysql --datadir="$datadir" --skip-networking --socket=/run/mysqld/init.sock &
    pid=$!
    i=0
    until mariadb -uroot --socket=/run/mysqld/init.sock -e 'SELECT 1' >/dev/null 2>&1; do
        i=$((i + 1))
        [ "$i" -lt 300 ] || { echo "temporary server did not start" >&2; exit 1; }
        sleep 0.1
    done
    mariadb -uroot --socket=/run/mysqld/init.sock <<SQL
CREATE DATABASE IF NOT EXISTS \`${MYSQL_DATABASE}\`;
CREATE USER '${MYSQL_USER}'@'%' IDENTIFIED BY '${MYSQL_PASSWORD}';
GRANT ALL PRIVILEGES ON \`${MYSQL_DATABASE}\`.* TO '${MYSQL_USER}'@'%';
SQL
    kill "$pid"
    wait "$pid" || true
fi
if [ "${1:-}" = mysqld ]; then
    shift
    exec mariadbd --user=mysql --datadir="$datadir" --bind-address=0.0.0.0 --port=3306 "$@"
fi
exec "$@"
