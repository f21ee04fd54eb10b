# shellcheck shell=bash
# ./stage library: the catalogue of services — names, ports, how each is configured, started and
# probed. Sourced by ./stage after lib.sh. Settings come from the associative array CFG (see
# resolve_settings in commands.sh); ports from PORT_BASE.
#
# Port map (B = port base), as in docs/stage.md and shared design's picture:
#   B nginx · B+1..B+99 apps · B+100 redis-session · B+101 redis-cache · B+102..B+104 redis-lock
#   B+110 mariadb · B+120 prometheus · B+121 redis exporter · B+122 mysqld exporter
#   B+123 nginx exporter (and B+124, nginx's stub_status for that exporter, loopback only)

readonly kAppPrefix=hhplus-e-commerce-app-
# shellcheck disable=SC2034  # used by commands.sh and ./stage
readonly kMaxApps=99                    # apps take B+1..B+99, below redis at B+100
# shellcheck disable=SC2034  # used by commands.sh and ./stage
readonly kPortSpan=130                  # every port a stage may use lies in B..B+129

# Start-up budgets (seconds until a service must answer its health probe).
readonly kRedisStartTimeout=15          # loads its AOF first; a few MB take well under 1 s
readonly kMysqlStartTimeout=90          # crash recovery of a 48 MiB redo log on a loaded disk
readonly kAppStartTimeout=60            # 10 apps migrate/connect at once on 2 cores: ~1-3 s each
readonly kNginxStartTimeout=15
readonly kMonitoringStartTimeout=30
# Stop budgets (seconds from SIGTERM to SIGKILL).
readonly kAppStopGrace=15               # the app drains for at most 10 s (api.md), +5 s slack
readonly kMysqlStopGrace=90             # clean InnoDB shutdown flushes the buffer pool (64 MiB)
readonly kDefaultStopGrace=10

# Database the apps use; the stage creates it and its user, the app creates its own schema.
readonly kDbName=hhplus
readonly kDbUser=hhplus
readonly kDbPassword=hhplus
# The metrics exporter's read-only MariaDB account (./stage up --monitoring).
readonly kExporterUser=exporter
readonly kExporterPassword=exporter

# App settings that `./stage up` passes from its own environment to every app (stage.md's table).
# They stick: a later `up` without the variable keeps the running value; `VAR= ./stage up` (set
# but empty) goes back to the app's default. COUPON_STRATEGY is set with --strategy.
# The sanitizer variables matter only for an ASan/UBSan build of the app (HHPLUS_SERVER_BIN):
# launch starts it with `env -i`, so without them scripts/test.sh's settings and the soak's
# quarantine size (tools/reliability/soak.sh) would never reach it.
readonly kAppPassVars=(ADMIN_TOKEN DB_POOL_SIZE SEED_COUPON_QUANTITY LOCK_TTL_MS LOCK_WAIT_MS
    LOCK_RETRY_MS ARGON2_MEMORY_KIB ARGON2_ITERATIONS HASH_QUEUE_LIMIT HASH_WAIT_MS LOG_LEVEL
    COOKIE_SECURE ORDER_TTL_MS ORDER_SWEEP_MS OUTBOX_RELAY_MS DATA_PLATFORM_URL
    ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS)
# --- names, services, ports ------------------------------------------------------------------------
app_name() { printf '%s%s' "$kAppPrefix" "$1"; }

is_app() { [[ $1 == "$kAppPrefix"* && ${1#"$kAppPrefix"} =~ ^[0-9]+$ ]]; }

kind_of() {
    case $1 in
        scale-mysql) echo mysql ;;
        scale-redis-session | scale-redis-cache | scale-redis-lock | scale-redis-lock-[23]) echo redis ;;
        scale-nginx) echo nginx ;;
        scale-prometheus) echo prometheus ;;
        scale-redis-exporter | scale-mysqld-exporter | scale-nginx-exporter) echo exporter ;;
        *) if is_app "$1"; then echo app; else return 1; fi ;;
    esac
}

