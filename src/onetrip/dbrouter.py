"""Reads that may go to a streaming replica: the dashboard and the exports.

With ``ONETRIP_REPLICA_URL`` set, settings add a ``replica`` database alias and
``ONETRIP_REPLICA_ALIAS = "replica"``. Code that only reads and tolerates a lag of a moment (the
figures, the exports) runs inside ``replica_reads()``; every other read and every write stays
on the primary (``default``). Without a replica (the default) ``replica_reads()`` does nothing.

The router keeps on the primary, even inside ``replica_reads()``:
- any write (``db_for_write`` is always the primary),
- reads inside a transaction on the primary (a write followed by its read must see the write),
- sessions, the cache table, the abuse-limit counts and the task queue: state that must be
  read where it was just written.

``replica_reads()`` checks the replica connection once on entry and falls back to the primary
(with a warning in the log) when it cannot connect, so a lost replica slows the dashboard down
but never breaks it.
"""

from __future__ import annotations

import contextvars
import logging
from contextlib import ContextDecorator
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

#: The alias reads go to now (None: the primary). Set by ``replica_reads``.
_read_alias: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "onetrip_read_alias", default=None
)

#: App labels whose rows are read where they were just written (never from the replica).
PRIMARY_ONLY_APPS = frozenset(
    {"sessions", "django_cache", "django_tasks_database", "contenttypes", "throttles"}
)


def replica_alias() -> str | None:
    """The configured replica alias, or None when reads all go to the primary."""
    alias = settings.ONETRIP_REPLICA_ALIAS
    return alias if alias and alias in connections.settings else None


def replica_usable(alias: str) -> bool:
    try:
        connections[alias].ensure_connection()
    except DatabaseError as exc:
        logger.warning("replica %s unreachable, reading from the primary: %s", alias, exc)
        return False
    return True


class replica_reads(ContextDecorator):
    """Route the reads inside (a ``with`` block or a decorated function) to the replica."""

    def __enter__(self) -> replica_reads:
        alias = replica_alias()
        if alias is not None and not replica_usable(alias):
            alias = None
        self._token = _read_alias.set(alias)
        return self

    def __exit__(self, *exc: Any) -> None:
        _read_alias.reset(self._token)


class primary_reads(ContextDecorator):
    """Reads inside go to the primary even within ``replica_reads`` (e.g. a refresh that
    reads, then writes)."""

    def __enter__(self) -> primary_reads:
        self._token = _read_alias.set(None)
        return self

    def __exit__(self, *exc: Any) -> None:
        _read_alias.reset(self._token)


def current_read_alias() -> str:
    return _read_alias.get() or DEFAULT_DB_ALIAS


class ReplicaRouter:
    """``DATABASE_ROUTERS`` entry: reads to the replica only inside ``replica_reads``."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        alias = _read_alias.get()
        if alias is None:
            return None
        if model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # one database, two copies of it

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS  # the replica follows the primary's WAL


def replica_view(view: Any) -> Any:
    """A view whose reads go to the replica. The signed-in user is loaded from the primary
    first (``request.user`` is lazy: a fresh sign-in may not have reached the replica yet)."""
    from functools import wraps

    @wraps(view)
    def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
        user = getattr(request, "user", None)
        if user is not None:
            user.is_authenticated  # noqa: B018 - resolves the lazy user on the primary
        with replica_reads():
            return view(request, *args, **kwargs)

    return wrapped
