"""Appointments: booking, cancel/move, the day-before reminder, check-in at the kiosk and the
call order it gives; every refusal a clear error with nothing written."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from onetrip.audit.models import AuditEvent
from onetrip.errors import DomainError
from onetrip.notices.models import Notice
from onetrip.queueing import services
from onetrip.queueing.models import (
    Appointment,
    AppointmentStatus,
    Slot,
    Ticket,
    TicketChannel,
)
from onetrip.queueing.services import booking
from tests.queueing.conftest import build_hall

pytestmark = pytest.mark.django_db


def make_slot(queue, starts_at, *, minutes=30, capacity=2) -> Slot:
    return Slot.objects.create(
        queue=queue,
        point=queue.point,
        day=timezone.localtime(starts_at).date(),
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=minutes),
        capacity=capacity,
    )


def snapshot():
    """Everything a refused booking or check-in must leave untouched."""
    return (
        list(Appointment.objects.order_by("pk").values_list("pk", "status", "slot_id")),
        list(Slot.objects.order_by("pk").values_list("pk", "booked")),
        Ticket.objects.count(),
        Notice.objects.count(),
        AuditEvent.objects.count(),
    )


def refused(expected, fn, **kw):
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        fn(**kw)
    assert exc.value.code == expected, (exc.value.code, exc.value.message)
    assert snapshot() == before
    return exc.value


def test_book_takes_a_place_sends_the_confirmation_and_audits(hall):
    now = timezone.now()
    slot = make_slot(hall.qa, now + dt.timedelta(days=1))
    a = services.appointment_book(slot=slot, phone="139 0000 0001", now=now)
    assert a.status == AppointmentStatus.BOOKED and a.phone == "13900000001"
    assert Slot.objects.get(pk=slot.pk).booked == 1
    notice = Notice.objects.get(subject_type="appointment", subject_id=str(a.pk))
    assert notice.template == "appointment_booked" and f"/appointments/{a.token}/" in notice.text
    assert AuditEvent.objects.filter(subject_type="appointment", action="book").count() == 1


def test_book_by_account_uses_its_phone(hall):
    from tests.factories import make_user

    resident = make_user("resident1", "applicant")
    resident.phone = "13900000077"
    resident.save()
    slot = make_slot(hall.qa, timezone.now() + dt.timedelta(hours=3))
    a = services.appointment_book(slot=slot, user=resident)
    assert a.user == resident and a.phone == "13900000077"


def test_full_past_far_and_bad_phone_are_refused_with_nothing_written(hall):
    now = timezone.now()
    full = make_slot(hall.qa, now + dt.timedelta(hours=2), capacity=1)
    services.appointment_book(slot=full, phone="13900000001", now=now)
    err = refused("slot_full", services.appointment_book, slot=full, phone="13900000002", now=now)
    assert err.status == 409
    past = make_slot(hall.qa, now - dt.timedelta(minutes=5))
    err = refused("slot_in_past", services.appointment_book, slot=past, phone="13900000002")
    assert err.status == 422
    far = make_slot(hall.qa, now + dt.timedelta(days=20))
    refused("slot_too_far", services.appointment_book, slot=far, phone="13900000002", now=now)
    ok = make_slot(hall.qa, now + dt.timedelta(hours=4))
    refused("invalid_phone", services.appointment_book, slot=ok, phone="12345", now=now)
    refused("phone_required", services.appointment_book, slot=ok, phone="", now=now)


def test_second_booking_same_queue_and_day_refused(hall):
    now = timezone.now()
    first = make_slot(hall.qa, now + dt.timedelta(days=1))
    second = make_slot(hall.qa, now + dt.timedelta(days=1, minutes=30))
    services.appointment_book(slot=first, phone="13900000001", now=now)
    err = refused(
        "duplicate_booking", services.appointment_book, slot=second, phone="13900000001", now=now
    )
    assert err.status == 409


def test_a_booking_flood_from_one_phone_is_limited(hall):
    now = timezone.now()
    queues = [hall.qa, hall.qd, hall.qg]
    for i, q in enumerate(queues):
        services.appointment_book(
            slot=make_slot(q, now + dt.timedelta(days=1, hours=i)), phone="13900000001", now=now
        )
    fourth = make_slot(hall.qa, now + dt.timedelta(days=2))
    err = refused(
        "booking_limit", services.appointment_book, slot=fourth, phone="13900000001", now=now
    )
    assert err.status == 429
    # booking and cancelling over and over is a flood too
    for a in Appointment.objects.filter(phone="13900000001"):
        services.appointment_cancel(appointment=a, now=now)
    for i in range(booking.MAX_BOOKINGS_PER_DAY - 3):
        a = services.appointment_book(
            slot=make_slot(hall.qa, now + dt.timedelta(days=3, hours=i)),
            phone="13900000001",
            now=now,
        )
        services.appointment_cancel(appointment=a, now=now)
    err = refused(
        "booking_flood", services.appointment_book, slot=fourth, phone="13900000001", now=now
    )
    assert err.status == 429
    # another phone is not affected
    services.appointment_book(slot=fourth, phone="13900000002", now=now)


def test_cancel_and_move_give_the_place_back(hall):
    now = timezone.now()
    a_slot = make_slot(hall.qa, now + dt.timedelta(days=1), capacity=1)
    b_slot = make_slot(hall.qa, now + dt.timedelta(days=1, hours=1), capacity=1)
    a = services.appointment_book(slot=a_slot, phone="13900000001", now=now)
    a = services.appointment_move(appointment=a, to_slot=b_slot, now=now)
    assert (Slot.objects.get(pk=a_slot.pk).booked, Slot.objects.get(pk=b_slot.pk).booked) == (
        0,
        1,
    )
    assert Appointment.objects.get(pk=a.pk).slot_id == b_slot.pk
    # moving to a full slot changes nothing
    other = services.appointment_book(slot=a_slot, phone="13900000002", now=now)
    refused("slot_full", services.appointment_move, appointment=a, to_slot=a_slot, now=now)
    services.appointment_cancel(appointment=other, now=now)
    assert Slot.objects.get(pk=a_slot.pk).booked == 0
    refused("appointment_not_booked", services.appointment_cancel, appointment=other, now=now)
    # cancelling after the slot began is refused
    later = now + dt.timedelta(days=1, hours=1, minutes=1)
    refused("slot_started", services.appointment_cancel, appointment=a, now=later)


def test_the_reminder_goes_out_the_day_before_once(hall):
    now = timezone.now()
    tomorrow = make_slot(hall.qa, now + dt.timedelta(days=1))
    later = make_slot(hall.qa, now + dt.timedelta(days=3))
    a = services.appointment_book(slot=tomorrow, phone="13900000001", now=now)
    services.appointment_book(slot=later, phone="13900000002", now=now)
    assert services.appointments_remind(now=now) == 1
    assert services.appointments_remind(now=now) == 0
    reminder = Notice.objects.get(template="appointment_reminder")
    assert reminder.recipient == "13900000001" and a.token in reminder.text


def _ten_today() -> dt.datetime:
    """10:00 local today: check-in tests move their clock hours on within one local day, which
    real time does not allow after 21:00 Shanghai (the check-in then says ``not_today``)."""
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(10)))


def _booked_and_walk_ins(hall, now):
    """A slot that began 5 minutes ago, booked an hour before; two walk-ins issued 10 minutes
    ago (older than the slot); the resident checks in now."""
    slot = make_slot(hall.qa, now - dt.timedelta(minutes=5))
    a = services.appointment_book(slot=slot, phone="13900000009", now=now - dt.timedelta(hours=1))
    walk_ins = [
        services.ticket_issue(
            queue=hall.qa, phone=f"1390000010{i}", now=now - dt.timedelta(minutes=10 - i)
        )
        for i in range(2)
    ]
    return a, walk_ins


def test_checked_in_appointment_called_ahead_of_walk_ins(hall):
    now = _ten_today()
    a, walk_ins = _booked_and_walk_ins(hall, now)
    a, ticket = services.appointment_check_in(point=hall.point, code=a.token, now=now)
    assert ticket.channel == TicketChannel.APPOINTMENT and ticket.slot_start == a.slot.starts_at
    assert Appointment.objects.get(pk=a.pk).ticket_id == ticket.pk
    services.window_open(window=hall.w1, user=hall.clerk)
    first = services.ticket_call_next(window=hall.w1, user=hall.clerk, now=now)
    assert first.pk == ticket.pk, (first.number, ticket.number)
    services.ticket_start(window=hall.w1, user=hall.clerk, now=now)
    services.ticket_finish(window=hall.w1, user=hall.clerk, now=now)
    second = services.ticket_call_next(window=hall.w1, user=hall.clerk, now=now)
    assert second.pk == walk_ins[0].pk


def test_green_channel_still_comes_before_appointments(hall):
    now = _ten_today()
    a, _walk_ins = _booked_and_walk_ins(hall, now)
    services.appointment_check_in(point=hall.point, code=a.phone, now=now)
    green = services.ticket_issue(queue=hall.qg, now=now)
    services.window_open(window=hall.w1, user=hall.clerk)
    assert services.ticket_call_next(window=hall.w1, user=hall.clerk, now=now).pk == green.pk


def test_check_in_refusals_write_nothing(hall):
    now = _ten_today()
    a, _walk_ins = _booked_and_walk_ins(hall, now)
    refused(
        "wrong_point",
        services.appointment_check_in,
        point=hall.other_point,
        code=a.token,
        now=now,
    )
    refused("appointment_not_found", services.appointment_check_in, point=hall.point, code="nope")
    refused("code_required", services.appointment_check_in, point=hall.point, code=" ")
    services.appointment_check_in(point=hall.point, code=a.token, now=now)
    err = refused(
        "already_checked_in", services.appointment_check_in, point=hall.point, code=a.token, now=now
    )
    assert err.status == 409
    early_slot = make_slot(hall.qd, now + dt.timedelta(hours=2))
    early = services.appointment_book(slot=early_slot, phone="13900000021", now=now)
    refused("too_early", services.appointment_check_in, point=hall.point, code=early.token, now=now)
    refused(
        "appointment_expired",
        services.appointment_check_in,
        point=hall.point,
        code=early.token,
        now=now + dt.timedelta(hours=3),
    )


def test_late_check_in_queues_as_a_walk_in(hall):
    now = _ten_today()
    slot = make_slot(hall.qa, now - dt.timedelta(minutes=20))
    a = services.appointment_book(slot=slot, phone="13900000031", now=now - dt.timedelta(hours=1))
    a, ticket = services.appointment_check_in(point=hall.point, code=a.token, now=now)
    assert a.late and ticket.slot_start is None and ticket.sort_at == now


def test_no_shows_are_marked_and_three_bar_booking(hall):
    now = timezone.now()
    for i in range(booking.NO_SHOW_LIMIT):
        slot = make_slot(hall.qa, now - dt.timedelta(days=i + 1))
        Appointment.objects.create(
            slot=slot,
            queue=hall.qa,
            point=hall.point,
            day=slot.day,
            phone="13900000041",
            created_at=now - dt.timedelta(days=10),
        )
    assert services.appointments_mark_no_shows(now=now) == booking.NO_SHOW_LIMIT
    assert services.appointments_mark_no_shows(now=now) == 0
    slot = make_slot(hall.qa, now + dt.timedelta(days=1))
    err = refused(
        "booking_barred", services.appointment_book, slot=slot, phone="13900000041", now=now
    )
    assert err.status == 403


@pytest.mark.django_db(transaction=True)
def test_two_residents_racing_for_the_last_place_one_gets_it(tworld):
    hall = build_hall(tworld)
    now = timezone.now()
    slot = make_slot(hall.qa, now + dt.timedelta(days=1), capacity=1)
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def book(phone):
        try:
            barrier.wait()
            for _attempt in range(200):
                try:
                    services.appointment_book(slot=slot, phone=phone, now=now)
                    results[phone] = "ok"
                    return
                except DomainError as exc:
                    results[phone] = exc.code
                    return
                except Exception as exc:  # SQLite's shared test database: "locked", retry
                    if "locked" not in str(exc):
                        raise
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(p,)) for p in ("13900000051", "13900000052")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == ["ok", "slot_full"], results
    assert Slot.objects.get(pk=slot.pk).booked == 1
    assert Appointment.objects.filter(slot=slot).count() == 1


def test_slots_open_covers_opening_hours(hall):
    day = timezone.localdate() + dt.timedelta(days=1)
    created = services.slots_open(queue=hall.qa, day=day, every_minutes=60, capacity=3)
    assert created == 23  # the test hall opens 00:00–23:59:59
    assert services.slots_open(queue=hall.qa, day=day, every_minutes=60, capacity=3) == 0
    refused("bad_capacity", services.slots_open, queue=hall.qa, day=day, capacity=0)


def test_appointments_sweep_command_reminds_and_marks_no_shows(hall):
    from io import StringIO

    from django.core.management import call_command

    now = timezone.now()
    services.appointment_book(
        slot=make_slot(hall.qa, now + dt.timedelta(days=1)), phone="13900000061", now=now
    )
    ended = make_slot(hall.qd, now - dt.timedelta(hours=2))
    Appointment.objects.create(
        slot=ended,
        queue=hall.qd,
        point=hall.point,
        day=ended.day,
        phone="13900000062",
        created_at=now - dt.timedelta(days=1),
    )
    out = StringIO()
    call_command("appointments_sweep", stdout=out)
    assert out.getvalue().strip() == "1 reminder(s) sent, 1 no-show(s) marked"
    assert Appointment.objects.get(phone="13900000062").status == AppointmentStatus.NO_SHOW
