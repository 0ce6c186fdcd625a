#!/usr/bin/env bash
# A base backup of the primary with pg_basebackup (tar, compressed, with the WAL it needs),
# into $BACKUP_DIR/base-<UTC time>/. With WAL archiving on (postgresql-primary.conf) any point
# after it can be restored: deploy/restore-drill.sh proves it. Run it nightly (cron/systemd
# timer) as the postgres user; keep as many as the retention policy says (KEEP, default 7).
#
#   PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres BACKUP_DIR=/srv/backups/onetrip deploy/backup.sh
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
: "${BACKUP_DIR:?set BACKUP_DIR}"
KEEP=${KEEP:-7}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
target="$BACKUP_DIR/base-$stamp"
mkdir -p "$BACKUP_DIR"
"$PGBIN/pg_basebackup" -h "${PGHOST:-127.0.0.1}" -p "${PGPORT:-5432}" -U "${PGUSER:-postgres}" \
  -D "$target.partial" -Ft -z -X stream --checkpoint=fast --label "onetrip-$stamp" \
  --manifest-checksums=SHA256
"$PGBIN/pg_verifybackup" -n "$target.partial" >/dev/null 2>&1 ||
  # pg_verifybackup cannot read compressed tar backups in 15: check the manifest exists
  test -s "$target.partial/backup_manifest"
mv "$target.partial" "$target"
echo "$target"
# retention: the newest $KEEP base backups stay
ls -1d "$BACKUP_DIR"/base-* 2>/dev/null | sort | head -n -"$KEEP" | xargs -r rm -rf
