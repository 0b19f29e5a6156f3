#!/usr/bin/env bash
# PostgreSQL and Redis for the test suite: private instances on loopback, with their own data
# under var/test-services/, never the machine's own clusters.
#
#   scripts/test-services.sh start     start both (idempotent), wait until they answer
#   scripts/test-services.sh stop      stop both (idempotent)
#   scripts/test-services.sh status    exit 0 if both are up
#   scripts/test-services.sh env       print PARTA_TEST_DATABASE_URL / PARTA_TEST_REDIS_URL exports
#   scripts/test-services.sh reset-db  drop and recreate the parta_test database
#
# Ports: PARTA_TEST_PG_PORT (default 54329) and PARTA_TEST_REDIS_PORT (default 63799); when one
# is taken by something else the next free one is used, and remembered while the service runs.
# The test cluster trusts nothing on TCP: role parta / password parta, scram-sha-256.
set -euo pipefail
umask 022

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="$ROOT/var/test-services"
PG_USER=parta
PG_PASSWORD=parta
PG_DB=parta_test

say() { printf '  [services] %s\n' "$*"; }
die() { printf '  [services] error: %s\n' "$*" >&2; exit 1; }

# A TCP connect to 127.0.0.1:$1 succeeds: something listens there.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The port remembered in $STATE/$1.port, else $2.
saved_port() { if [[ -s "$STATE/$1.port" ]]; then cat "$STATE/$1.port"; else echo "$2"; fi; }

