"""Queueing API: issue tickets (public kiosk or token), window actions (staff), hall board."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from onetrip.access import signed_in
from onetrip.apischema import Bool, Id, InSchema, Moment, one_of_required
from onetrip.auth import optional_auth, staff_auth
from onetrip.catalogue.models import ServicePoint
from onetrip.errors import ErrorOut, Forbidden, NotFound, ValidationFailed
from onetrip.phones import MOBILE_INPUT
from onetrip.queueing import selectors, services
from onetrip.queueing.models import Queue, Ticket, TicketChannel, Window
from onetrip.roles import Role
from onetrip.throttles import ClientThrottle, throttle_phone

router = Router(tags=["queueing"])


def _user(request) -> Any:
    auth = getattr(request, "auth", None)
    if hasattr(auth, "username"):
        return auth
    return request.user


def _point(code: str) -> ServicePoint:
    point = ServicePoint.objects.filter(code=code, is_active=True).first()
    if point is None:
        raise NotFound(_("未找到该服务网点。"), code="point_not_found")
    return point


def _window(window_id: int, *, cached: bool = False) -> Window:
    """The window with its point. ``cached``: for actions that check the window's state in
    their own statement (see ``selectors.window_with_point_cached``)."""
    if cached:
        window = selectors.window_with_point_cached(window_id=window_id)
    else:
        window = Window.objects.select_related("point").filter(pk=window_id).first()
    if window is None:
        raise NotFound(_("未找到该窗口。"), code="window_not_found")
    return window


def _ticket_in_point(ticket_id: int | None, window: Window) -> Ticket | None:
    if ticket_id is None:
        return None
    ticket = Ticket.objects.filter(pk=ticket_id, point_id=window.point_id).first()
    if ticket is None:
        raise NotFound(_("未找到该号码。"), code="ticket_not_found")
    return ticket


def _window_and_ticket(
    window_id: int, ticket_id: int | None, *, cached: bool = False
) -> tuple[Window, Ticket | None]:
    """The window of a window action and the ticket its payload names (if any) at its point."""
    window = _window(window_id, cached=cached)
    return window, _ticket_in_point(ticket_id, window)


class TicketIn(InSchema):
    """The queue by id, or by point and queue code."""

    model_config = one_of_required(["queue_id"], ["point", "queue"], exclusive=False)

    queue_id: Id = None  # type: ignore[assignment]
    point: str = Field(None, min_length=1)  # type: ignore[assignment]
    queue: str = Field(None, min_length=1)  # type: ignore[assignment]
    phone: str = Field(
        "", pattern=rf"^(?:{MOBILE_INPUT})?$", description="a mobile number, or empty for none"
    )
    priority: Bool = False
    slot_start: Moment | None = Field(None, description="an appointment slot not yet past")


class TicketOut(Schema):
    id: int
    number: str
    token: str
    status: str
    status_label: str
    queue: str
    queue_code: str
    point: str
    point_code: str
    day: str
    issued_at: dt.datetime
    slot_start: dt.datetime | None
    ahead: int = Field(description="people ahead, counted up to 200 (see ahead_capped)")
    ahead_capped: bool = Field(False, description="true: 200 or more people are ahead")
    estimated_wait_minutes: int | None
    window: str | None
    called_at: dt.datetime | None
    status_url: str


class StaffTicketOut(Schema):
    id: int
    number: str
    queue: str
    status: str
    priority: bool
    issued_at: dt.datetime
    slot_start: dt.datetime | None
    called_at: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    window: str | None
    phone: str


class TicketActionIn(InSchema):
    ticket: Id | None = None
    note: str = ""


class CallIn(InSchema):
    ticket: Id
    note: str = ""


class TransferIn(InSchema):
    """The target queue by id (``queue``) or by code (``queue_code``)."""

    model_config = one_of_required(["queue"], ["queue_code"], exclusive=False)

    ticket: Id | None = None
    queue: Id = None  # type: ignore[assignment]
    queue_code: str = Field(None, min_length=1)  # type: ignore[assignment]
    note: str = ""


class FinishIn(InSchema):
    ticket: Id | None = None
    open_case: Bool = False


class WindowOut(Schema):
    id: int
    number: str
    kind: str
    is_open: bool
    clerk: str | None
    current: StaffTicketOut | None
    waiting: list[StaffTicketOut]


class ActionOut(Schema):
    ticket: StaffTicketOut
    case_url: str | None = None


class BoardCall(Schema):
    key: str
    number: str
    window: str | None
    status: str
    called_at: dt.datetime


class BoardOut(Schema):
    point: str
    name: str
    now: dt.datetime
    calls: list[BoardCall]
    waiting: dict[str, int]


class QueueSummaryOut(Schema):
    id: int
    code: str
    name: str
    applicant_type: str
    is_open: bool
    waiting: int
    estimated_wait_minutes: int | None


def _public(ticket: Ticket) -> dict[str, Any]:
    data = selectors.ticket_public_status(ticket=ticket)
    data["id"] = ticket.pk
    data["token"] = ticket.token
    data["status_url"] = f"/q/{ticket.token}/"
    return data


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
#: the ticket operation also answers 429 (onetrip.throttles: per client and per phone number)
TICKET_ERRORS = {**ERRORS, 429: ErrorOut}


def _staff_action(path: str, summary: str, operation_id: str | None = None):
    """The route of a staff action on a ticket (or at a window): POST, staff token, the
    ticket's row (``ActionOut``) or a refusal."""
    return router.post(
        path,
        response={200: ActionOut, **ERRORS},
        auth=staff_auth,
        summary=summary,
        operation_id=operation_id,
    )


