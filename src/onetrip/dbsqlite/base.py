"""Django's SQLite backend with writers waiting in line and the write retried.

SQLite has one writer at a time. Django's backend (with ``transaction_mode = IMMEDIATE``)
takes the write lock at ``BEGIN IMMEDIATE`` and leaves waiting to SQLite's busy handler,
which polls with growing sleeps: under 32 clients some writers kept losing the race (p99
8.5 s) and a few waited out the busy timeout ("database is locked", a 500). Here:

- writers of one process queue on a lock before ``BEGIN IMMEDIATE`` (first come, first
  served, no polling), so within a process only one thread at a time asks SQLite;
- between processes SQLite's busy timeout still applies, and a ``BEGIN IMMEDIATE`` that still
  finds the database locked is retried (nothing has been written yet: the transaction has
  not begun) with a short random back-off, until ``OPTIONS["write_deadline"]`` seconds;
- the lock is released at commit, rollback or close.

Only transactions take the line: a single autocommit statement outside ``atomic()`` relies
on the busy timeout as before (they are short).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base

#: One writer per process at a time (shared by every connection of the process).
_WRITE_LINE = threading.RLock()

#: Seconds a write may wait for its turn in all (line + retries) before "database is locked".
DEFAULT_WRITE_DEADLINE = 30.0


def is_locked(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "database is locked" in text or "database table is locked" in text


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._holds_write_line = False
        #: BEGIN attempts refused as locked and retried (for tests and the bench)
        self.write_retries = 0

    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        params.pop("write_deadline", None)
        return params

    @property
    def write_deadline(self) -> float:
        return float(self.settings_dict["OPTIONS"].get("write_deadline", DEFAULT_WRITE_DEADLINE))

    def _start_transaction_under_autocommit(self) -> None:
        deadline = time.monotonic() + self.write_deadline
        if not _WRITE_LINE.acquire(timeout=self.write_deadline):
            raise OperationalError("database is locked (waited for the write line)")
        self._holds_write_line = True
        attempt = 0
        while True:
            try:
                super()._start_transaction_under_autocommit()  # type: ignore[misc]
                return
            except OperationalError as exc:
                if not is_locked(exc) or time.monotonic() >= deadline:
                    self._leave_write_line()
                    raise
            attempt += 1
            self.write_retries += 1
            time.sleep(random.uniform(0, min(0.2, 0.005 * 2**attempt)))

    def _leave_write_line(self) -> None:
        if self._holds_write_line:
            self._holds_write_line = False
            _WRITE_LINE.release()

    def _then_leave_write_line(self, step: Callable[[], None]) -> None:
        """Run ``step`` (the connection's commit, rollback or close), then leave the write line
        whatever it raised."""
        try:
            step()
        finally:
            self._leave_write_line()

    def _commit(self) -> None:
        self._then_leave_write_line(super()._commit)  # type: ignore[misc]

    def _rollback(self) -> None:
        self._then_leave_write_line(super()._rollback)  # type: ignore[misc]

    def _close(self) -> None:
        self._then_leave_write_line(super()._close)  # type: ignore[misc]