# First port from $1 on that nothing listens to.
free_port_from() {
    local port=$1
    for _ in $(seq 1 50); do
        port_in_use "$port" || { echo "$port"; return 0; }
        port=$((port + 1))
    done
    die "no free port found from $1 on"
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL

pg_bin() {
    local initdb
    initdb="$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)"
    [[ -n "$initdb" ]] || die "PostgreSQL server not installed (run scripts/system-deps.sh)"
    dirname "$initdb"
}

# As root the server runs as the `postgres` OS user (it refuses to run as root).
as_pg() {
    # From / so that the postgres user is not left in a directory it may not enter.
    if [[ $(id -u) -eq 0 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# Where the cluster lives: var/test-services/pg, unless the `postgres` user cannot reach the
# work tree (a clone inside a private home directory); then a directory of its own under /tmp.
pg_home() {
    if [[ $(id -u) -ne 0 ]] || (cd / && runuser -u postgres -- test -x "$ROOT") 2>/dev/null; then
        echo "$STATE/pg"
    else
        echo "/tmp/parta-test-pg-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)"
    fi
}

pg_init_vars() {
    PG_BIN="$(pg_bin)"
    PG_HOME="$(pg_home)"
    PG_DATA="$PG_HOME/data"
    PG_SOCK="$PG_HOME/run"
    PG_LOG="$PG_HOME/server.log"
    PG_PORT="$(saved_port pg "${PARTA_TEST_PG_PORT:-54329}")"
    # A Unix socket path is limited to 107 bytes.
    if (( ${#PG_SOCK} > 90 )); then
        PG_SOCK="/tmp/parta-test-pg-sock-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)"
    fi
}

pg_running() {
    [[ -f "$PG_DATA/postmaster.pid" ]] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

pg_psql() {
    as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres "$@"
}

pg_start() {
    pg_init_vars
    mkdir -p "$STATE"
    if pg_running; then
        say "PostgreSQL already running on 127.0.0.1:$PG_PORT"
    else
        if [[ ! -s "$PG_DATA/PG_VERSION" ]]; then
            say "initializing PostgreSQL cluster in $PG_DATA"
            rm -rf "$PG_DATA"
            mkdir -p "$PG_DATA"
            if [[ $(id -u) -eq 0 ]]; then chown -R postgres: "$PG_HOME"; fi
            chmod 700 "$PG_DATA"
            as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
                --auth-local=trust --auth-host=scram-sha-256 >"$PG_HOME/initdb.log" 2>&1 \
                || { cat "$PG_HOME/initdb.log" >&2; die "initdb failed"; }
            # A throw-away cluster: durability is not wanted, speed is.
            cat >>"$PG_DATA/postgresql.conf" <<'EOF'

# parta test cluster
listen_addresses = '127.0.0.1'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
        fi
        PG_PORT="$(free_port_from "${PARTA_TEST_PG_PORT:-54329}")"
        mkdir -p "$PG_SOCK"
        if [[ $(id -u) -eq 0 ]]; then chown postgres: "$PG_SOCK"; fi
        chmod 700 "$PG_SOCK"
        say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 \
            -o "-p $PG_PORT -k $PG_SOCK" start >/dev/null \
            || { tail -n 30 "$PG_LOG" >&2 || true; die "PostgreSQL did not start"; }
        echo "$PG_PORT" >"$STATE/pg.port"
    fi
    for _ in $(seq 1 60); do
        as_pg "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" && break
        sleep 0.5
    done
    as_pg "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" || die "PostgreSQL does not answer"
    pg_psql -d postgres <<EOF
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', '$PG_USER', '$PG_PASSWORD')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', '$PG_DB', '$PG_USER')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$PG_DB') \gexec
EOF
}

pg_reset_db() {
    pg_init_vars
    pg_running || die "PostgreSQL is not running (scripts/test-services.sh start)"
    pg_psql -d postgres -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" \
        -c "CREATE DATABASE $PG_DB OWNER $PG_USER"
}

pg_stop() {
    if ! ls -d /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then return 0; fi
    pg_init_vars
    if pg_running; then
        say "stopping PostgreSQL (127.0.0.1:$PG_PORT)"
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null
    fi
}

# ---------------------------------------------------------------------------------------------
# Redis: nothing is saved to disk; every start is empty.

redis_init_vars() {
    REDIS_DIR="$STATE/redis"
    REDIS_PID="$REDIS_DIR/redis.pid"
    REDIS_PORT="$(saved_port redis "${PARTA_TEST_REDIS_PORT:-63799}")"
}

redis_pid_alive() {
    local pid
    [[ -s "$REDIS_PID" ]] || return 1
    pid="$(cat "$REDIS_PID")"
    [[ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" == redis-server* ]] || return 1
    # An exited process that nobody reaped yet is not running.
    [[ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null || true)" != Z ]]
}

redis_ping() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }

redis_start() {
    redis_init_vars
    command -v redis-server >/dev/null || die "redis-server not installed (run scripts/system-deps.sh)"
    mkdir -p "$REDIS_DIR"
    if redis_pid_alive && redis_ping; then
        say "Redis already running on 127.0.0.1:$REDIS_PORT"
        return 0
    fi
    REDIS_PORT="$(free_port_from "${PARTA_TEST_REDIS_PORT:-63799}")"
    say "starting Redis on 127.0.0.1:$REDIS_PORT"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes \
        --pidfile "$REDIS_PID" --logfile "$REDIS_DIR/redis.log" --dir "$REDIS_DIR" \
        --save '' --appendonly no >/dev/null \
        || die "Redis did not start"
    echo "$REDIS_PORT" >"$STATE/redis.port"
    for _ in $(seq 1 60); do
        redis_ping && return 0
        sleep 0.25
    done
    tail -n 20 "$REDIS_DIR/redis.log" >&2 || true
    die "Redis does not answer PING"
}

redis_stop() {
    redis_init_vars
    redis_pid_alive || return 0
    say "stopping Redis (127.0.0.1:$REDIS_PORT)"
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    for _ in $(seq 1 40); do
        redis_pid_alive || return 0
        sleep 0.25
    done
    kill "$(cat "$REDIS_PID")" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------

print_env() {
    local pg_port redis_port
    pg_port="$(saved_port pg "${PARTA_TEST_PG_PORT:-54329}")"
    redis_port="$(saved_port redis "${PARTA_TEST_REDIS_PORT:-63799}")"
    echo "export PARTA_TEST_DATABASE_URL=postgresql+asyncpg://$PG_USER:$PG_PASSWORD@127.0.0.1:$pg_port/$PG_DB"
    echo "export PARTA_TEST_REDIS_URL=redis://127.0.0.1:$redis_port/0"
}

status() {
    local ok=0
    pg_init_vars
    redis_init_vars
    if pg_running; then say "PostgreSQL up on 127.0.0.1:$PG_PORT"; else say "PostgreSQL down"; ok=1; fi
    if redis_pid_alive && redis_ping; then say "Redis up on 127.0.0.1:$REDIS_PORT"; else say "Redis down"; ok=1; fi
    return $ok
}

case "${1:-}" in
    start) pg_start; redis_start ;;
    stop) pg_stop; redis_stop ;;
    status) status ;;
    env) print_env ;;
    reset-db) pg_reset_db ;;
    *) echo "usage: $0 start|stop|status|env|reset-db" >&2; exit 2 ;;
esac