@router.post(
    "/tickets",
    response={201: TicketOut, **TICKET_ERRORS},
    auth=optional_auth,
    throttle=[ClientThrottle("ticket")],
    summary="Take a ticket (kiosk, window-zero guide or online appointment)",
)
def ticket_create(request, payload: TicketIn):
    throttle_phone(scope="ticket", phone=payload.phone or "")
    if payload.queue_id is not None:
        queue = selectors.queue_with_point_cached(queue_id=payload.queue_id)
    elif payload.point and payload.queue:
        queue = (
            Queue.objects.select_related("point")
            .filter(point__code=payload.point, code=payload.queue.upper())
            .first()
        )
    else:
        raise ValidationFailed(_("请指定队列。"), code="queue_required")
    if queue is None:
        raise NotFound(_("未找到该队列。"), code="queue_not_found")
    user = _user(request)
    channel = TicketChannel.KIOSK
    if signed_in(user) is not None:
        channel = TicketChannel.API
        if user.has_role(Role.GUIDE, Role.CLERK, Role.MANAGER) and selectors.staff_can_manage_point(
            user=user, point=queue.point
        ):
            channel = TicketChannel.GUIDE
    if payload.priority and channel != TicketChannel.GUIDE:
        raise Forbidden(_("绿色通道号码请到0号窗口由导办员出号。"), code="priority_needs_guide")
    ticket = services.ticket_issue(
        queue=queue,
        phone=payload.phone,
        channel=channel,
        priority=payload.priority,
        slot_start=payload.slot_start,
        actor=signed_in(user),
    )
    return Status(201, _public(ticket))


@router.get(
    "/tickets/{ticket_id}",
    response={200: TicketOut, **ERRORS},
    auth=optional_auth,
    summary="A ticket: staff of its point, or anyone holding its token (?token=…)",
)
def ticket_get(request, ticket_id: int, token: str = ""):
    ticket = Ticket.objects.select_related("queue", "point", "window").filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound(_("未找到该号码。"), code="ticket_not_found")
    user = _user(request)
    if token:
        import secrets

        if not secrets.compare_digest(token.encode(), ticket.token.encode()):
            raise NotFound(_("未找到该号码。"), code="ticket_not_found")
    elif not (
        getattr(user, "is_authenticated", False)
        and user.has_role(Role.GUIDE, Role.CLERK, Role.MANAGER)
        and selectors.staff_can_manage_point(user=user, point=ticket.point)
    ):
        raise NotFound(_("未找到该号码。"), code="ticket_not_found")
    return _public(ticket)


@_staff_action("/tickets/{ticket_id}/walk-out", "The applicant left before being called")
def ticket_walk_out(request, ticket_id: int):
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound(_("未找到该号码。"), code="ticket_not_found")
    t = services.ticket_walk_out(ticket=ticket, actor=_user(request))
    return {"ticket": _staff_row(t)}


def _staff_row(ticket: Ticket) -> dict[str, Any]:
    return selectors.ticket_row(ticket)


@router.get(
    "/windows/{window_id}",
    response={200: WindowOut, **ERRORS},
    auth=staff_auth,
    summary="A window: its current ticket and waiting list",
)
def window_get(request, window_id: int):
    window = _window(window_id)
    user = _user(request)
    if not selectors.staff_can_manage_point(user=user, point=window.point):
        raise Forbidden(_("该窗口不属于您所在的网点。"), code="window_out_of_scope")
    current = selectors.window_current(window=window)
    return {
        "id": window.pk,
        "number": window.number,
        "kind": window.kind,
        "is_open": window.is_open,
        "clerk": str(window.clerk) if window.clerk_id else None,
        "current": _staff_row(current) if current else None,
        "waiting": [_staff_row(t) for t in selectors.window_waiting_list(window=window)],
    }


