#!/usr/bin/env bash
# Schemathesis over the whole API (issue 15): a fresh SQLite database with the bad-input suite's
# world, the app under gunicorn on a loopback port, then `schemathesis run` with every check,
# anonymously and with a staff token. Prints the summary; exits non-zero on any failure.
# EXAMPLES (default 30) and MAX_TIME bound the run; `make schemathesis` calls this.
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
export ONETRIP_THROTTLE_PRECHECK=1000000/m ONETRIP_THROTTLE_PRECHECK_TOKEN=1000000/m
KEY=$("$VENV/bin/python" scripts/contract_world.py | tail -1)
"$VENV/bin/gunicorn" onetrip.wsgi:application -c python:onetrip.web.gunicorn_conf -b "127.0.0.1:$PORT" -w 2 --log-level warning &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$TMP"' EXIT
RUN=("$VENV/bin/schemathesis" run "http://127.0.0.1:$PORT/api/openapi.json" --checks all
     --max-examples "$EXAMPLES" --wait-for-schema 60 --request-timeout 60 --workers 2
     --suppress-health-check all --seed 1)
status=0
echo "=== schemathesis: anonymous ==="
"${RUN[@]}" || status=1
echo "=== schemathesis: with a staff token ==="
"${RUN[@]}" -H "Authorization: Bearer $KEY" || status=1
exit $status
