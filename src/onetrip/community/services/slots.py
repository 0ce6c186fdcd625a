"""Staff publish bookable slots inside a facility's opening hours, close and cancel them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.community import selectors as sel
from onetrip.community import states as S
from onetrip.community.models import Booking, Facility, Slot, SlotKind
from onetrip.community.services.bookings import booking_cancelled, tell_booker
from onetrip.community.services.common import (
    audit_move,
    check_move,
    clean_text,
    locked,
    locked_move,
    move_row,
    now_or,
    require_signed_in,
)
from onetrip.errors import Conflict, ValidationFailed

if TYPE_CHECKING:
    from onetrip.people.models import User


def _check_time(
    facility: Facility, starts_at: Any, ends_at: Any, now: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """The slot's start and end, checked (both given, aware, in order, ahead, one open day)."""
    if not isinstance(starts_at, dt.datetime) or not isinstance(ends_at, dt.datetime):
        raise ValidationFailed(_("请填写开始和结束时间。"), code="time_required")
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValidationFailed(_("时间须带时区。"), code="time_naive")
    if ends_at <= starts_at:
        raise ValidationFailed(
            _("结束时间须晚于开始时间。"),
            code="time_order",
            fields={"ends_at": _("须晚于开始时间。")},
        )
    if starts_at <= now:
        raise ValidationFailed(
            _("不能发布已经过去的时段。"), code="slot_past", fields={"starts_at": _("须晚于现在。")}
        )
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    if start.date() != end.date():
        raise ValidationFailed(_("一个时段须在同一天内。"), code="time_span")
    if str(start.isoweekday()) not in facility.open_weekdays:
        raise ValidationFailed(
            _("“%(f)s”这一天不开放。") % {"f": facility.name}, code="facility_closed_day"
        )
    if start.time() < facility.opens_at or end.time() > facility.closes_at:
        raise ValidationFailed(
            _("须在开放时间 %(a)s–%(b)s 之内。")
            % {"a": facility.opens_at.strftime("%H:%M"), "b": facility.closes_at.strftime("%H:%M")},
            code="outside_hours",
        )
    return starts_at, ends_at


@transaction.atomic
def slot_create(
    *,
    actor: User,
    facility: Facility,
    kind: str,
    title: str,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    capacity: int | None = None,
    description: str = "",
    now: dt.datetime | None = None,
) -> Slot:
    """Publish an activity (places up to the facility's capacity) or a space booked whole.

    The facility row is locked so two staff cannot publish overlapping slots in one room."""
    require_signed_in(actor)
    now = now_or(now)
    facility = locked(facility, "complex", "complex__point")
    complex = facility.complex
    roles = sel.complex_roles(user=actor, complex=complex)
    move = check_move(S.SLOT_TRANSITIONS, "create", state=S.NEW, roles=roles)
    if not facility.bookable or not facility.is_active:
        raise Conflict(_("“%(f)s”不接受预约。") % {"f": facility.name}, code="not_bookable")
    if kind not in SlotKind.values:
        raise ValidationFailed(_("类型须为活动或场地。"), code="unknown_kind")
    title = clean_text(title, field="title", label=_("名称"), min_len=2, max_len=120)
    description = clean_text(
        description, field="description", label=_("说明"), min_len=0, max_len=2000
    )
    starts_at, ends_at = _check_time(facility, starts_at, ends_at, now)
    if kind == SlotKind.SPACE:
        capacity = 1
    try:
        capacity = int(capacity if capacity is not None else facility.capacity)
    except (TypeError, ValueError):
        capacity = 0
    if not 1 <= capacity <= facility.capacity:
        raise ValidationFailed(
            _("名额须在 1 到 %(n)d 之间。") % {"n": facility.capacity},
            code="bad_capacity",
            fields={"capacity": f"1–{facility.capacity}"},
        )
    overlap = Slot.objects.filter(
        facility=facility,
        status__in=(S.SlotStatus.OPEN, S.SlotStatus.CLOSED),
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    ).first()
    if overlap is not None:
        raise Conflict(
            _("该时间“%(f)s”已安排了“%(t)s”。") % {"f": facility.name, "t": overlap.title},
            code="slot_overlap",
        )
    slot = Slot.objects.create(
        complex=complex,
        facility=facility,
        kind=kind,
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        created_by=actor,
    )
    audit_move(slot, actor=actor, move=move, roles=roles, was=S.NEW)
    return slot


@transaction.atomic
def slot_transition(
    *, slot: Slot, action: str, actor: User, note: str = "", now: dt.datetime | None = None
) -> Slot:
    """Close, reopen or cancel a slot. Cancelling cancels every live booking and tells the
    residents who had a place."""
    now = now_or(now)
    slot, roles, move = locked_move(
        slot, action, actor=actor, related=("complex", "complex__point", "facility")
    )
    if move.needs_note:
        note = clean_text(note, field="note", label=_("原因"), min_len=2, max_len=300)
    also: tuple[str, ...] = ()
    if action == "cancel":
        live = list(
            Booking.objects.select_for_update()
            .filter(slot=slot, status__in=(S.BookingStatus.CONFIRMED, S.BookingStatus.WAITING))
            .select_related("user")
        )
        cancel = S.BOOKING_TRANSITIONS["cancel"]
        for b in live:
            b.slot = slot
            was_b = booking_cancelled(
                b,
                actor=actor,
                move=cancel,
                roles={S.STAFF},
                now=now,
                note=note,
                data={"slot_cancelled": True},
            )
            if was_b == S.BookingStatus.CONFIRMED:
                tell_booker(b, "community_slot_cancelled", reason=note)
        slot.booked = 0
        also = ("booked",)
    move_row(slot, actor=actor, move=move, roles=roles, also=also, note=note)
    return slot
