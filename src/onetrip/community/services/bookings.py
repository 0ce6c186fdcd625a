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
    audit_move,
    check_move,
    clean_text,
    locked_move,
    move_row,
    now_or,
    require_signed_in,
    tell,
)
from onetrip.errors import Conflict

if TYPE_CHECKING:
    from onetrip.cases.states import Transition
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
    *, user: User, slot: Slot, waitlist: bool = False, now: dt.datetime | None = None
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
    audit_move(
        booking,
        actor=user,
        move=move,
        roles={S.RESIDENT},
        was=S.NEW,
        data={"slot": slot.pk},
    )
    return booking


def booking_cancelled(
    booking: Booking,
    *,
    actor: User,
    move: Transition,
    roles: set[str],
    now: dt.datetime,
    note: str,
    data: dict[str, Any] | None = None,
) -> str:
    """Write the cancellation of ``booking`` (its row and audit event); the status it had."""
    booking.cancelled_at = now
    return move_row(
        booking,
        actor=actor,
        move=move,
        roles=roles,
        also=("cancelled_at",),
        note=note,
        data={"slot": booking.slot_id, **(data or {})},
    )


def tell_booker(booking: Booking, template: str, **extra: str) -> bool:
    """SMS the holder of ``booking`` about its slot (title, place, time and ``extra``)."""
    slot = booking.slot
    context = {
        "title": slot.title,
        "place": f"{slot.complex.point.name}{slot.facility.name}",
        "when": timezone.localtime(slot.starts_at).strftime("%m-%d %H:%M"),
        **extra,
    }
    return tell(user=booking.user, template=template, context=context, subject=booking)


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
    nxt.slot = slot
    nxt.confirmed_at = now
    notified = tell_booker(nxt, "community_promoted", url=reverse("community:my_bookings"))
    move_row(
        nxt,
        actor=None,
        move=move,
        roles={S.SYSTEM},
        also=("confirmed_at",),
        data={"slot": slot.pk, "notified": notified},
    )
    return nxt


@transaction.atomic
def booking_cancel(
    *, booking: Booking, actor: User, now: dt.datetime | None = None, note: str = ""
) -> Booking:
    """Cancel a booking (its holder, or the complex's staff). A confirmed place goes to the
    first on the waiting list."""
    now = now_or(now)
    booking, roles, move = locked_move(
        booking,
        "cancel",
        actor=actor,
        related=("slot", "slot__facility", "slot__complex", "slot__complex__point"),
    )
    slot = booking.slot
    if slot.starts_at <= now and S.STAFF not in roles:
        raise Conflict(_("活动已经开始，不能再取消。"), code="slot_past")
    note = clean_text(note, field="note", label=_("说明"), min_len=0, max_len=300)
    was = booking_cancelled(booking, actor=actor, move=move, roles=roles, now=now, note=note)
    if was == B.CONFIRMED:
        Slot.objects.filter(pk=slot.pk, booked__gt=0).update(booked=F("booked") - 1)
        if slot.starts_at > now:
            _promote_next(slot=slot, now=now)
    return booking