def _action_response(ticket: Ticket, case_url: str | None = None):
    return {"ticket": _staff_row(ticket), "case_url": case_url}


@router.post("/windows/{window_id}/open", response={200: WindowOut, **ERRORS}, auth=staff_auth)
def window_open(request, window_id: int):
    services.window_open(window=_window(window_id), user=_user(request))
    return window_get(request, window_id)


@router.post("/windows/{window_id}/close", response={200: WindowOut, **ERRORS}, auth=staff_auth)
def window_close(request, window_id: int):
    services.window_close(window=_window(window_id), user=_user(request))
    return window_get(request, window_id)


@_staff_action("/windows/{window_id}/call-next", "Call the next ticket for this window")
def window_call_next(request, window_id: int):
    ticket = services.ticket_call_next(window=_window(window_id, cached=True), user=_user(request))
    return _action_response(ticket)


@_staff_action("/windows/{window_id}/call", "Call a chosen ticket out of order")
def window_call(request, window_id: int, payload: CallIn):
    window, ticket = _window_and_ticket(window_id, payload.ticket)
    if ticket is None:
        raise ValidationFailed(_("请指定号码。"), code="ticket_required")
    return _action_response(services.ticket_call(window=window, ticket=ticket, user=_user(request)))


def _simple(action):
    def endpoint(request, window_id: int, payload: TicketActionIn | None = None):
        payload = payload or TicketActionIn()
        window, ticket = _window_and_ticket(
            window_id, payload.ticket, cached=payload.ticket is None
        )
        kwargs: dict[str, Any] = {"window": window, "user": _user(request), "ticket": ticket}
        if action is services.ticket_park:
            kwargs["note"] = payload.note
        return _action_response(action(**kwargs))

    return endpoint


#: the simple window actions: (path, service, summary)
_SIMPLE: list[tuple[str, Callable[..., Ticket], str]] = [
    ("recall", services.ticket_recall, "Call the current ticket again"),
    ("no-show", services.ticket_no_show, "Called but absent"),
    ("return", services.ticket_return, "Put the called ticket back in its queue"),
    ("start", services.ticket_start, "Start serving the called ticket"),
    ("park", services.ticket_park, "Park a ticket while the applicant fills in a form"),
    ("resume", services.ticket_resume, "Put a parked ticket back in its queue"),
]
for _path, _fn, _summary in _SIMPLE:
    _staff_action(
        f"/windows/{{window_id}}/{_path}",
        _summary,
        operation_id=f"window_{_path.replace('-', '_')}",
    )(_simple(_fn))


@_staff_action(
    "/windows/{window_id}/transfer",
    "Transfer a ticket to another queue of the point (keeps its issue time)",
)
def window_transfer(request, window_id: int, payload: TransferIn):
    window, ticket = _window_and_ticket(window_id, payload.ticket)
    qs = Queue.objects.filter(point_id=window.point_id)
    if payload.queue is not None:
        to_queue = qs.filter(pk=payload.queue).first()
    elif payload.queue_code:
        to_queue = qs.filter(code=payload.queue_code.upper()).first()
    else:
        raise ValidationFailed(_("请指定目标队列。"), code="queue_required")
    if to_queue is None:
        raise NotFound(_("未找到该队列。"), code="queue_not_found")
    t = services.ticket_transfer(
        window=window, user=_user(request), to_queue=to_queue, ticket=ticket, note=payload.note
    )
    return _action_response(t)


@_staff_action(
    "/windows/{window_id}/finish",
    "End service; with open_case the answer links to a new case for this ticket",
)
def window_finish(request, window_id: int, payload: FinishIn | None = None):
    payload = payload or FinishIn()
    window, ticket = _window_and_ticket(window_id, payload.ticket, cached=payload.ticket is None)
    t = services.ticket_finish(window=window, user=_user(request), ticket=ticket)
    return _action_response(t, f"/cases/new/?ticket={t.pk}" if payload.open_case else None)


@router.get(
    "/points/{code}/board",
    response={200: BoardOut, **ERRORS},
    summary="Hall board: latest calls and waiting counts (public, no personal data)",
)
def point_board(request, code: str):
    return selectors.board_data(point=_point(code))


@router.get(
    "/points/{code}/queues",
    response={200: list[QueueSummaryOut], **ERRORS},
    summary="Queues of a point with waiting counts and estimated waits",
)
def point_queues(request, code: str):
    return selectors.queue_summaries(point=_point(code))
