"""Reads of the community app: complexes, their slots and workshop, and who may do what."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeGuard

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.access import is_active_user
from onetrip.community import states as S
from onetrip.community.models import (
    Booking,
    Complex,
    Decision,
    DecisionUpdate,
    Facility,
    Meeting,
    Slot,
    Topic,
    TopicSupport,
    WorkshopMember,
)
from onetrip.db import parse_id
from onetrip.errors import NotFound
from onetrip.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from onetrip.catalogue.models import ServicePoint
    from onetrip.people.models import User

    #: whoever asks: a signed-in user, the anonymous visitor, or no one
    Caller = User | AnonymousUser | None

STAFF_ROLES = (Role.SOCIAL_WORKER, Role.MANAGER)
#: point codes are slugs; anything else (a NUL byte, 200 characters) cannot name one
_CODE = re.compile(r"[-a-zA-Z0-9_]{1,40}")


def valid_code(code: Any) -> str | None:
    """``code`` if it can be a service point code, else None (so odd input is a 404)."""
    return code if isinstance(code, str) and _CODE.fullmatch(code) else None


def _signed_in(user: Caller) -> TypeGuard[User]:
    """``access.is_active_user``, telling the type checker the caller is a user."""
    return is_active_user(user)


def complex_roles(*, user: Caller, complex: Complex) -> set[str]:
    """The roles ``user`` holds towards one complex: resident (signed in) and staff (a social
    worker of this very community, a manager of its district, a superuser)."""
    if not _signed_in(user):
        return set()
    roles = {S.RESIDENT}
    if user.is_superuser:
        roles.add(S.STAFF)
    elif user.point_id:
        if user.has_role(Role.SOCIAL_WORKER) and user.point_id == complex.point_id:
            roles.add(S.STAFF)
        if (
            user.has_role(Role.MANAGER)
            and user.point is not None
            and user.point.district_id == complex.district_id
        ):
            roles.add(S.STAFF)
    return roles


def complexes_managed_by(*, user: Caller) -> QuerySet[Complex]:
    """The complexes ``user`` manages (per complex_roles), for staff lists and the admin."""
    qs = Complex.objects.select_related("point", "district")
    if not _signed_in(user):
        return qs.none()
    if user.is_superuser:
        return qs
    ids = set()
    if user.point_id and user.has_role(Role.SOCIAL_WORKER):
        ids |= set(qs.filter(point_id=user.point_id).values_list("pk", flat=True))
    if user.point_id and user.has_role(Role.MANAGER) and user.point:
        ids |= set(qs.filter(district_id=user.point.district_id).values_list("pk", flat=True))
    return qs.filter(pk__in=ids)


def complexes_list(*, district: ServicePoint | None = None) -> QuerySet[Complex]:
    qs = Complex.objects.filter(is_published=True, point__is_active=True).select_related(
        "point", "point__parent"
    )
    if district is not None:
        qs = qs.filter(district=district)
    return qs.order_by("point__code")


def complex_get(*, code: str, published_only: bool = True) -> Complex:
    qs = Complex.objects.select_related("point", "point__parent", "district")
    if published_only:
        qs = qs.filter(is_published=True)
    found = qs.filter(point__code=code).first() if valid_code(code) else None
    if found is None:
        raise NotFound(_("没有找到这个社区服务综合体。"), code="complex_not_found")
    return found


def facilities_of(*, complex: Complex) -> list[Facility]:
    return list(complex.facilities.filter(is_active=True).order_by("position", "id"))


def slots_upcoming(
    *, complex: Complex, now: dt.datetime | None = None, days: int = 14
) -> QuerySet[Slot]:
    now = now or timezone.now()
    return (
        Slot.objects.filter(
            complex=complex,
            starts_at__gt=now,
            starts_at__lt=now + dt.timedelta(days=days),
            status__in=(S.SlotStatus.OPEN, S.SlotStatus.CLOSED),
        )
        .select_related("facility")
        .order_by("starts_at", "id")
    )


def _by_id(
    qs: QuerySet[Any],
    raw_id: Any,
    *,
    missing: NotFound,
    complex: Complex | None = None,
    shown: Callable[[Any], bool] | None = None,
) -> Any:
    """The row of ``qs`` (of ``complex`` when given) whose id ``raw_id`` names; ``missing``
    is raised when there is none, when ``shown`` hides it from the caller, and for odd input
    such as ``abc`` or 20 digits."""
    pk = parse_id(raw_id)
    if complex is not None:
        qs = qs.filter(complex=complex)
    found = qs.filter(pk=pk).first() if pk is not None else None
    if found is None or (shown is not None and not shown(found)):
        raise missing
    return found


def slot_get(*, slot_id: Any, complex: Complex | None = None) -> Slot:
    qs = Slot.objects.select_related("facility", "complex", "complex__point")
    missing = NotFound(_("没有找到这个预约时段。"), code="slot_not_found")
    return _by_id(qs, slot_id, missing=missing, complex=complex)


def waiting_count(*, slot: Slot) -> int:
    return slot.bookings.filter(status=S.BookingStatus.WAITING).count()


def bookings_of(*, user: Caller) -> QuerySet[Booking]:
    if not _signed_in(user):
        return Booking.objects.none()
    return (
        Booking.objects.filter(user=user)
        .select_related("slot", "slot__facility", "slot__complex__point")
        .order_by("-slot__starts_at", "-id")
    )


def live_booking_of(*, user: Caller, slot: Slot) -> Booking | None:
    if not _signed_in(user):
        return None
    return Booking.objects.filter(
        user=user, slot=slot, status__in=(S.BookingStatus.CONFIRMED, S.BookingStatus.WAITING)
    ).first()


def waiting_position(*, booking: Booking) -> int | None:
    """1 for the first on the waiting list; None unless waiting."""
    if booking.status != S.BookingStatus.WAITING:
        return None
    return (
        Booking.objects.filter(
            slot_id=booking.slot_id,
            status=S.BookingStatus.WAITING,
            created_at__lte=booking.created_at,
        )
        .exclude(created_at=booking.created_at, id__gt=booking.id)
        .count()
    )


def booking_get_for_user(*, user: Caller, booking_id: Any) -> Booking:
    """A booking its owner or the complex's staff may act on; anything else is not found."""
    qs = Booking.objects.select_related("slot", "slot__complex", "slot__complex__point")
    missing = NotFound(_("没有找到这条预约。"), code="booking_not_found")
    return _by_id(
        qs, booking_id, missing=missing, shown=lambda b: bool(booking_roles(user=user, booking=b))
    )


