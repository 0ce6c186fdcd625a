#!/usr/bin/env bash
# Restore drill: the newest base backup plus the archived WAL into a scratch cluster, then the
# row counts of the tables that matter compared with the primary's. Exit 0 only when every
# count matches. The scratch cluster is removed afterwards.
#
#   BACKUP_DIR=… WAL_ARCHIVE=… PRIMARY_URL=postgres://postgres@127.0.0.1:5432/onetrip \
#     DRILL_PORT=15434 deploy/restore-drill.sh
#
# The primary's counts are read after a WAL switch has been archived, so run it while nothing
# writes (or compare with a copy of the counts taken at the switch, as local-up.sh does).
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
: "${BACKUP_DIR:?set BACKUP_DIR}" "${WAL_ARCHIVE:?set WAL_ARCHIVE}" "${PRIMARY_URL:?set PRIMARY_URL}"
DRILL_PORT=${DRILL_PORT:-15434}
TABLES=${DRILL_TABLES:-queueing_ticket queueing_ticketevent cases_case cases_caseevent audit_auditevent people_user}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
psql_at() { "$PGBIN/psql" -X -q -tA "$@"; }

base=$(ls -1d "$BACKUP_DIR"/base-* | sort | tail -1)
scratch=$(mktemp -d /var/tmp/onetrip-drill.XXXXXX)
chmod 700 "$scratch"
cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$scratch/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$scratch"
}
trap cleanup EXIT
mkdir -p "$scratch/data" "$scratch/sock"
chmod 700 "$scratch/data"
tar -xzf "$base/base.tar.gz" -C "$scratch/data"
mkdir -p "$scratch/data/pg_wal"
tar -xzf "$base/pg_wal.tar.gz" -C "$scratch/data/pg_wal"
rm -f "$scratch/data/standby.signal" "$scratch/data/postgresql.auto.conf"
cat >>"$scratch/data/postgresql.conf" <<CONF
restore_command = 'cp "$WAL_ARCHIVE/%f" "%p"'
recovery_target_action = 'promote'
archive_mode = off
port = $DRILL_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$scratch/sock'
CONF
touch "$scratch/data/recovery.signal"
[ "$(id -u)" = 0 ] && chown -R postgres:postgres "$scratch"

# the primary: archive the segment being written, then read the counts
primary_counts() {
  for t in $TABLES; do
    printf '%s %s\n' "$t" "$(psql_at "$PRIMARY_URL" -c "SELECT count(*) FROM $t")"
  done
}
seg=$(psql_at "$PRIMARY_URL" -c "SELECT pg_walfile_name(pg_switch_wal())")
for _ in $(seq 1 60); do
  [ -f "$WAL_ARCHIVE/$seg" ] && break
  sleep 0.5
done
[ -f "$WAL_ARCHIVE/$seg" ] || { echo "WAL segment $seg was not archived" >&2; exit 1; }
expected=$(primary_counts)

started=$SECONDS
as_pg "$PGBIN/pg_ctl" -D "$scratch/data" -l "$scratch/server.log" -w -t 300 start >/dev/null || {
  tail -20 "$scratch/server.log" >&2
  exit 1
}
url="postgres://postgres@127.0.0.1:$DRILL_PORT/onetrip"
for _ in $(seq 1 600); do
  [ "$(psql_at "$url" -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ] && break
  sleep 0.5
done
seconds=$((SECONDS - started))
restored=$(for t in $TABLES; do
  printf '%s %s\n' "$t" "$(psql_at "$url" -c "SELECT count(*) FROM $t")"
done)
echo "restore drill: base backup $(basename "$base"), WAL replayed up to $seg, restored in ${seconds} s"
printf '%-24s %10s %10s\n' table primary restored
paste -d' ' <(echo "$expected") <(echo "$restored" | cut -d' ' -f2) |
  while read -r t a b; do printf '%-24s %10s %10s %s\n' "$t" "$a" "$b" "$([ "$a" = "$b" ] && echo ok || echo MISMATCH)"; done
if [ "$expected" = "$restored" ]; then
  echo "restore drill: counts match"
else
  echo "restore drill: COUNTS DIFFER" >&2
  exit 1
fi
