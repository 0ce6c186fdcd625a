"""Community API under /api/v1/community/: complexes with their "3+X" and slots, bookings
(capacity and waiting list), the workshop's topics, supports, meetings and decisions.

Reads are public (a token or session, when sent, is recognised); writes need a signed-in
caller (``Authorization: Bearer ot_…`` or a session with CSRF). Refusals answer 4xx with
``{"code", "message"}`` and change nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from onetrip.apischema import JSON_INTEGER, Bool, ClockTime, Day, Id, InSchema, Moment, words
from onetrip.auth import optional_auth, staff_auth
from onetrip.catalogue import selectors as catalogue_selectors
from onetrip.community import selectors as sel
from onetrip.community import services
from onetrip.community import states as S
from onetrip.community.models import Booking, Decision, Facility, Meeting, Slot, Topic
from onetrip.errors import ErrorOut, NotFound

router = Router(tags=["community"])


#: What the services count (``clean_text``: white space at the ends does not count).
Name = Annotated[str, words(2, 120)]
TopicTitle = Annotated[str, words(4, 100)]
TopicBody = Annotated[str, words(10, 2000)]
Capacity = Annotated[int, Field(ge=0, le=100_000), JSON_INTEGER]

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class FacilityOut(Schema):
    id: int
    kind: str
    kind_label: str
    core: bool
    name: str
    description: str
    capacity: int
    opens_at: ClockTime
    closes_at: ClockTime
    open_weekdays: str
    bookable: bool


class SlotOut(Schema):
    id: int
    complex: str
    facility_id: int
    facility: str
    kind: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    booked: int
    places_left: int
    status: str
    status_label: str


class UpdateOut(Schema):
    at: dt.datetime
    state: str
    note: str


class DecisionOut(Schema):
    id: int
    topic_id: int
    topic: str
    text: str
    owner_name: str
    due_date: dt.date
    state: str
    state_label: str
    overdue: bool
    updates: list[UpdateOut]


class ComplexOut(Schema):
    code: str
    name: str
    street: str
    address: str
    phone: str
    url: str


class ComplexDetailOut(ComplexOut):
    intro: str
    support_threshold: int
    facilities: list[FacilityOut]
    slots: list[SlotOut]
    followups: list[DecisionOut]


class BookingIn(InSchema):
    slot_id: Id
    waitlist: Bool = False


class BookingOut(Schema):
    id: int
    slot: SlotOut
    status: str
    status_label: str
    waiting_position: int | None
    created_at: dt.datetime


class SlotIn(InSchema):
    facility_id: Id
    kind: Literal["activity", "space"]
    title: Name
    starts_at: Moment
    ends_at: Moment = Field(..., description="after `starts_at` (422 otherwise)")
    capacity: Capacity | None = None
    description: str = Field("", max_length=2000)


class CommunityActionIn(InSchema):
    action: str = Field(..., max_length=40)
    note: str = Field("", max_length=300, description="a reason where the action needs one")


class SlotActionIn(CommunityActionIn):
    action: Literal[tuple(S.SLOT_TRANSITIONS)]  # type: ignore[valid-type]


class DecisionActionIn(CommunityActionIn):
    action: Literal[tuple(S.DECISION_TRANSITIONS)]  # type: ignore[valid-type]


class TopicIn(InSchema):
    title: TopicTitle
    body: TopicBody


class TopicActionIn(CommunityActionIn):
    action: Literal[tuple(S.TOPIC_TRANSITIONS)]  # type: ignore[valid-type]
    meeting_id: Id | None = None
    text: str = Field("", max_length=2000, description="the decision (`decide`)")
    owner_name: str = Field("", max_length=100, description="who carries it out (`decide`)")
    due_date: Day | None = None


class TopicOut(Schema):
    id: int
    complex: str
    title: str
    body: str
    raiser_kind: str
    raiser_kind_label: str
    raiser_organisation: str
    state: str
    state_label: str
    support_count: int
    supported: bool
    meeting_id: int | None
    created_at: dt.datetime
    decisions: list[DecisionOut]


class MeetingIn(InSchema):
    title: Name
    starts_at: Moment
    place: str = Field("", max_length=120)


class MeetingActionIn(CommunityActionIn):
    action: Literal[tuple(S.MEETING_TRANSITIONS)]  # type: ignore[valid-type]
    minutes: str = Field("", max_length=10000, description="at least 10 characters (`hold`)")


class MeetingOut(Schema):
    id: int
    complex: str
    title: str
    starts_at: dt.datetime
    place: str
    state: str
    state_label: str
    minutes: str


# --------------------------------------------------------------------------- shaping


def _read(path: str, out: Any, summary: str, *, auth: Any = optional_auth) -> Any:
    """A GET endpoint answering ``out`` or a ``{"code", "message"}`` refusal; public unless
    ``auth`` says otherwise (a token or session, when sent, is recognised)."""
    return router.get(path, auth=auth, response={200: out, **ERRORS}, summary=summary)


def _write(path: str, out: Any, summary: str, *, status: int = 200) -> Any:
    """A POST endpoint for signed-in callers answering ``out`` with ``status`` or a refusal."""
    return router.post(path, auth=staff_auth, response={status: out, **ERRORS}, summary=summary)


def _aware(value: dt.datetime) -> dt.datetime:
    """Times without an offset are Asia/Shanghai wall-clock times."""
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def facility_out(f: Facility) -> dict:
    return {
        "id": f.pk,
        "kind": f.kind,
        "kind_label": f.get_kind_display(),
        "core": f.is_core,
        "name": f.name,
        "description": f.description,
        "capacity": f.capacity,
        "opens_at": f.opens_at,
        "closes_at": f.closes_at,
        "open_weekdays": f.open_weekdays,
        "bookable": f.bookable,
    }


def slot_out(s: Slot) -> dict:
    return {
        "id": s.pk,
        "complex": s.complex.point.code,
        "facility_id": s.facility_id,
        "facility": s.facility.name,
        "kind": s.kind,
        "title": s.title,
        "starts_at": s.starts_at,
        "ends_at": s.ends_at,
        "capacity": s.capacity,
        "booked": s.booked,
        "places_left": s.places_left,
        "status": s.status,
        "status_label": s.get_status_display(),
    }


def decision_out(d: Decision) -> dict:
    return {
        "id": d.pk,
        "topic_id": d.topic_id,
        "topic": d.topic.title,
        "text": d.text,
        "owner_name": d.owner_name,
        "due_date": d.due_date,
        "state": d.state,
        "state_label": d.get_state_display(),
        "overdue": d.state != S.DecisionState.DONE and d.due_date < timezone.localdate(),
        "updates": [{"at": u.at, "state": u.state, "note": u.note} for u in d.updates.all()],
    }


def complex_out(c) -> dict:
    return {
        "code": c.point.code,
        "name": c.point.name,
        "street": c.point.parent.name if c.point.parent_id else "",
        "address": c.point.address,
        "phone": c.point.phone,
        "url": f"/community/{c.point.code}/",
    }


def booking_out(b: Booking) -> dict:
    return {
        "id": b.pk,
        "slot": slot_out(b.slot),
        "status": b.status,
        "status_label": b.get_status_display(),
        "waiting_position": sel.waiting_position(booking=b),
        "created_at": b.created_at,
    }


def topic_out(t: Topic, user) -> dict:
    return {
        "id": t.pk,
        "complex": t.complex.point.code,
        "title": t.title,
        "body": t.body,
        "raiser_kind": t.raiser_kind,
        "raiser_kind_label": t.get_raiser_kind_display(),
        "raiser_organisation": t.raiser_organisation,
        "state": t.state,
        "state_label": t.get_state_display(),
        "support_count": t.support_count,
        "supported": sel.has_supported(user=user, topic=t),
        "meeting_id": t.meeting_id,
        "created_at": t.created_at,
        "decisions": [decision_out(d) for d in t.decisions.prefetch_related("updates")],
    }


def meeting_out(m: Meeting) -> dict:
    return {
        "id": m.pk,
        "complex": m.complex.point.code,
        "title": m.title,
        "starts_at": m.starts_at,
        "place": m.place,
        "state": m.state,
        "state_label": m.get_state_display(),
        "minutes": m.minutes,
    }


# --------------------------------------------------------------------------- complexes


@_read("/community/complexes", list[ComplexOut], "Community complexes of a district")
def list_complexes(request, district: str | None = None):
    if district and not sel.valid_code(district):
        raise NotFound(_("没有找到这个区县。"), code="district_not_found")
    d = catalogue_selectors.district_get(code=district or None)
    return [complex_out(c) for c in sel.complexes_list(district=d)]


@_read(
    "/community/complexes/{code}",
    ComplexDetailOut,
    "A complex: its 3+X, the next two weeks' slots, decisions being followed up",
)
def get_complex(request, code: str):
    c = sel.complex_get(code=code)
    return {
        **complex_out(c),
        "intro": c.intro,
        "support_threshold": c.support_threshold,
        "facilities": [facility_out(f) for f in sel.facilities_of(complex=c)],
        "slots": [
            slot_out(s) for s in sel.slots_upcoming(complex=c).select_related("complex__point")
        ],
        "followups": [decision_out(d) for d in sel.decisions_followed(complex=c)],
    }


@_write(
    "/community/complexes/{code}/slots",
    SlotOut,
    "Publish a slot (staff of this complex)",
    status=201,
)
def create_slot(request, code: str, payload: SlotIn):
    c = sel.complex_get(code=code, published_only=False)
    facility = c.facilities.filter(pk=payload.facility_id).first()
    if facility is None:
        raise NotFound(_("请选择本综合体的功能空间。"), code="facility_not_found")
    slot = services.slot_create(
        actor=request.user,
        facility=facility,
        kind=payload.kind,
        title=payload.title,
        description=payload.description,
        starts_at=_aware(payload.starts_at),
        ends_at=_aware(payload.ends_at),
        capacity=payload.capacity,
    )
    return Status(201, slot_out(slot))


@_write("/community/slots/{slot_id}/actions", SlotOut, "close / reopen / cancel a slot (staff)")
def slot_action(request, slot_id: int, payload: SlotActionIn):
    slot = sel.slot_get(slot_id=slot_id)
    slot = services.slot_transition(
        slot=slot, action=payload.action, actor=request.user, note=payload.note
    )
    return slot_out(slot)


# --------------------------------------------------------------------------- bookings


@_write(
    "/community/bookings",
    BookingOut,
    "Book a place (or join the waiting list with waitlist=true)",
    status=201,
)
def create_booking(request, payload: BookingIn):
    slot = sel.slot_get(slot_id=payload.slot_id)
    booking = services.booking_create(user=request.user, slot=slot, waitlist=payload.waitlist)
    booking.slot.refresh_from_db(fields=["booked"])
    return Status(201, booking_out(booking))


@_read("/community/bookings", list[BookingOut], "My bookings", auth=staff_auth)
def my_bookings(request):
    return [booking_out(b) for b in sel.bookings_of(user=request.user)[:200]]


@_write(
    "/community/bookings/{booking_id}/cancel",
    BookingOut,
    "Cancel a booking (its holder or the complex's staff)",
)
def cancel_booking(request, booking_id: int):
    booking = sel.booking_get_for_user(user=request.user, booking_id=booking_id)
    booking = services.booking_cancel(booking=booking, actor=request.user)
    booking.slot.refresh_from_db(fields=["booked"])
    return booking_out(booking)


# --------------------------------------------------------------------------- workshop


@_read(
    "/community/complexes/{code}/topics",
    list[TopicOut],
    "Topics of a complex's workshop, most supported first",
)
def list_topics(
    request,
    code: str,
    state: Literal[tuple(S.TopicState.values)] | None = None,  # type: ignore[valid-type]
):
    c = sel.complex_get(code=code)
    qs = sel.topics_public(complex=c).select_related("complex__point")
    if state:
        qs = qs.filter(state=state)
    return [topic_out(t, request.user) for t in qs[:200]]


@_write("/community/complexes/{code}/topics", TopicOut, "Raise a topic", status=201)
def raise_topic(request, code: str, payload: TopicIn):
    c = sel.complex_get(code=code)
    topic = services.topic_raise(
        complex=c, actor=request.user, title=payload.title, body=payload.body
    )
    return Status(201, topic_out(topic, request.user))


@_read("/community/topics/{topic_id}", TopicOut, "One topic with its decisions")
def get_topic(request, topic_id: int):
    return topic_out(sel.topic_get(topic_id=topic_id), request.user)


@_write("/community/topics/{topic_id}/support", TopicOut, "Support a topic (once per person)")
def support_topic(request, topic_id: int):
    topic = services.topic_support(topic=sel.topic_get(topic_id=topic_id), actor=request.user)
    return topic_out(topic, request.user)


@_write(
    "/community/topics/{topic_id}/actions",
    TopicOut,
    "to_agenda / schedule / unschedule / decide / decline / withdraw",
)
def topic_action(request, topic_id: int, payload: TopicActionIn):
    topic = sel.topic_get(topic_id=topic_id)
    meeting = (
        sel.meeting_get(meeting_id=payload.meeting_id, complex=topic.complex)
        if payload.meeting_id
        else None
    )
    topic = services.topic_transition(
        topic=topic,
        action=payload.action,
        actor=request.user,
        note=payload.note,
        meeting=meeting,
        text=payload.text,
        owner_name=payload.owner_name,
        due_date=payload.due_date,
    )
    return topic_out(topic, request.user)


@_write(
    "/community/complexes/{code}/meetings",
    MeetingOut,
    "Schedule a workshop meeting (staff)",
    status=201,
)
def schedule_meeting(request, code: str, payload: MeetingIn):
    c = sel.complex_get(code=code, published_only=False)
    meeting = services.meeting_schedule(
        complex=c,
        actor=request.user,
        title=payload.title,
        starts_at=_aware(payload.starts_at),
        place=payload.place,
    )
    return Status(201, meeting_out(meeting))


@_write(
    "/community/meetings/{meeting_id}/actions",
    MeetingOut,
    "hold (with minutes) / cancel a meeting (staff)",
)
def meeting_action(request, meeting_id: int, payload: MeetingActionIn):
    meeting = services.meeting_transition(
        meeting=sel.meeting_get(meeting_id=meeting_id),
        action=payload.action,
        actor=request.user,
        minutes=payload.minutes,
        note=payload.note,
    )
    return meeting_out(meeting)


@_write(
    "/community/decisions/{decision_id}/actions",
    DecisionOut,
    "start / progress / finish a decision (staff or its owner)",
)
def decision_action(request, decision_id: int, payload: DecisionActionIn):
    decision = services.decision_transition(
        decision=sel.decision_get(decision_id=decision_id),
        action=payload.action,
        actor=request.user,
        note=payload.note,
    )
    return decision_out(decision)
