"""Appointments (预约): open slots, book, cancel, move, remind the day before, check in at the
kiosk (a ticket called ahead of walk-ins within its slot), late and no-show rules.

Concurrency: a place is taken by one conditional UPDATE (``booked = booked + 1 WHERE booked <
capacity``) inside the booking's transaction, and the ``slot_not_overbooked`` check constraint
holds the same rule in the database, so two residents racing for the last place get it once.
A second live booking of one phone in one queue and day is refused by the partial unique index
``one_booking_per_phone_queue_day``. Check-in locks the appointment row and moves it with a
conditional UPDATE, so one appointment gives one ticket.

Rules (module constants, one home):

- booking: a slot that has not started, at most ``BOOK_AHEAD_DAYS`` ahead; a phone holds at
  most ``MAX_LIVE_BOOKINGS`` future bookings and makes at most ``MAX_BOOKINGS_PER_DAY`` bookings
  a day (cancelled ones count: a flood of book/cancel is stopped too); ``NO_SHOW_LIMIT``
  no-shows within ``NO_SHOW_WINDOW`` bar the phone from booking;
- check-in: from ``EARLY_CHECK_IN`` before the slot until its end; within ``LATE_GRACE`` of
  the start the ticket is called ahead of walk-ins, later (late) it queues as a walk-in;
- after the slot's end an appointment not checked in is a no-show (``appointments_sweep``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.access import signed_in
from onetrip.audit.services import audit_record
from onetrip.clock import local_today
from onetrip.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    ValidationFailed,
    required_text,
)
from onetrip.people.validators import clean_phone
from onetrip.queueing.models import (
    Appointment,
    AppointmentStatus,
    Queue,
    Slot,
    Ticket,
    TicketChannel,
)
from onetrip.queueing.selectors import point_is_open
from onetrip.queueing.services._common import _check_can_issue
from onetrip.queueing.services.issue import ticket_issue

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from onetrip.catalogue.models import ServicePoint
    from onetrip.people.models import User

BOOK_AHEAD_DAYS = 14
MAX_LIVE_BOOKINGS = 3
MAX_BOOKINGS_PER_DAY = 5
NO_SHOW_LIMIT = 3
NO_SHOW_WINDOW = dt.timedelta(days=90)
EARLY_CHECK_IN = dt.timedelta(minutes=30)
LATE_GRACE = dt.timedelta(minutes=15)


class BookingFlood(DomainError):
    status = 429
    code = "booking_limit"


def _audit(
    appointment: Appointment, *, action: str, before: str, actor: User | None = None, **data
):
    audit_record(
        appointment,
        action,
        actor=actor,
        from_state=before,
        to_state=appointment.status,
        point=appointment.point,
        data={"slot": appointment.slot.starts_at.isoformat(), **data},
    )


def appointment_url(appointment: Appointment) -> str:
    """The appointment's page as a full link for the SMS (its path from the URL conf)."""
    page = reverse("queueing:appointment", kwargs={"token": appointment.token})
    return settings.ONETRIP_SITE_URL.rstrip("/") + page


def _notify(appointment: Appointment, template: str, *, url: str = "") -> None:
    from onetrip.notices.services import notice_send

    local = timezone.localtime(appointment.slot.starts_at)
    notice_send(
        channel="sms",
        to=appointment.phone,
        template=template,
        context={
            "place": appointment.point.name,
            "queue": appointment.queue.name,
            "when": local.strftime("%Y-%m-%d %H:%M"),
            "url": url or appointment_url(appointment),
        },
        subject_type="appointment",
        subject_id=appointment.pk,
        district=getattr(appointment.point, "district", None),
    )


# ------------------------------------------------------------------ slots


