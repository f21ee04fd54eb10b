# shellcheck shell=bash
# ./stage library: `up --monitoring` — Prometheus and three exporters from Debian's packages, on
# loopback ports B+120..B+123 (nginx's stub_status for its exporter on B+124). Sourced by ./stage.
#
#   scale-prometheus        B+120  scrapes every app, the exporters and itself every 5 s
#   scale-redis-exporter    B+121  one exporter for every Redis (multi-target /scrape)
#   scale-mysqld-exporter   B+122  MariaDB status, as a read-only `exporter` user
#   scale-nginx-exporter    B+123  nginx's connection counters (stub_status)
# deploy/monitoring/grafana/hhplus-stage.json is a dashboard over these metrics.

readonly kMonitoringPrograms=(prometheus prometheus-redis-exporter prometheus-mysqld-exporter prometheus-nginx-exporter)
# Prometheus keeps a week of samples: a few load runs a day, ~2 MB each.
readonly kPrometheusRetention=7d

require_monitoring_programs() {
    local p
    for p in "${kMonitoringPrograms[@]}"; do
        find_program "$p" >/dev/null ||
            die "--monitoring needs '$p' (Debian package of the same name; scripts/setup.sh installs it)"
    done
}

# Sets SPEC_CMD / SPEC_ENV / SPEC_CONF for one monitoring part (see build_spec in services.sh).
# shellcheck disable=SC2034,SC2154  # SPEC_* are build_spec's outputs; kExporter* from services.sh
monitoring_spec() {
    local name=$1 dir exe
    dir=$STAGE_DIR/$name
    case $name in
        scale-prometheus)
            exe=$(find_program prometheus) || return 1
            SPEC_CONF=$dir/prometheus.yml
            prometheus_render "$SPEC_CONF.next"
            mkdir -p "$dir/data"
            SPEC_CMD=("$exe" --config.file="$SPEC_CONF" --storage.tsdb.path="$dir/data"
                --storage.tsdb.retention.time="$kPrometheusRetention"
                --web.listen-address="127.0.0.1:$(port_of "$name")")
            ;;
        scale-redis-exporter)
            exe=$(find_program prometheus-redis-exporter) || return 1
            # No default address (it would be the system's Redis on 6379): targets come with
            # each scrape, from Prometheus.
            SPEC_CMD=("$exe" -redis.addr= -web.listen-address="127.0.0.1:$(port_of "$name")")
            ;;
        scale-mysqld-exporter)
            exe=$(find_program prometheus-mysqld-exporter) || return 1
            SPEC_CONF=$dir/my.cnf
            printf '[client]\nuser=%s\npassword=%s\nhost=127.0.0.1\nport=%s\n' \
                "$kExporterUser" "$kExporterPassword" "$(port_of scale-mysql)" >"$SPEC_CONF.next"
            chmod 600 "$SPEC_CONF.next"
            # No replication here: the replica-status collector would only log "access denied".
            SPEC_CMD=("$exe" --config.my-cnf="$SPEC_CONF" --no-collect.slave_status
                --web.listen-address="127.0.0.1:$(port_of "$name")")
            ;;
        scale-nginx-exporter)
            exe=$(find_program prometheus-nginx-exporter) || return 1
            SPEC_CMD=("$exe" -nginx.scrape-uri="http://127.0.0.1:$(nginx_status_port)/stub_status"
                -web.listen-address="127.0.0.1:$(port_of "$name")")
            ;;
        *) return 1 ;;
    esac
}

prometheus_render() {
    local out=$1 i name app_targets="" redis_targets=""
    local app_count=${CFG[apps]}
    for ((i = 1; i <= app_count; i++)); do
        name=$(app_name "$i")
        app_targets+="      - targets: [\"127.0.0.1:$(port_of "$name")\"]"$'\n'"        labels: {app: $name}"$'\n'
    done
    while IFS= read -r name; do
        redis_targets+="      - targets: [\"redis://127.0.0.1:$(port_of "$name")\"]"$'\n'"        labels: {role: $(redis_role "$name"), name: $name}"$'\n'
    done < <(redis_names)
    awk -v apps="${app_targets%$'\n'}" -v redis="${redis_targets%$'\n'}" \
        -v redis_exporter="127.0.0.1:$(port_of scale-redis-exporter)" \
        -v mysqld_exporter="127.0.0.1:$(port_of scale-mysqld-exporter)" \
        -v nginx_exporter="127.0.0.1:$(port_of scale-nginx-exporter)" \
        -v prometheus="127.0.0.1:$(port_of scale-prometheus)" '
        /^@APP_TARGETS@$/ { print apps; next }
        /^@REDIS_TARGETS@$/ { print redis; next }
        /^[ \t]*#/ { print; next }
        {
            gsub(/@REDIS_EXPORTER@/, redis_exporter); gsub(/@MYSQLD_EXPORTER@/, mysqld_exporter)
            gsub(/@NGINX_EXPORTER@/, nginx_exporter); gsub(/@PROMETHEUS@/, prometheus)
            print
        }' "$REPO_ROOT/deploy/monitoring/prometheus.yml.template" >"$out"
}
