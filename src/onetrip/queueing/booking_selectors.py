"""Reads for appointments: the slots a resident may book, an appointment by its link."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from onetrip.queueing.models import Appointment, Slot
from onetrip.queueing.services.booking import BOOK_AHEAD_DAYS

if TYPE_CHECKING:
    from onetrip.catalogue.models import ServicePoint


def bookable_slots(
    *, point: ServicePoint, now: dt.datetime | None = None, days: int = 7
) -> list[Slot]:
    """Slots of ``point``'s open queues that have not begun, the next ``days`` days (full
    ones included, so the page can show them as full)."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(days=min(days, BOOK_AHEAD_DAYS))
    return list(
        Slot.objects.select_related("queue")
        .filter(point=point, queue__is_open=True, starts_at__gt=now, starts_at__lte=horizon)
        .order_by("queue__position", "queue__code", "starts_at")[:400]
    )


def appointment_by_token(*, token: str) -> Appointment | None:
    if not token or len(token) > 32:
        return None
    return (
        Appointment.objects.select_related("slot", "queue", "point", "ticket")
        .filter(token=token)
        .first()
    )