# The SERVICE column of `ps` (Compose's service names).
service_of() {
    case $1 in
        scale-mysql) echo mysql ;;
        scale-redis-lock*) echo redis-lock ;;
        scale-*) echo "${1#scale-}" ;;
        *) if is_app "$1"; then echo app; else return 1; fi ;;
    esac
}

port_of() {
    local b=$PORT_BASE
    case $1 in
        scale-nginx) echo "$b" ;;
        scale-redis-session) echo $((b + 100)) ;;
        scale-redis-cache) echo $((b + 101)) ;;
        scale-redis-lock) echo $((b + 102)) ;;
        scale-redis-lock-2) echo $((b + 103)) ;;
        scale-redis-lock-3) echo $((b + 104)) ;;
        scale-mysql) echo $((b + 110)) ;;
        scale-prometheus) echo $((b + 120)) ;;
        scale-redis-exporter) echo $((b + 121)) ;;
        scale-mysqld-exporter) echo $((b + 122)) ;;
        scale-nginx-exporter) echo $((b + 123)) ;;
        *) if is_app "$1"; then echo $((b + ${1#"$kAppPrefix"})); else return 1; fi ;;
    esac
}
nginx_status_port() { echo $((PORT_BASE + 124)); }

# Role of a Redis instance (for `stats` and the URLs).
redis_role() {
    case $1 in
        scale-redis-session) echo session ;;
        scale-redis-cache) echo cache ;;
        scale-redis-lock) echo lock ;;
        scale-redis-lock-2) echo lock-2 ;;
        scale-redis-lock-3) echo lock-3 ;;
    esac
}

redis_names() {
    local names=(scale-redis-session scale-redis-cache scale-redis-lock)
    if [[ ${CFG[lock_masters]} == 3 ]]; then names+=(scale-redis-lock-2 scale-redis-lock-3); fi
    printf '%s\n' "${names[@]}"
}

monitoring_names() { printf '%s\n' scale-prometheus scale-redis-exporter scale-mysqld-exporter scale-nginx-exporter; }

# Every service of a stage with the settings in CFG, in start order (infrastructure first).
desired_names() {
    local i
    echo scale-mysql
    redis_names
    local app_count=${CFG[apps]}
    for ((i = 1; i <= app_count; i++)); do app_name "$i"; echo; done
    echo scale-nginx
    if [[ ${CFG[monitoring]} == 1 ]]; then monitoring_names; fi
}

# Start/stop order classes: infrastructure starts first and stops last.
start_phase() {
    case $1 in
        scale-mysql | scale-redis-session | scale-redis-cache | scale-redis-lock*) echo 1 ;;
        scale-nginx | "$kAppPrefix"*) echo 2 ;;
        *) echo 3 ;;
    esac
}

start_timeout_s() {
    case $(kind_of "$1") in
        mysql) echo "$kMysqlStartTimeout" ;;
        redis) echo "$kRedisStartTimeout" ;;
        app) echo "$kAppStartTimeout" ;;
        nginx) echo "$kNginxStartTimeout" ;;
        *) echo "$kMonitoringStartTimeout" ;;
    esac
}

stop_grace_s() {
    case $(kind_of "$1") in
        mysql) echo "$kMysqlStopGrace" ;;
        app) echo "$kAppStopGrace" ;;
        *) echo "$kDefaultStopGrace" ;;
    esac
}

# --- URLs the apps (and `./stage env`) use ------------------------------------------------------------
# Computed once per command (init_urls, after the settings are known) rather than in every
# app's spec: each $(...) is a fork, and forks are slow on a loaded machine.
init_urls() {
    DATABASE_URL_TEXT="mysql://$kDbUser:$kDbPassword@127.0.0.1:$((PORT_BASE + 110))/$kDbName"
    SESSION_URL_TEXT="redis://127.0.0.1:$((PORT_BASE + 100))"
    CACHE_URL_TEXT="redis://127.0.0.1:$((PORT_BASE + 101))"
    LOCK_URLS_TEXT="redis://127.0.0.1:$((PORT_BASE + 102))"
    if [[ ${CFG[lock_masters]:-1} == 3 ]]; then
        LOCK_URLS_TEXT+=",redis://127.0.0.1:$((PORT_BASE + 103)),redis://127.0.0.1:$((PORT_BASE + 104))"
    fi
}

