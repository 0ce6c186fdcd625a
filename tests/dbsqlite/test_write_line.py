"""onetrip.dbsqlite: writers wait in line within a process, a locked BEGIN is retried until
the write deadline, and the line is always released. Runs on its own SQLite file whatever the
suite's database is."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from django.db import OperationalError, connections, transaction

ALIAS = "dbsqlite_test"


@pytest.fixture
def make_db(tmp_path, django_db_blocker):
    made = []

    def make(engine="onetrip.dbsqlite", **options):
        path = tmp_path / "line.sqlite3"
        connections.settings[ALIAS] = {
            "ENGINE": engine,
            "NAME": str(path),
            "OPTIONS": {"transaction_mode": "IMMEDIATE", **options},
            "TIME_ZONE": None,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "AUTOCOMMIT": True,
            "ATOMIC_REQUESTS": False,
            "TEST": {},
            "USER": "",
            "PASSWORD": "",
            "HOST": "",
            "PORT": "",
        }
        made.append(path)
        raw = sqlite3.connect(path, isolation_level=None)
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, who TEXT)")
        raw.close()
        return path

    with django_db_blocker.unblock():  # a file of its own, not the suite's database
        yield make
    try:
        connections[ALIAS].close()
        del connections[ALIAS]
    except Exception:
        pass
    connections.settings.pop(ALIAS, None)


def _insert(who: str) -> None:
    with transaction.atomic(using=ALIAS):
        with connections[ALIAS].cursor() as cur:
            cur.execute("INSERT INTO t (who) VALUES (%s)", [who])


def _count(path) -> int:
    with sqlite3.connect(path) as raw:
        return raw.execute("SELECT count(*) FROM t").fetchone()[0]


def test_a_locked_begin_is_retried_until_the_other_writer_is_done(make_db):
    path = make_db(timeout=0.05, write_deadline=10)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock for 0.5 s
    other.execute("INSERT INTO t (who) VALUES ('other')")
    releaser = threading.Timer(0.5, lambda: other.execute("COMMIT"))
    releaser.start()
    started = time.monotonic()
    _insert("django")
    waited = time.monotonic() - started
    releaser.join()
    other.close()
    conn = connections[ALIAS]
    assert conn.write_retries > 0  # SQLite said "locked" (busy timeout 50 ms) and it retried
    assert waited >= 0.4
    assert _count(path) == 2


def test_past_the_deadline_it_fails_and_leaves_the_line(make_db):
    path = make_db(timeout=0.02, write_deadline=0.3)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(OperationalError, match="locked"):
        _insert("django")
    other.execute("ROLLBACK")
    other.close()
    _insert("django")  # the line was released: the next write goes through
    assert _count(path) == 1


def _hammer(n: int, errors: list, who: str) -> None:
    try:
        for _ in range(n):
            with transaction.atomic(using=ALIAS):
                with connections[ALIAS].cursor() as cur:
                    cur.execute("INSERT INTO t (who) VALUES (%s)", [who])
                time.sleep(0.002)  # work inside the transaction: the other thread runs now
    except OperationalError as exc:
        errors.append(exc)
    finally:
        connections[ALIAS].close()


@pytest.mark.parametrize(
    "engine,expect_locked",
    [("onetrip.dbsqlite", False), ("django.db.backends.sqlite3", True)],
)
def test_threads_of_one_process_wait_in_line(make_db, engine, expect_locked):
    """With the busy timeout almost off, Django's backend fails ("database is locked") as
    soon as two threads write at once; OneTrip's never asks SQLite while another thread of
    the process holds the write lock."""
    extra = {"write_deadline": 10} if engine == "onetrip.dbsqlite" else {}
    path = make_db(engine=engine, timeout=0.001, **extra)
    errors: list = []
    threads = [threading.Thread(target=_hammer, args=(40, errors, f"t{i}")) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert bool(errors) is expect_locked, errors[:1]
    if not expect_locked:
        assert _count(path) == 120
