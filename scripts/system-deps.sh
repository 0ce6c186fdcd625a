#!/usr/bin/env bash
# Installs the Debian packages the test suite needs when they are missing:
# PostgreSQL 15 (server), Chromium (browser tests) and Noto CJK fonts (PDF notices, screenshots).
# `scripts/system-deps.sh deploy` instead installs what the production layout adds (HAProxy,
# PgBouncer; see docs/deploy.md): `make test` never pulls those.
set -euo pipefail
need=()
if [ "${1:-}" = deploy ]; then
  [ -x /usr/sbin/haproxy ] || need+=(haproxy)
  [ -x /usr/sbin/pgbouncer ] || need+=(pgbouncer)
  [ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql)
else
  [ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  # grep reads the whole list (no -q): under pipefail an early exit would fail fc-list with SIGPIPE
  fc-list 2>/dev/null | grep "Noto Sans CJK" >/dev/null || need+=(fonts-noto-cjk)
fi
if ((${#need[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "Missing Debian packages: ${need[*]} (run as root, or install them yourself)" >&2
    exit 1
  fi
  echo "Installing ${need[*]} …"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Packages such as pgbouncer and haproxy start a system service when installed; OneTrip
  # starts its own instances, so none is started here (policy-rc.d 101: "not now").
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