@transaction.atomic
def slots_open(
    *,
    queue: Queue,
    day: dt.date,
    every_minutes: int = 30,
    capacity: int = 4,
    actor: User | None = None,
) -> int:
    """Open bookable slots of ``queue`` on ``day`` over the point's opening hours (nothing on
    a day the point is closed). Existing slots are kept. Returns how many were created."""
    if not 5 <= every_minutes <= 240:
        raise ValidationFailed(_("时段长度须在5到240分钟之间。"), code="bad_slot_length")
    if not 1 <= capacity <= 500:
        raise ValidationFailed(_("每个时段可预约人数须在1到500之间。"), code="bad_capacity")
    point = queue.point
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, point.opens_at, tzinfo=tz)
    close = dt.datetime.combine(day, point.closes_at, tzinfo=tz)
    step = dt.timedelta(minutes=every_minutes)
    rows = []
    while start + step <= close:
        if point_is_open(point=point, at=start):
            rows.append(
                Slot(
                    queue=queue,
                    point=point,
                    day=day,
                    starts_at=start,
                    ends_at=start + step,
                    capacity=capacity,
                )
            )
        start += step
    have = set(Slot.objects.filter(queue=queue, day=day).values_list("starts_at", flat=True))
    rows = [r for r in rows if r.starts_at not in have]
    Slot.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        audit_record(
            queue,
            "slots_open",
            actor=actor,
            point=point,
            data={"day": day.isoformat(), "slots": len(rows), "capacity": capacity},
        )
    return len(rows)


# ------------------------------------------------------------------ booking


def _check_bookable(slot: Slot, now: dt.datetime) -> None:
    if slot.starts_at <= now:
        raise ValidationFailed(_("该时段已开始或已过，请选择之后的时段。"), code="slot_in_past")
    if slot.starts_at - now > dt.timedelta(days=BOOK_AHEAD_DAYS):
        raise ValidationFailed(
            _("只能预约%(n)s天内的时段。") % {"n": BOOK_AHEAD_DAYS}, code="slot_too_far"
        )
    _check_can_issue(slot.queue)


def _check_phone_limits(phone: str, now: dt.datetime) -> None:
    mine = Appointment.objects.filter(phone=phone)
    if mine.filter(status=AppointmentStatus.BOOKED, slot__ends_at__gt=now).count() >= (
        MAX_LIVE_BOOKINGS
    ):
        raise BookingFlood(
            _("该手机号已有%(n)s个未到期的预约，请先办理或取消后再预约。")
            % {"n": MAX_LIVE_BOOKINGS}
        )
    if mine.filter(created_at__gte=now - dt.timedelta(days=1)).count() >= MAX_BOOKINGS_PER_DAY:
        raise BookingFlood(_("该手机号24小时内预约次数过多，请明天再试。"), code="booking_flood")
    no_shows = mine.filter(
        status=AppointmentStatus.NO_SHOW, day__gte=local_today(now - NO_SHOW_WINDOW)
    ).count()
    if no_shows >= NO_SHOW_LIMIT:
        raise Forbidden(
            _("该手机号近期爽约%(n)s次，暂停网上预约，请到现场取号。") % {"n": no_shows},
            code="booking_barred",
        )


def _take_place(slot_id: int) -> None:
    """The one guard against overbooking: a place is taken only while one is free."""
    taken = Slot.objects.filter(pk=slot_id, booked__lt=F("capacity")).update(booked=F("booked") + 1)
    if taken != 1:
        raise Conflict(_("该时段已约满，请选择其他时段。"), code="slot_full")


def _give_back_place(slot_id: int) -> None:
    Slot.objects.filter(pk=slot_id, booked__gt=0).update(booked=F("booked") - 1)


def _refuse_second_booking() -> Conflict:
    return Conflict(
        _("该手机号在同一天同一业务已有预约，可改约或取消后再约。"), code="duplicate_booking"
    )


def appointment_book(
    *,
    slot: Slot,
    phone: str = "",
    user: User | AnonymousUser | None = None,
    now: dt.datetime | None = None,
) -> Appointment:
    """Book a place in ``slot`` for a phone number (or the signed-in account's phone)."""
    now = now or timezone.now()
    user = signed_in(user)
    if not phone and user is not None:
        phone = user.phone or ""
    phone = required_text(
        phone, _("请填写手机号，用于预约确认和提醒。"), code="phone_required", field="phone"
    )
    phone = clean_phone(phone)
    slot = Slot.objects.select_related("queue", "queue__point", "point").get(pk=slot.pk)
    _check_bookable(slot, now)
    _check_phone_limits(phone, now)
    with transaction.atomic():
        _take_place(slot.pk)
        appointment = Appointment(
            slot=slot,
            queue=slot.queue,
            point=slot.point,
            day=slot.day,
            phone=phone,
            user=user,
            created_at=now,
        )
        try:
            appointment.save(force_insert=True)
        except IntegrityError as exc:
            raise _refuse_second_booking() from exc
        _audit(appointment, action="book", before="", actor=user)
        _notify(appointment, "appointment_booked")
    return appointment