def booking_roles(*, user: Caller, booking: Booking) -> set[str]:
    roles = complex_roles(user=user, complex=booking.slot.complex) - {S.RESIDENT}
    if _signed_in(user) and booking.user_id == user.pk:
        roles.add(S.OWNER)
    return roles


# --------------------------------------------------------------------------- workshop


def member_of(*, user: Caller, complex: Complex) -> WorkshopMember | None:
    if not _signed_in(user):
        return None
    return WorkshopMember.objects.filter(complex=complex, user=user).first()


def topics_public(*, complex: Complex) -> QuerySet[Topic]:
    return (
        Topic.objects.filter(complex=complex)
        .exclude(state=S.TopicState.WITHDRAWN)
        .select_related("meeting")
        .order_by("-support_count", "created_at", "id")
    )


def topics_by_state(*, complex: Complex) -> dict[str, list[Topic]]:
    grouped: dict[str, list[Topic]] = {s: [] for s in S.TopicState.values}
    for t in topics_public(complex=complex):
        grouped[t.state].append(t)
    return grouped


def topic_get(*, topic_id: Any, complex: Complex | None = None) -> Topic:
    qs = Topic.objects.select_related("complex", "complex__point", "meeting", "raised_by")
    missing = NotFound(_("没有找到这个议题。"), code="topic_not_found")
    return _by_id(
        qs,
        topic_id,
        missing=missing,
        complex=complex,
        shown=lambda t: t.state != S.TopicState.WITHDRAWN,
    )


def topic_roles(*, user: Caller, topic: Topic) -> set[str]:
    roles = complex_roles(user=user, complex=topic.complex)
    if _signed_in(user) and topic.raised_by_id == user.pk:
        roles.add(S.OWNER)
    return roles


def has_supported(*, user: Caller, topic: Topic) -> bool:
    return _signed_in(user) and TopicSupport.objects.filter(topic=topic, user=user).exists()


def meetings_upcoming(*, complex: Complex, now: dt.datetime | None = None) -> QuerySet[Meeting]:
    now = now or timezone.now()
    return Meeting.objects.filter(
        complex=complex, state=S.MeetingState.SCHEDULED, starts_at__gte=now - dt.timedelta(days=1)
    ).order_by("starts_at")


def meetings_held(*, complex: Complex, limit: int = 5) -> list[Meeting]:
    return list(
        Meeting.objects.filter(complex=complex, state=S.MeetingState.HELD)
        .prefetch_related("decisions")
        .order_by("-starts_at")[:limit]
    )


def meeting_get(*, meeting_id: Any, complex: Complex | None = None) -> Meeting:
    qs = Meeting.objects.select_related("complex", "complex__point")
    missing = NotFound(_("没有找到这次议事会。"), code="meeting_not_found")
    return _by_id(qs, meeting_id, missing=missing, complex=complex)


def decisions_followed(*, complex: Complex) -> list[Decision]:
    """Decisions not yet done, with their public follow-up, soonest due first."""
    return list(
        Decision.objects.filter(complex=complex)
        .exclude(state=S.DecisionState.DONE)
        .select_related("topic", "meeting")
        .prefetch_related(Prefetch("updates", queryset=DecisionUpdate.objects.order_by("at")))
        .order_by("due_date", "id")
    )


def decisions_done(*, complex: Complex, limit: int = 5) -> list[Decision]:
    return list(
        Decision.objects.filter(complex=complex, state=S.DecisionState.DONE)
        .select_related("topic")
        .order_by("-done_at")[:limit]
    )


def decision_get(*, decision_id: Any) -> Decision:
    qs = Decision.objects.select_related("complex", "complex__point", "topic")
    missing = NotFound(_("没有找到这项决定。"), code="decision_not_found")
    return _by_id(qs, decision_id, missing=missing)


def decision_roles(*, user: Caller, decision: Decision) -> set[str]:
    roles = complex_roles(user=user, complex=decision.complex)
    if _signed_in(user) and decision.owner_id == user.pk:
        roles.add(S.DECISION_OWNER)
    return roles


def row_roles(*, user: Caller, row: Booking | Slot | Topic | Meeting | Decision) -> set[str]:
    """The roles ``user`` holds on one stored community row, the ones its moves are checked
    against: a booking's, topic's or decision's own roles, else those on the row's complex."""
    if isinstance(row, Booking):
        return booking_roles(user=user, booking=row)
    if isinstance(row, Topic):
        return topic_roles(user=user, topic=row)
    if isinstance(row, Decision):
        return decision_roles(user=user, decision=row)
    return complex_roles(user=user, complex=row.complex)
