"""Booking and check-in pages: a clear 4xx with the message on the page, nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from onetrip.queueing import services
from onetrip.queueing.models import Appointment, Slot, Ticket
from onetrip.queueing.services import booking
from tests.queueing.test_booking import make_slot, snapshot

pytestmark = pytest.mark.django_db


def test_book_page_books_and_shows_the_appointment(client, hall):
    slot = make_slot(hall.qa, timezone.now() + dt.timedelta(hours=3))
    page = client.get("/points/sc/book/").content.decode()
    assert f'data-testid="slot-{slot.pk}"' in page
    r = client.post("/points/sc/book/", {"slot": slot.pk, "phone": "13900000091"})
    a = Appointment.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/appointments/{a.token}/"
    page = client.get(r["Location"]).content.decode()
    assert a.token in page and "139****0091" in page
    # cancel from its page gives the place back
    assert client.post(f"/appointments/{a.token}/cancel/").status_code == 302
    assert Slot.objects.get(pk=slot.pk).booked == 0


@pytest.mark.parametrize(
    "case",
    ["full", "past", "no_slot", "other_point_slot", "bad_phone", "flood"],
)
def test_book_page_refusals_are_4xx_and_write_nothing(client, hall, case):
    now = timezone.now()
    slot = make_slot(hall.qa, now + dt.timedelta(hours=3), capacity=1)
    phone = "13900000092"
    expected = {
        "full": 409,
        "past": 422,
        "no_slot": 422,
        "other_point_slot": 422,
        "bad_phone": 422,
        "flood": 429,
    }[case]
    if case == "full":
        services.appointment_book(slot=slot, phone="13900000093")
    if case == "past":
        slot = make_slot(hall.qa, now - dt.timedelta(minutes=1))
    if case == "other_point_slot":
        slot = make_slot(hall.other_q, now + dt.timedelta(hours=3))
    if case == "bad_phone":
        phone = "1390000"
    if case == "flood":
        for i in range(booking.MAX_LIVE_BOOKINGS):
            services.appointment_book(
                slot=make_slot(hall.qd, now + dt.timedelta(days=i + 1)), phone=phone
            )
    before = snapshot()
    data = {"phone": phone} if case == "no_slot" else {"slot": slot.pk, "phone": phone}
    r = client.post("/points/sc/book/", data)
    assert r.status_code == expected, (case, r.status_code)
    assert 'data-testid="book-error"' in r.content.decode()
    assert snapshot() == before


def test_kiosk_check_in_refusals_are_4xx_and_write_nothing(client, hall):
    now = timezone.now()
    slot = make_slot(hall.qa, now - dt.timedelta(minutes=5))
    a = services.appointment_book(slot=slot, phone="13900000094", now=now - dt.timedelta(hours=1))
    before = snapshot()
    for point, code, status in (
        ("xh", a.token, 409),  # the wrong point
        ("sc", "", 422),
        ("sc", "not-a-code", 404),
    ):
        r = client.post(f"/points/{point}/kiosk/check-in/", {"code": code})
        assert r.status_code == status, (point, code, r.status_code)
        assert 'data-testid="check-in-error"' in r.content.decode()
    assert snapshot() == before
    r = client.post("/points/sc/kiosk/check-in/", {"code": a.token})
    assert r.status_code == 302 and Ticket.objects.count() == 1
    before = snapshot()
    r = client.post("/points/sc/kiosk/check-in/", {"code": a.token})
    assert r.status_code == 409 and "已签到" in r.content.decode()
    assert snapshot() == before


def test_unknown_appointment_link_is_404(client, hall):
    assert client.get("/appointments/nope/").status_code == 404
    assert client.post("/appointments/nope/cancel/").status_code == 404
    assert client.get("/appointments/" + "x" * 40 + "/").status_code == 404
