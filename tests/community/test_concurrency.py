"""Residents racing for the last places never get more than there are (PostgreSQL: the
conditional UPDATE serialises on the slot row; SQLite: writers serialise), and one person
booking twice at the same moment gets one booking."""

from __future__ import annotations

import random
import threading
import time

import pytest
from django.db import OperationalError, connection

from onetrip.community import services
from onetrip.community.models import Booking, Slot
from onetrip.errors import DomainError
from tests.community.conftest import build_community, make_slot
from tests.factories import make_user, make_world

pytestmark = pytest.mark.django_db(transaction=True)

RESIDENTS = 8


def _retrying(fn, **kw):
    # SQLite's test database reports "locked" instead of waiting; PostgreSQL never does.
    for attempt in range(400):
        try:
            return fn(**kw)
        except OperationalError as exc:
            if "locked" not in str(exc) or connection.vendor != "sqlite":
                raise
            time.sleep(random.uniform(0.001, 0.004 * min(attempt + 1, 10)))
    raise AssertionError("database stayed locked")


def _race(target, args_list):
    barrier = threading.Barrier(len(args_list))
    results: list = [None] * len(args_list)
    errors: list[BaseException] = []

    def work(i, kwargs):
        try:
            barrier.wait()
            try:
                results[i] = _retrying(target, **kwargs)
            except DomainError as exc:
                results[i] = exc
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, kw)) for i, kw in enumerate(args_list)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return results


def test_many_residents_race_for_three_places():
    cw = build_community(make_world())
    slot = make_slot(cw, capacity=3, title="剪纸体验课", hour=14)
    people = [
        make_user(f"racer{i}", "applicant", phone=f"1390000{i:04d}") for i in range(RESIDENTS)
    ]
    results = _race(services.booking_create, [{"user": p, "slot": slot} for p in people])
    won = [r for r in results if not isinstance(r, DomainError)]
    lost = [r for r in results if isinstance(r, DomainError)]
    assert len(won) == 3
    assert len(lost) == RESIDENTS - 3 and {e.code for e in lost} == {"slot_full"}
    slot.refresh_from_db()
    assert slot.booked == 3
    assert Booking.objects.filter(slot=slot, status="confirmed").count() == 3
    assert Booking.objects.filter(slot=slot).count() == 3  # the refused wrote nothing


def test_last_place_two_at_once_then_waiting_list_and_promotion():
    cw = build_community(make_world())
    slot = make_slot(cw, capacity=1, title="亲子手工", hour=15)
    results = _race(
        services.booking_create, [{"user": cw.r1, "slot": slot}, {"user": cw.r2, "slot": slot}]
    )
    winners = [r for r in results if not isinstance(r, DomainError)]
    assert len(winners) == 1
    loser = cw.r2 if winners[0].user_id == cw.r1.pk else cw.r1
    assert [r.code for r in results if isinstance(r, DomainError)] == ["slot_full"]
    waiting = services.booking_create(user=loser, slot=slot, waitlist=True)
    assert waiting.status == "waiting"
    services.booking_cancel(booking=winners[0], actor=winners[0].user)
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
    assert Slot.objects.get(pk=slot.pk).booked == 1


def test_one_person_double_clicking_gets_one_booking():
    cw = build_community(make_world())
    slot = make_slot(cw, capacity=5, title="社区电影", hour=18)
    results = _race(services.booking_create, [{"user": cw.r1, "slot": slot}] * 4)
    ok = [r for r in results if not isinstance(r, DomainError)]
    assert len(ok) == 1
    assert {r.code for r in results if isinstance(r, DomainError)} == {"already_booked"}
    slot.refresh_from_db()
    assert slot.booked == 1  # the refused attempts gave their place back
    assert Booking.objects.filter(slot=slot).count() == 1


def test_two_cancellations_at_once_promote_two_different_waiters():
    cw = build_community(make_world())
    slot = make_slot(cw, capacity=2, title="围棋", hour=16)
    a = services.booking_create(user=cw.r1, slot=slot)
    b = services.booking_create(user=cw.r2, slot=slot)
    w1 = services.booking_create(user=cw.r3, slot=slot, waitlist=True)
    r4 = make_user("res4", "applicant", phone="13800000004")
    w2 = services.booking_create(user=r4, slot=slot, waitlist=True)
    _race(services.booking_cancel, [{"booking": a, "actor": cw.r1}, {"booking": b, "actor": cw.r2}])
    w1.refresh_from_db()
    w2.refresh_from_db()
    assert (w1.status, w2.status) == ("confirmed", "confirmed")
    assert Slot.objects.get(pk=slot.pk).booked == 2