def _locked(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("slot", "queue", "queue__point", "point")
        .get(pk=appointment.pk)
    )


def _locked_before_slot(appointment: Appointment, change: str, now: dt.datetime) -> Appointment:
    """The booking, locked, if it may still be changed (``change``: "cancel" or "move"):
    booked, and its slot not begun; else the refusal that names the change."""
    not_booked, started = {
        "cancel": (_("该预约当前为“%(s)s”，不能取消。"), _("预约时段已开始，不能再取消。")),
        "move": (_("该预约当前为“%(s)s”，不能改约。"), _("预约时段已开始，不能再改约。")),
    }[change]
    a = _locked(appointment)
    if a.status != AppointmentStatus.BOOKED:
        raise Conflict(
            not_booked % {"s": AppointmentStatus(a.status).label}, code="appointment_not_booked"
        )
    if a.slot.starts_at <= now:
        raise Conflict(started, code="slot_started")
    return a


@transaction.atomic
def appointment_cancel(
    *, appointment: Appointment, actor: User | None = None, now: dt.datetime | None = None
) -> Appointment:
    now = now or timezone.now()
    a = _locked_before_slot(appointment, "cancel", now)
    Appointment.objects.filter(pk=a.pk).update(status=AppointmentStatus.CANCELLED, cancelled_at=now)
    _give_back_place(a.slot_id)
    a.status, a.cancelled_at = AppointmentStatus.CANCELLED, now
    _audit(a, action="cancel", before=AppointmentStatus.BOOKED, actor=actor)
    return a


