"""Several windows calling at the same moment never get the same ticket (PostgreSQL: row locks
with SKIP LOCKED plus a conditional UPDATE; SQLite: writers serialise)."""

import random
import threading
import time
from collections import Counter

import pytest
from django.db import OperationalError, connection

from onetrip.errors import DomainError
from onetrip.queueing import services
from onetrip.queueing.models import Ticket, TicketEvent, Window
from tests.factories import make_user
from tests.queueing.conftest import build_hall

WINDOWS = 6
TICKETS = 60


def _retrying(fn, **kw):
    # SQLite's shared in-memory test database reports "locked" instead of waiting; a real
    # client would retry, and so do we. PostgreSQL never takes this path.
    for attempt in range(400):
        try:
            return fn(**kw)
        except OperationalError as exc:
            if "locked" not in str(exc) or connection.vendor != "sqlite":
                raise
            time.sleep(random.uniform(0.001, 0.004 * min(attempt + 1, 10)))
    raise AssertionError("database stayed locked")


@pytest.mark.django_db(transaction=True)
def test_parallel_call_next_serves_every_ticket_exactly_once(tworld):
    hall = build_hall(tworld)
    for _ in range(TICKETS):
        services.ticket_issue(queue=hall.qa)
    windows = []
    for i in range(WINDOWS):
        w = services.window_create(point=hall.point, number=f"C{i}", kind="self", queues=[hall.qa])
        clerk = make_user(f"cc-clerk{i}", "clerk", point=hall.point)
        services.window_open(window=w, user=clerk)
        windows.append((w, clerk))
    barrier = threading.Barrier(WINDOWS)
    served: dict[int, list[int]] = {w.pk: [] for w, _ in windows}
    errors: list[BaseException] = []

    def work(window: Window, clerk):
        try:
            barrier.wait()
            while True:
                try:
                    t = _retrying(services.ticket_call_next, window=window, user=clerk)
                except DomainError as exc:
                    assert exc.code == "queue_empty", exc.code
                    return
                served[window.pk].append(t.pk)
                _retrying(services.ticket_start, window=window, user=clerk)
                _retrying(services.ticket_finish, window=window, user=clerk)
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=pair) for pair in windows]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    all_served = [pk for ids in served.values() for pk in ids]
    assert len(all_served) == TICKETS
    assert len(set(all_served)) == TICKETS  # nobody got a ticket twice
    assert set(all_served) == set(Ticket.objects.values_list("pk", flat=True))  # none lost
    assert set(Ticket.objects.values_list("status", flat=True)) == {"done"}
    calls = Counter(TicketEvent.objects.filter(action="call").values_list("ticket_id", flat=True))
    assert set(calls.values()) == {1}
    by_window = Counter(Ticket.objects.values_list("window_id", flat=True))
    assert sum(by_window.values()) == TICKETS
    for window, _clerk in windows:
        assert by_window[window.pk] == len(served[window.pk])
    # On PostgreSQL the windows really run in parallel, so more than one of them got work.
    # (SQLite serialises writers: one thread may legitimately drain the whole queue.)
    if connection.vendor == "postgresql":
        assert sum(1 for ids in served.values() if ids) > 1


@pytest.mark.django_db(transaction=True)
def test_parallel_kiosks_get_distinct_numbers(tworld):
    hall = build_hall(tworld)
    numbers: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def work(i):
        try:
            barrier.wait()
            for j in range(5):
                t = _retrying(services.ticket_issue, queue=hall.qa, phone=f"139{i:04d}{j:04d}")
                numbers.append(t.number)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(numbers) == [f"A{n:03d}" for n in range(1, 41)]
