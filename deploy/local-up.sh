#!/usr/bin/env bash
# The production layout of docs/deploy.md on this machine, loopback ports only:
#   HAProxy :18080 → two app servers (onetrip serve, gunicorn) :18081 :18082 + one task worker
#   → PgBouncer :16432 (transaction pooling) → PostgreSQL primary :15432 → streaming replica
#   :15433 (pg_basebackup -R); WAL archived, a base backup taken (deploy/backup.sh).
#
#   deploy/local-up.sh smoke   bring it up, run deploy/smoke.py (tickets through the proxy while
#                              an app server is killed; the dashboard from the replica), run the
#                              restore drill, tear everything down (also on failure)  = make deploy-smoke
#   deploy/local-up.sh up      bring it up and leave it running (then: down)
#   deploy/local-up.sh down    stop everything it started and remove its folder
#
# Ports: PROXY_PORT APP1_PORT APP2_PORT PGBOUNCER_PORT PRIMARY_PORT REPLICA_PORT DRILL_PORT;
# folder: ONETRIP_DEPLOY_DIR (default /var/tmp/onetrip-deploy). Needs root or the postgres
# user's rights (PostgreSQL and PgBouncer run as postgres); installs HAProxy and PgBouncer.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUN=${ONETRIP_DEPLOY_DIR:-/var/tmp/onetrip-deploy}
PGBIN=/usr/lib/postgresql/15/bin
PROXY_PORT=${PROXY_PORT:-18080}
STATS_PORT=${STATS_PORT:-18089}
APP1_PORT=${APP1_PORT:-18081}
APP2_PORT=${APP2_PORT:-18082}
PGBOUNCER_PORT=${PGBOUNCER_PORT:-16432}
PRIMARY_PORT=${PRIMARY_PORT:-15432}
REPLICA_PORT=${REPLICA_PORT:-15433}
DRILL_PORT=${DRILL_PORT:-15434}
PY="$ROOT/.venv/bin/python"
export PGBIN RUN PROXY_PORT APP1_PORT APP2_PORT PGBOUNCER_PORT PRIMARY_PORT REPLICA_PORT DRILL_PORT

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
say() { printf '[local-up %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
render() { "$PY" -c 'import os, string, sys; sys.stdout.write(string.Template(open(sys.argv[1]).read()).substitute(os.environ))' "$1"; }
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_http() { # url seconds
  for _ in $(seq 1 $(($2 * 4))); do curl -sf -o /dev/null "$1" && return 0; sleep 0.25; done
  echo "timed out waiting for $1" >&2; return 1
}
start_bg() { # name command… : in its own process group, pid in $RUN/pids/name
  local name=$1; shift
  setsid "$@" >"$RUN/log/$name.log" 2>&1 < /dev/null &
  echo $! >"$RUN/pids/$name"
}

down() {
  [ -d "$RUN" ] || return 0
  say "tearing down"
  for f in "$RUN"/pids/*; do
    [ -e "$f" ] || continue
    pid=$(cat "$f")
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  [ -f "$RUN/pgbouncer.pid" ] && kill -TERM "$(cat "$RUN/pgbouncer.pid")" 2>/dev/null || true
  for d in replica primary; do
    [ -d "$RUN/$d" ] && as_pg "$PGBIN/pg_ctl" -D "$RUN/$d" -m fast stop >/dev/null 2>&1 || true
  done
  for f in "$RUN"/pids/*; do # up to 10 s for a graceful stop, then SIGKILL
    [ -e "$f" ] || continue
    pid=$(cat "$f")
    for _ in $(seq 1 40); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  if [ -n "${KEEP_LOGS:-}" ]; then
    mkdir -p "$KEEP_LOGS" && cp -r "$RUN/log/." "$KEEP_LOGS/" 2>/dev/null || true
  fi
  rm -rf "$RUN"
}

up() {
  "$ROOT/scripts/system-deps.sh" deploy
  [ -x "$PY" ] || make -C "$ROOT" env >/dev/null
  for p in $PROXY_PORT $STATS_PORT $APP1_PORT $APP2_PORT $PGBOUNCER_PORT $PRIMARY_PORT $REPLICA_PORT $DRILL_PORT; do
    port_free "$p" || { echo "port $p is in use: set the *_PORT variables" >&2; exit 1; }
  done
  [ -e "$RUN" ] && { echo "$RUN exists: run '$0 down' first" >&2; exit 1; }
  mkdir -p "$RUN"/{log,pids,archive,backups,sock,var1,var2,varw}
  chmod 700 "$RUN"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$RUN" "$RUN"/{log,archive,backups,sock}

  say "PostgreSQL primary on :$PRIMARY_PORT (WAL archiving into $RUN/archive)"
  as_pg "$PGBIN/initdb" -D "$RUN/primary" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  cat "$ROOT/deploy/postgresql-primary.conf" >>"$RUN/primary/postgresql.conf"
  cat >>"$RUN/primary/postgresql.conf" <<CONF
archive_command = 'test ! -f $RUN/archive/%f && cp %p $RUN/archive/%f'
listen_addresses = '127.0.0.1'
unix_socket_directories = '$RUN/sock'
CONF
  echo "host replication postgres 127.0.0.1/32 trust" >>"$RUN/primary/pg_hba.conf"
  as_pg "$PGBIN/pg_ctl" -D "$RUN/primary" -l "$RUN/log/primary.log" -w -o "-p $PRIMARY_PORT" start >/dev/null
  PRIMARY_URL="postgres://postgres@127.0.0.1:$PRIMARY_PORT/onetrip"
  as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres onetrip

  say "migrating and setting up a service hall (deploy/setup_hall.py)"
  SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')
  export SECRET_KEY
  env DATABASE_URL="$PRIMARY_URL" ONETRIP_VAR="$RUN/varw" "$ROOT/.venv/bin/onetrip" migrate -v 0
  env DATABASE_URL="$PRIMARY_URL" ONETRIP_VAR="$RUN/varw" "$ROOT/.venv/bin/onetrip" createcachetable
  env DATABASE_URL="$PRIMARY_URL" ONETRIP_VAR="$RUN/varw" DJANGO_SETTINGS_MODULE=onetrip.settings \
    "$PY" "$ROOT/deploy/setup_hall.py" >"$RUN/hall.json"

  say "streaming replica on :$REPLICA_PORT (pg_basebackup -R, slot replica1)"
  as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$RUN/replica" \
    -R -X stream -C -S replica1 --checkpoint=fast
  as_pg "$PGBIN/pg_ctl" -D "$RUN/replica" -l "$RUN/log/replica.log" -w -o "-p $REPLICA_PORT" start >/dev/null

  say "base backup (deploy/backup.sh) into $RUN/backups"
  as_pg env PGPORT="$PRIMARY_PORT" BACKUP_DIR="$RUN/backups" "$ROOT/deploy/backup.sh" >/dev/null

  say "PgBouncer on :$PGBOUNCER_PORT (transaction pooling)"
  echo '"postgres" ""' >"$RUN/pgbouncer-users.txt"
  PGBOUNCER_AUTH=trust render "$ROOT/deploy/pgbouncer.ini.in" >"$RUN/pgbouncer.ini"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$RUN/pgbouncer.ini" "$RUN/pgbouncer-users.txt"
  as_pg /usr/sbin/pgbouncer -d "$RUN/pgbouncer.ini"
  for _ in $(seq 1 40); do port_free "$PGBOUNCER_PORT" || break; sleep 0.25; done

  say "two app servers on :$APP1_PORT :$APP2_PORT and a task worker"
  local common=(
    DATABASE_URL="postgres://postgres@127.0.0.1:$PGBOUNCER_PORT/onetrip"
    ONETRIP_REPLICA_URL="postgres://postgres@127.0.0.1:$PGBOUNCER_PORT/onetrip_replica"
    ONETRIP_PGBOUNCER=1 CONN_MAX_AGE=60 SECRET_KEY="$SECRET_KEY"
    ALLOWED_HOSTS=127.0.0.1,localhost ONETRIP_NUM_PROXIES=1 ONETRIP_LOG_FORMAT=json
    ONETRIP_SITE_URL="http://127.0.0.1:$PROXY_PORT"
    CSRF_TRUSTED_ORIGINS="http://127.0.0.1:$PROXY_PORT"
    # the smoke's kiosks issue tickets at machine speed for the whole run: the per-client ticket
    # limit (onetrip.throttles, 30/m, for real kiosks) is off here; the per-phone one stays on
    ONETRIP_THROTTLE_TICKET=
  )
  start_bg app1 env "${common[@]}" ONETRIP_VAR="$RUN/var1" \
    "$ROOT/.venv/bin/onetrip" serve --no-migrate --bind "127.0.0.1:$APP1_PORT" --workers 2 --threads 4
  start_bg app2 env "${common[@]}" ONETRIP_VAR="$RUN/var2" \
    "$ROOT/.venv/bin/onetrip" serve --no-migrate --bind "127.0.0.1:$APP2_PORT" --workers 2 --threads 4
  start_bg worker env "${common[@]}" ONETRIP_VAR="$RUN/varw" \
    "$ROOT/.venv/bin/onetrip" db_worker --interval 1
  wait_http "http://127.0.0.1:$APP1_PORT/health/ready" 120
  wait_http "http://127.0.0.1:$APP2_PORT/health/ready" 120

  say "HAProxy on :$PROXY_PORT (stats :$STATS_PORT)"
  export PROXY_BIND="127.0.0.1:$PROXY_PORT" STATS_BIND="127.0.0.1:$STATS_PORT" APP_HOST=127.0.0.1
  APP_SERVERS=$(printf '    server app1 127.0.0.1:%s check\n    server app2 127.0.0.1:%s check' "$APP1_PORT" "$APP2_PORT")
  export APP_SERVERS
  render "$ROOT/deploy/haproxy.cfg.in" >"$RUN/haproxy.cfg"
  haproxy -c -q -f "$RUN/haproxy.cfg"
  start_bg haproxy haproxy -db -f "$RUN/haproxy.cfg"
  wait_http "http://127.0.0.1:$PROXY_PORT/health/ready" 30
  say "up: http://127.0.0.1:$PROXY_PORT/ (folder $RUN)"
}

smoke() {
  trap down EXIT
  up
  say "smoke test (deploy/smoke.py)"
  "$PY" "$ROOT/deploy/smoke.py" --run "$RUN"
  say "restore drill (deploy/restore-drill.sh)"
  BACKUP_DIR="$RUN/backups" WAL_ARCHIVE="$RUN/archive" \
    PRIMARY_URL="postgres://postgres@127.0.0.1:$PRIMARY_PORT/onetrip" \
    "$ROOT/deploy/restore-drill.sh"
  say "smoke test and restore drill passed"
}

case "${1:-smoke}" in
  up) up ;;
  down) down ;;
  smoke) smoke ;;
  *) echo "usage: $0 smoke|up|down" >&2; exit 2 ;;
esac