@transaction.atomic
def appointment_move(
    *,
    appointment: Appointment,
    to_slot: Slot,
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> Appointment:
    """Move a booking to another slot of the same point (the old place is given back)."""
    now = now or timezone.now()
    a = _locked_before_slot(appointment, "move", now)
    to = Slot.objects.select_related("queue", "queue__point", "point").get(pk=to_slot.pk)
    if to.point_id != a.point_id:
        raise ValidationFailed(_("只能改约到同一网点的时段。"), code="slot_out_of_scope")
    if to.pk == a.slot_id:
        raise ValidationFailed(_("已预约该时段。"), code="same_slot")
    _check_bookable(to, now)
    old = a.slot
    _take_place(to.pk)
    _give_back_place(old.pk)
    try:
        with transaction.atomic():
            Appointment.objects.filter(pk=a.pk).update(slot=to, queue=to.queue, day=to.day)
    except IntegrityError as exc:
        raise _refuse_second_booking() from exc
    a.slot, a.queue, a.day = to, to.queue, to.day
    _audit(
        a,
        action="move",
        before=AppointmentStatus.BOOKED,
        actor=actor,
        from_slot=old.starts_at.isoformat(),
    )
    _notify(a, "appointment_booked")
    return a


# ------------------------------------------------------------------ check-in


def _find_for_check_in(*, point: ServicePoint, code: str, now: dt.datetime) -> Appointment:
    code = required_text(
        code, _("请扫描预约二维码或输入预约手机号。"), code="code_required", field="code"
    )
    found = Appointment.objects.select_related("point")
    if code.isdigit() and len(code) == 11:  # the phone the booking was made with
        here = found.filter(phone=code, point=point, day=local_today(now)).order_by(
            "status", "slot__starts_at"
        )
        appointment = here.filter(status=AppointmentStatus.BOOKED).first() or here.first()
        if appointment is None:
            elsewhere = found.filter(
                phone=code, day=local_today(now), status=AppointmentStatus.BOOKED
            ).first()
            appointment = elsewhere
    else:
        if "/appointments/" in code:  # a scanned link rather than the bare code
            code = code.rstrip("/").rsplit("/", 1)[-1]
        appointment = found.filter(token=code[:32]).first()
    if appointment is None:
        raise NotFound(
            _("未找到今天的预约，请核对后重试或直接取号。"), code="appointment_not_found"
        )
    return appointment


def appointment_check_in(
    *, point: ServicePoint, code: str, now: dt.datetime | None = None
) -> tuple[Appointment, Ticket]:
    """Check in at ``point``'s kiosk with the appointment's QR code (or the booking phone):
    one ticket, called ahead of walk-ins within the slot (as a walk-in when late)."""
    now = now or timezone.now()
    found = _find_for_check_in(point=point, code=code, now=now)
    if found.point_id != point.pk:
        raise Conflict(
            _("该预约在“%(p)s”，请到预约的网点签到。") % {"p": found.point.name},
            code="wrong_point",
        )
    with transaction.atomic():
        a = _locked(found)
        if a.status == AppointmentStatus.CHECKED_IN:
            raise Conflict(_("该预约已签到，请留意叫号。"), code="already_checked_in")
        if a.status != AppointmentStatus.BOOKED:
            raise Conflict(
                _("该预约当前为“%(s)s”，不能签到。") % {"s": AppointmentStatus(a.status).label},
                code="appointment_not_booked",
            )
        slot = a.slot
        if a.day != local_today(now):
            raise Conflict(
                _("预约日期为%(d)s，请当天前来签到。") % {"d": a.day.isoformat()},
                code="not_today",
            )
        if now < slot.starts_at - EARLY_CHECK_IN:
            opens = timezone.localtime(slot.starts_at - EARLY_CHECK_IN).strftime("%H:%M")
            raise Conflict(_("签到时间未到，请于%(t)s后签到。") % {"t": opens}, code="too_early")
        if now >= slot.ends_at:
            raise Conflict(_("预约时段已结束，请直接取号排队。"), code="appointment_expired")
        late = now > slot.starts_at + LATE_GRACE
        ticket = ticket_issue(
            queue=a.queue,
            phone=a.phone,
            channel=TicketChannel.APPOINTMENT,
            booked_slot=None if late else slot.starts_at,
            now=now,
        )
        moved = Appointment.objects.filter(pk=a.pk, status=AppointmentStatus.BOOKED).update(
            status=AppointmentStatus.CHECKED_IN, checked_in_at=now, ticket=ticket, late=late
        )
        if moved != 1:  # the row lock makes this unreachable; kept as the final guard
            raise Conflict(_("该预约已签到，请留意叫号。"), code="already_checked_in")
        a.status, a.checked_in_at, a.ticket, a.late = (
            AppointmentStatus.CHECKED_IN,
            now,
            ticket,
            late,
        )
        _audit(a, action="check_in", before=AppointmentStatus.BOOKED, ticket=ticket.number)
    return a, ticket


# ------------------------------------------------------------------ sweeps


def appointments_remind(*, now: dt.datetime | None = None) -> int:
    """Send the day-before reminder (SMS through the notices senders) to every booking of
    tomorrow not yet reminded; each claimed by a conditional UPDATE, so it is sent once."""
    now = now or timezone.now()
    tomorrow = local_today(now) + dt.timedelta(days=1)
    sent = 0
    due = Appointment.objects.filter(
        day=tomorrow, status=AppointmentStatus.BOOKED, reminded_at__isnull=True
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            claimed = Appointment.objects.filter(
                pk=pk, status=AppointmentStatus.BOOKED, reminded_at__isnull=True
            ).update(reminded_at=now)
            if claimed != 1:
                continue
            a = Appointment.objects.select_related("slot", "queue", "point").get(pk=pk)
            _notify(a, "appointment_reminder")
            sent += 1
    return sent


def appointments_mark_no_shows(*, now: dt.datetime | None = None) -> int:
    """Bookings whose slot has ended without a check-in become no-shows."""
    now = now or timezone.now()
    marked = 0
    stale = Appointment.objects.filter(
        status=AppointmentStatus.BOOKED, slot__ends_at__lte=now
    ).values_list("pk", flat=True)
    for pk in list(stale):
        with transaction.atomic():
            moved = Appointment.objects.filter(pk=pk, status=AppointmentStatus.BOOKED).update(
                status=AppointmentStatus.NO_SHOW
            )
            if moved != 1:
                continue
            a = Appointment.objects.select_related("slot", "point").get(pk=pk)
            _audit(a, action="no_show", before=AppointmentStatus.BOOKED)
            marked += 1
    return marked
