"""Booking a place: capacity by a conditional UPDATE, one live booking per person by a unique
constraint, the waiting list promoted in order when a place frees up."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.community import selectors as sel
from onetrip.community import states as S
from onetrip.community.models import Booking, Slot
from onetrip.community.services.common import (
    audit,
    check_move,
    clean_text,
    now_or,
    require_signed_in,
    role_of,
    tell,
)
from onetrip.errors import Conflict

if TYPE_CHECKING:
    from onetrip.people.models import User

B = S.BookingStatus


def _slot_refusal(slot: Slot, now: dt.datetime) -> Conflict | None:
    """Why this slot takes no booking now, or None."""
    if slot.status != S.SlotStatus.OPEN or not slot.facility.is_active:
        return Conflict(_("“%(title)s”已停止预约。") % {"title": slot.title}, code="slot_closed")
    if slot.starts_at <= now:
        return Conflict(
            _("“%(title)s”已经开始或结束，不能再预约。") % {"title": slot.title},
            code="slot_past",
        )
    return None


def _take_place(
    slot_id: int, now: dt.datetime, statuses: tuple[str, ...] = (S.SlotStatus.OPEN,)
) -> bool:
    """One conditional UPDATE: a place is taken only while one is free. Two callers racing
    for the last place serialise on the row; the second sees it full and gets False."""
    return bool(
        Slot.objects.filter(
            pk=slot_id,
            status__in=statuses,
            starts_at__gt=now,
            booked__lt=F("capacity"),
        ).update(booked=F("booked") + 1)
    )


@transaction.atomic
def booking_create(
    *, user: Any, slot: Slot, waitlist: bool = False, now: dt.datetime | None = None
) -> Booking:
    """Book a place in ``slot`` for ``user``; when it is full, put them on the waiting list if
    ``waitlist`` else refuse with ``slot_full`` (409) so the page can offer the list."""
    require_signed_in(user)
    now = now_or(now)
    slot = Slot.objects.select_related("facility", "complex", "complex__point").get(pk=slot.pk)
    refusal = _slot_refusal(slot, now)
    if refusal is not None:
        raise refusal
    existing = sel.live_booking_of(user=user, slot=slot)
    if existing is not None:
        raise Conflict(
            _("您已预约过“%(title)s”（%(status)s），不能重复预约。")
            % {"title": slot.title, "status": existing.get_status_display()},
            code="already_booked",
        )
    if _take_place(slot.pk, now):
        action = "book"
    elif waitlist:
        action = "wait"
    else:
        raise Conflict(
            _(
                "很抱歉，“%(title)s”的名额刚刚约满。您可以加入候补名单，有人取消时按顺序自动递补并短信通知。"
            )
            % {"title": slot.title},
            code="slot_full",
        )
    move = check_move(S.BOOKING_TRANSITIONS, action, state=S.NEW, roles={S.RESIDENT})
    try:
        with transaction.atomic():
            booking = Booking.objects.create(
                slot=slot,
                user=user,
                status=move.target,
                confirmed_at=now if move.target == B.CONFIRMED else None,
            )
    except IntegrityError:
        # the same person booking twice at the same moment: the unique constraint refuses the
        # second, and raising here rolls the place it took back with it
        raise Conflict(
            _("您已预约过“%(title)s”，不能重复预约。") % {"title": slot.title},
            code="already_booked",
        ) from None
    audit(
        actor=user,
        subject_type="community.booking",
        subject=booking,
        action=action,
        from_state=S.NEW,
        to_state=move.target,
        role=S.RESIDENT,
        point=slot.complex.point,
        data={"slot": slot.pk},
    )
    return booking


def _promote_next(*, slot: Slot, now: dt.datetime) -> Booking | None:
    """Give a freed place to the first on the waiting list (skipping rows another
    transaction holds), and tell them by SMS."""
    nxt = (
        Booking.objects.select_for_update(skip_locked=True)
        .filter(slot=slot, status=B.WAITING)
        .order_by("created_at", "id")
        .first()
    )
    # a slot closed to new bookings still honours its waiting list
    if nxt is None or not _take_place(slot.pk, now, (S.SlotStatus.OPEN, S.SlotStatus.CLOSED)):
        return None
    move = check_move(S.BOOKING_TRANSITIONS, "promote", state=nxt.status, roles={S.SYSTEM})
    nxt.status = move.target
    nxt.confirmed_at = now
    nxt.save(update_fields=["status", "confirmed_at"])
    notified = tell(
        user=nxt.user,
        template="community_promoted",
        context={
            "title": slot.title,
            "place": f"{slot.complex.point.name}{slot.facility.name}",
            "when": timezone.localtime(slot.starts_at).strftime("%m-%d %H:%M"),
            "url": reverse("community:my_bookings"),
        },
        subject=nxt,
        district=slot.complex.district,
    )
    audit(
        actor=None,
        subject_type="community.booking",
        subject=nxt,
        action="promote",
        from_state=B.WAITING,
        to_state=move.target,
        role=S.SYSTEM,
        point=slot.complex.point,
        data={"slot": slot.pk, "notified": notified},
    )
    return nxt


@transaction.atomic
def booking_cancel(
    *, booking: Booking, actor: User, now: dt.datetime | None = None, note: str = ""
) -> Booking:
    """Cancel a booking (its holder, or the complex's staff). A confirmed place goes to the
    first on the waiting list."""
    require_signed_in(actor)
    now = now_or(now)
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("slot", "slot__facility", "slot__complex", "slot__complex__point")
        .get(pk=booking.pk)
    )
    roles = sel.booking_roles(user=actor, booking=booking)
    move = check_move(S.BOOKING_TRANSITIONS, "cancel", state=booking.status, roles=roles)
    slot = booking.slot
    if slot.starts_at <= now and S.STAFF not in roles:
        raise Conflict(_("活动已经开始，不能再取消。"), code="slot_past")
    note = clean_text(note, field="note", label=_("说明"), min_len=0, max_len=300)
    was = booking.status
    booking.status = move.target
    booking.cancelled_at = now
    booking.save(update_fields=["status", "cancelled_at"])
    audit(
        actor=actor,
        subject_type="community.booking",
        subject=booking,
        action="cancel",
        from_state=was,
        to_state=move.target,
        role=role_of(move, roles),
        point=slot.complex.point,
        note=note,
        data={"slot": slot.pk},
    )
    if was == B.CONFIRMED:
        Slot.objects.filter(pk=slot.pk, booked__gt=0).update(booked=F("booked") - 1)
        if slot.starts_at > now:
            _promote_next(slot=slot, now=now)
    return booking
