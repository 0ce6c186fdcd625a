"""Where the abuse limits count (``onetrip.throttles``): one row per limited client holding the
hits of its current window (:class:`~onetrip.throttles.models.ThrottleHistory`).

On PostgreSQL a hit is one statement: an UPSERT that drops the hits older than the window and
adds this one unless the window is full, answering whether it did. One round trip (Django's
database cache took five statements and a transaction for the same read-and-write, and counted
the whole cache table on every write), atomic between worker processes (two requests at once
cannot both take the last place, as they could between the cache's read and its write), and a
busy client's count is never culled to make room (the cache dropped a third of its entries,
live ones included, once it held 300). Elsewhere (SQLite: the demo, one process whose writers
queue) the same read-and-write runs in a transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random

from django.db import connections, router, transaction

from onetrip.throttles.models import ThrottleHistory

#: on average once in this many hits (per process) the rows whose window has passed are deleted
SWEEP_EVERY = 1000

_TABLE = ThrottleHistory._meta.db_table
# The hit: insert the first stamp, or replace the stamps by this one and those still inside the
# window, unless the window already holds ``limit`` (then nothing is written and no row is
# returned). The text never changes, so psycopg prepares it (settings: prepare_threshold).
_PG_HIT = f"""
INSERT INTO {_TABLE} AS h (key, stamps, expires)
VALUES (%(key)s, jsonb_build_array(%(now)s::float8), %(expires)s)
ON CONFLICT (key) DO UPDATE SET
    stamps = jsonb_build_array(%(now)s::float8) || COALESCE(
        (SELECT jsonb_agg(e.s ORDER BY e.s::float8 DESC)
         FROM jsonb_array_elements(h.stamps) AS e(s) WHERE e.s::float8 > %(cutoff)s),
        '[]'::jsonb),
    expires = EXCLUDED.expires
WHERE (SELECT count(*) FROM jsonb_array_elements(h.stamps) AS e(s)
       WHERE e.s::float8 > %(cutoff)s) < %(limit)s
RETURNING 1
"""
_PG_READ = f"SELECT stamps FROM {_TABLE} WHERE key = %s"


def _stored_key(key: str) -> str:
    """``key`` as stored: a key too long for the column keeps its start and gets a digest."""
    if len(key) <= 200:
        return key
    return key[:120] + "#" + hashlib.sha256(key.encode()).hexdigest()


def _expiry(now: float, duration: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(now + duration, tz=dt.UTC)


def hit(*, key: str, now: float, limit: int, duration: float) -> tuple[bool, list[float]]:
    """Count one hit for ``key`` at ``now`` (seconds since the epoch) when fewer than ``limit``
    were counted in the ``duration`` seconds before it.

    Returns (counted, the hits inside the window, newest first): when refused, what the wait
    before the next free place is computed from (``SimpleRateThrottle.wait``)."""
    key = _stored_key(key)
    alias = router.db_for_write(ThrottleHistory)
    if random.random() * SWEEP_EVERY < 1:  # noqa: S311 - not a secret
        sweep(using=alias, now=now)
    if limit <= 0:
        return False, []
    cutoff = now - duration
    connection = connections[alias]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                _PG_HIT,
                {
                    "key": key,
                    "now": now,
                    "cutoff": cutoff,
                    "limit": limit,
                    "expires": _expiry(now, duration),
                },
            )
            if cursor.fetchone() is not None:
                return True, [now]
            cursor.execute(_PG_READ, [key])
            row = cursor.fetchone()
        stored = row[0] if row else "[]"  # Django reads jsonb as text
        stamps = [
            s for s in (json.loads(stored) if isinstance(stored, str) else stored) if s > cutoff
        ]
        return False, sorted(stamps, reverse=True)
    with transaction.atomic(using=alias):
        found = ThrottleHistory.objects.using(alias).select_for_update().filter(key=key).first()
        stamps = [s for s in (found.stamps if found else []) if s > cutoff]
        if len(stamps) >= limit:
            return False, sorted(stamps, reverse=True)
        stamps = [now, *sorted(stamps, reverse=True)]
        if found is None:
            ThrottleHistory.objects.using(alias).create(
                key=key, stamps=stamps, expires=_expiry(now, duration)
            )
        else:
            ThrottleHistory.objects.using(alias).filter(key=key).update(
                stamps=stamps, expires=_expiry(now, duration)
            )
    return True, stamps


def sweep(*, using: str | None = None, now: float) -> int:
    """Delete the rows whose window has passed; how many."""
    alias = using or router.db_for_write(ThrottleHistory)
    expired = ThrottleHistory.objects.using(alias).filter(
        expires__lt=dt.datetime.fromtimestamp(now, tz=dt.UTC)
    )
    return expired.delete()[0]
