#!/usr/bin/env bash
# A private PostgreSQL 15 cluster for tests and benchmarks: start | stop | url.
# Data lives in $ONETRIP_PGDATA (default /var/tmp/onetrip-pg), port $ONETRIP_PGPORT (54329),
# loopback only, trust authentication for the postgres role.
set -euo pipefail
PGBIN=/usr/lib/postgresql/15/bin
PGDATA=${ONETRIP_PGDATA:-/var/tmp/onetrip-pg}
PORT=${ONETRIP_PGPORT:-54329}
SOCK=${PGDATA}-sock
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "${1:-start}" in
  start)
    if [ ! -s "$PGDATA/PG_VERSION" ]; then
      mkdir -p "$PGDATA" "$SOCK"
      [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDATA" "$SOCK"
      as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
      cat >>"$PGDATA/postgresql.conf" <<CONF
max_connections = 200
shared_buffers = 256MB
fsync = on
CONF
    fi
    mkdir -p "$SOCK"; [ "$(id -u)" = 0 ] && chown postgres:postgres "$SOCK"
    if ! as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
      as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k $SOCK" start >/dev/null
    fi
    as_pg "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname='onetrip'" | grep -q 1 ||
      as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres onetrip
    echo "postgres://postgres@127.0.0.1:$PORT/onetrip"
    ;;
  stop)
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true
    ;;
  url)
    echo "postgres://postgres@127.0.0.1:$PORT/onetrip"
    ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
