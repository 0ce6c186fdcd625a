#!/usr/bin/env bash
# Schemathesis over the whole API (issue 15): a fresh SQLite database with the bad-input suite's
# world, the app under gunicorn on a loopback port, then `schemathesis run` with every check,
# anonymously and with a staff token. Prints the summary; exits non-zero on any failure.
# EXAMPLES (default 30) bounds the run; `make schemathesis` calls this. What the document cannot
# say and how the run treats it is in schemathesis.toml (read from the repository root).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PORT=${PORT:-8765}
EXAMPLES=${EXAMPLES:-30}
TMP=$(mktemp -d)
export ONETRIP_VAR="$TMP" DATABASE_URL="sqlite:///$TMP/db.sqlite3" SECRET_KEY="schemathesis-$RANDOM$RANDOM-not-a-secret-0123456789"
export ALLOWED_HOSTS=127.0.0.1 ONETRIP_CACHE_BACKEND=django.core.cache.backends.locmem.LocMemCache
export ONETRIP_TASK_BACKEND=django_tasks.backends.immediate.ImmediateBackend
# the limits have their own tests; here they would answer 429 to most examples
for scope in PRECHECK PRECHECK_TOKEN TOKEN WINDOW APPLY SAFETY_ANON TICKET TICKET_TOKEN TICKET_PHONE \
             APPOINTMENT APPOINTMENT_PHONE SMS_CODE SMS_CODE_PHONE UPLOAD UPLOAD_TOKEN; do
  export "ONETRIP_THROTTLE_$scope=1000000/m"
done
KEY=$("$VENV/bin/python" scripts/contract_world.py | tail -1)
"$VENV/bin/gunicorn" onetrip.wsgi:application -c python:onetrip.web.gunicorn_conf -b "127.0.0.1:$PORT" -w 2 --log-level warning >"$TMP/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; [ $status = 0 ] || grep -v "\"level\": \"\(INFO\|WARNING\)\"" "$TMP/server.log" | tail -40; rm -rf "$TMP"' EXIT
status=0
RUN=("$VENV/bin/schemathesis" run "http://127.0.0.1:$PORT/api/openapi.json" --checks all
     --max-examples "$EXAMPLES" --wait-for-schema 60 --request-timeout 60 --workers 2
     --suppress-health-check all --seed 1)
echo "=== schemathesis: anonymous ==="
"${RUN[@]}" || status=1
echo "=== schemathesis: with a staff token ==="
"${RUN[@]}" -H "Authorization: Bearer $KEY" || status=1
exit $status