# MariaDB's Unix socket (root access for bootstrap, `reset` and `exec`). sun_path holds 108 bytes:
# a deep stage directory falls back to a short path derived from it.
mysql_socket() {
    local path
    path=$STAGE_DIR/scale-mysql/mysqld.sock
    if ((${#path} > 100)); then
        path=/tmp/hhplus-stage-$(printf '%s' "$STAGE_DIR" | sha256sum | cut -c1-16).sock
    fi
    printf '%s' "$path"
}

# --- specs ----------------------------------------------------------------------------------------------
# build_spec NAME sets:
#   SPEC_CMD   program and arguments          SPEC_ENV  environment (K=V), nothing else is inherited
#   SPEC_CONF  config file to install (or "") SPEC_TEXT the spec, compared with the running one's
# A candidate config file is rendered to "$SPEC_CONF.next"; install_conf moves it into place.
build_spec() {
    local name=$1 dir exe
    dir=$STAGE_DIR/$name
    mkdir -p "$dir"
    SPEC_CMD=()
    SPEC_ENV=()
    SPEC_CONF=""
    local extra=""
    case $(kind_of "$name") in
        redis)
            exe=$(require_program redis-server) || exit 1
            SPEC_CONF=$dir/redis.conf
            redis_conf "$name" >"$SPEC_CONF.next"
            SPEC_CMD=("$exe" "$SPEC_CONF")
            ;;
        mysql)
            exe=$(require_program mariadbd) || exit 1
            mysql_cmd "$exe"
            ;;
        app)
            exe=${CFG[server_bin]}
            app_env "$name"
            SPEC_CMD=("$exe")
            # A rebuilt binary restarts the apps on the next `up`.
            extra="binary $(stat -c '%Y %s' "$exe" 2>/dev/null)"
            ;;
        nginx)
            exe=$(require_program nginx) || exit 1
            SPEC_CONF=$dir/nginx.conf
            nginx_render "$SPEC_CONF.next"
            SPEC_CMD=("$exe" -p "$dir/" -c "$SPEC_CONF" -e stderr)
            SPEC_ENV=(TZ=UTC)
            ;;
        prometheus | exporter)
            monitoring_spec "$name" || exit 1
            exe=${SPEC_CMD[0]}
            ;;
    esac
    local text line
    text="exe $exe"$'\n'"port $(port_of "$name")"$'\n'"cmd $(printf '%q ' "${SPEC_CMD[@]}")"
    for line in "${SPEC_ENV[@]}"; do text+=$'\n'"env $line"; done
    if [[ -n $SPEC_CONF ]]; then
        local hash
        read -r hash _ < <(sha256sum "$SPEC_CONF.next")
        text+=$'\n'"conf ${hash:0:16}"
    fi
    [[ -n $extra ]] && text+=$'\n'"$extra"
    # shellcheck disable=SC2034  # an output of build_spec, read by commands.sh
    SPEC_TEXT=$text
}

install_conf() {
    [[ -n $SPEC_CONF ]] || return 0
    mv -f "$SPEC_CONF.next" "$SPEC_CONF"
}
discard_conf() {
    [[ -n $SPEC_CONF ]] || return 0
    rm -f "$SPEC_CONF.next"
}

redis_conf() {
    local name=$1 dir role
    dir=$STAGE_DIR/$name
    role=$(redis_role "$name")
    mkdir -p "$dir/data"
    cat <<EOF
# $name — Redis for the $role role of the hhplus stage (written by ./stage; edits are overwritten).
bind 127.0.0.1
port $(port_of "$name")
protected-mode yes
daemonize no
# ./stage keeps the PID file (../pid) and the log (stdout → ../log).
pidfile ""
logfile ""
dir $dir/data
# 10 apps × a few pooled connections + pub/sub subscribers + load-generator probes ≪ 10000;
# the file-descriptor limit (20000) covers 10000 clients with room for the AOF and listeners.
maxclients 10000
save ""
EOF
    if [[ $role == session ]]; then
        cat <<'EOF'
# Sessions survive a restart: every write is appended and fsynced once per second, so a crash
# loses at most the last second of logins (those users log in again).
appendonly yes
appendfsync everysec
EOF
    else
        cat <<'EOF'
# Cache and lock data are disposable: correctness never depends on them (the database enforces
# every invariant), so nothing is written to disk.
appendonly no
EOF
    fi
}

mysql_cmd() {
    local exe=$1 dir user
    dir=$STAGE_DIR/scale-mysql
    user=$(id -un)
    SPEC_CMD=(
        "$exe" --no-defaults
        --datadir="$dir/data" --socket="$(mysql_socket)" --pid-file="$dir/mariadbd.pid"
        --bind-address=127.0.0.1 --port="$(port_of scale-mysql)" --skip-name-resolve
        # Commit writes the redo log to the OS at once but fsyncs it once per second: the stage
        # measures lock and row contention, not this disk's fsync latency (which would dominate
        # every commit). A crashed mariadbd loses nothing (the OS has the log); only a crash of the
        # whole machine could lose the last second, which a load-test stage can afford.
        --innodb-flush-log-at-trx-commit=2
        # Memory: the stage's data (≤ 100k users, their coupons and logs) is far below 64 MiB, so
        # every read stays in memory; the Aria and MyISAM caches (128 MiB each by default, used
        # only for system tables here) shrink to keep the idle stage small.
        --innodb-buffer-pool-size=64M --innodb-log-file-size=48M
        --aria-pagecache-buffer-size=8M --key-buffer-size=1M
        # Connections: 99 apps × DB_POOL_SIZE 8 = 792, + `reset`, `exec` and the exporter ≪ 1024.
        # Files: 1024 connections + 2 × 1000 cached tables + logs ≈ 3100 ≪ 8192 ≪ the 20000 limit.
        --max-connections=1024 --table-open-cache=1000 --open-files-limit=8192
        --character-set-server=utf8mb4 --collation-server=utf8mb4_bin --default-time-zone=+00:00
        --user="$user"
    )
}

# Creates the data directory on first start (about 1 s).
mysql_prepare() {
    local dir
    dir=$STAGE_DIR/scale-mysql
    [[ -d $dir/data/mysql ]] && return 0
    local install
    install=$(require_program mariadb-install-db) || exit 1
    mkdir -p "$dir/data"
    say "initialising the database directory $dir/data"
    # The bootstrap server skips fsync (nosync, no doublewrite, lazy log flush): it writes ~100 MB
    # of system tables and redo log, which takes 1 s this way and up to 5 s on a busy disk
    # otherwise. A machine crash during these seconds leaves a broken directory: --purge fixes it.
    if ! "$install" --no-defaults --auth-root-authentication-method=normal --skip-test-db \
        --datadir="$dir/data" --user="$(id -un)" --innodb-log-file-size=48M \
        --innodb-flush-method=nosync --innodb-doublewrite=0 --innodb-flush-log-at-trx-commit=0 \
        >>"$dir/log" 2>&1 9>&-; then
        log_tail scale-mysql
        die "mariadb-install-db failed for scale-mysql (log: $dir/log)"
    fi
}

# Environment of one app (stage.md's table; the same names in Compose).
app_env() {
    local name=$1 var
    SPEC_ENV=(
        "PORT=$(port_of "$name")"
        "BIND_ADDRESS=127.0.0.1"
        "INSTANCE_NAME=$name"
        "DATABASE_URL=$DATABASE_URL_TEXT"
        "REDIS_SESSION_URL=$SESSION_URL_TEXT"
        "REDIS_CACHE_URL=$CACHE_URL_TEXT"
        "REDIS_LOCK_URLS=$LOCK_URLS_TEXT"
        "COUPON_STRATEGY=${CFG[strategy]}"
    )
    for var in "${kAppPassVars[@]}"; do
        if [[ -n ${CFG[env.$var]:-} ]]; then SPEC_ENV+=("$var=${CFG[env.$var]}"); fi
    done
}

nginx_render() {
    local out=$1 i
    local -a servers=()
    local app_count=${CFG[apps]}
    for ((i = 1; i <= app_count; i++)); do servers+=("127.0.0.1:$(port_of "$(app_name "$i")")"); done
    # No app (--apps 0 is refused) would leave an empty upstream; render.sh needs at least one.
    sh "$REPO_ROOT/deploy/nginx/render.sh" "$REPO_ROOT/deploy/nginx/nginx.conf.template" "$out" \
        "127.0.0.1:$PORT_BASE" "${servers[@]}" || die "rendering the nginx configuration failed"
    if [[ ${CFG[monitoring]} == 1 ]]; then
        # stub_status for the nginx exporter, on its own loopback port, never on the public one.
        # It goes inside the template's http block, whose closing brace is the file's last line.
        local status_server
        status_server=$(printf '    server {\n        listen 127.0.0.1:%s;\n        access_log off;\n        location = /stub_status { stub_status; }\n    }' "$(nginx_status_port)")
        [[ $(tail -n 1 "$out") == "}" ]] || die "nginx template: expected the http block to end the file"
        sed -i '$d' "$out"
        printf '    # Added by ./stage --monitoring: counters for the nginx exporter (loopback only).\n%s\n}\n' \
            "$status_server" >>"$out"
    fi
}

# --- health probes ----------------------------------------------------------------------------------------
# probe NAME: status 0 when the service answers as healthy.
probe() {
    local name=$1 port
    port=$(port_of "$name")
    case $(kind_of "$name") in
        redis)
            [[ $(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]]
            ;;
        mysql)
            mysql_bootstrap || return 1
            mariadb --no-defaults --connect-timeout=2 -h 127.0.0.1 -P "$port" \
                -u "$kDbUser" -p"$kDbPassword" "$kDbName" -N -e 'SELECT 1' >/dev/null 2>&1
            ;;
        app)
            [[ $(http_code "http://127.0.0.1:$port/health/ready") == 200 ]]
            ;;
        nginx)
            # /metrics is answered by nginx itself (404 JSON: not public), so the probe never
            # reaches the apps. Probing a proxied path while the apps still start would make
            # nginx mark them failed (max_fails) and answer "no live upstreams" for fail_timeout.
            [[ $(http_code "http://127.0.0.1:$port/metrics") =~ ^[1-5][0-9][0-9]$ ]]
            ;;
        prometheus)
            [[ $(http_code "http://127.0.0.1:$port/-/ready") == 200 ]]
            ;;
        exporter)
            [[ $(http_code "http://127.0.0.1:$port/metrics") == 200 ]]
            ;;
    esac
}

http_code() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null
}

# Creates the database, its user and the metrics exporter's read-only user (root over the
# socket; idempotent statements), once per data directory: the marker holds the version of these
# statements, so a stage made by an older ./stage gets what was added since.
readonly kBootstrapVersion=2
mysql_bootstrap() {
    local marker
    marker=$STAGE_DIR/scale-mysql/bootstrapped
    [[ -f $marker && $(<"$marker") == "$kBootstrapVersion" ]] && return 0
    mariadb --no-defaults --connect-timeout=2 -S "$(mysql_socket)" -u root -e "
        CREATE DATABASE IF NOT EXISTS $kDbName CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
        CREATE USER IF NOT EXISTS '$kDbUser'@'%' IDENTIFIED BY '$kDbPassword';
        GRANT ALL PRIVILEGES ON $kDbName.* TO '$kDbUser'@'%';
        CREATE USER IF NOT EXISTS '$kExporterUser'@'%' IDENTIFIED BY '$kExporterPassword' WITH MAX_USER_CONNECTIONS 3;
        GRANT PROCESS, REPLICATION CLIENT, SELECT ON *.* TO '$kExporterUser'@'%';" >/dev/null 2>&1 || return 1
    echo "$kBootstrapVersion" >"$marker"
}

# Status text for `ps`: "running (healthy)", "running (unhealthy)", "exited".
status_text() {
    local name=$1
    if ! running_pid "$name" >/dev/null; then
        echo exited
    elif probe "$name"; then
        echo "running (healthy)"
    else
        echo "running (unhealthy)"
    fi
}
