"""Calling and serving at a window: the ORM path of every window action, transfer, walk-out
and the end-of-day sweep."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Protocol

from django.db import connection, transaction
from django.db.models import Case, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.access import require_role
from onetrip.clock import local_today
from onetrip.errors import Conflict, Forbidden, NotFound, ValidationFailed
from onetrip.queueing.contract import ONE_STATEMENT_ACTIONS, orm_updates
from onetrip.queueing.models import (
    LIVE_STATUSES,
    Queue,
    Ticket,
    TicketStatus,
    Window,
    WindowQueue,
)
from onetrip.queueing.selectors import (
    staff_can_manage_point,
)
from onetrip.queueing.services._common import (
    _attach,
    _check_transition,
    _check_window_operator,
    _check_window_staff,
    _event,
    _fast_path,
    _lock_window,
)
from onetrip.queueing.services.one_statement import (
    _act_in_one_statement,
    _call_next_in_one_statement,
)
from onetrip.queueing.signals import ticket_called
from onetrip.queueing.transitions import WINDOW_ROLES

if TYPE_CHECKING:
    from onetrip.people.models import User


def _next_waiting_id(window: Window, now: dt.datetime) -> int | None:
    """The ticket this window should call next (``CALL_ORDER``; the one-statement path
    orders the same way): green-channel tickets first, then checked-in appointments whose slot
    has begun (ahead of walk-ins), each in the window's queue order, oldest first; then the
    window's queues in their order, oldest first.

    Each probe is an ``ORDER BY … LIMIT 1`` that the (queue, status, priority, sort_at) index
    answers without sorting the whole waiting list, so a long queue does not slow calling down.
    On PostgreSQL every probe skips tickets another window has locked this instant.
    """
    day = local_today(now)
    waiting = Ticket.objects.filter(status=TicketStatus.WAITING, day=day, sort_at__lte=now)
    if connection.features.has_select_for_update_skip_locked:
        waiting = waiting.select_for_update(skip_locked=True, of=("self",))
    found = (
        waiting.filter(queue__window_queues__window=window, priority=True)
        .order_by(
            Case(When(slot_start__isnull=True, then=Value(1)), default=Value(0)),  # booked 1st
            "queue__window_queues__position",
            "sort_at",
            "id",
        )
        .values_list("id", flat=True)
        .first()
    )
    if found is not None:
        return found
    # checked-in appointments (few: the partial index ticket_booked_waiting holds them)
    found = (
        waiting.filter(
            queue__window_queues__window=window, priority=False, slot_start__isnull=False
        )
        .order_by("queue__window_queues__position", "sort_at", "id")
        .values_list("id", flat=True)
        .first()
    )
    if found is not None:
        return found
    groups: dict[int, list[int]] = {}
    for queue_id, position in window.window_queues.order_by("position", "id").values_list(
        "queue_id", "position"
    ):
        groups.setdefault(position, []).append(queue_id)
    for queue_ids in groups.values():  # queues sharing a position are served oldest first
        found = (
            waiting.filter(queue_id__in=queue_ids, priority=False)
            .order_by("sort_at", "id")
            .values_list("id", flat=True)
            .first()
        )
        if found is not None:
            return found
    return None


def _has_current(window: Window) -> bool:
    return Ticket.objects.filter(
        window=window, status__in=[TicketStatus.CALLED, TicketStatus.SERVING]
    ).exists()


def _current(window: Window) -> Ticket | None:
    current = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("queue")
        .filter(window=window, status__in=[TicketStatus.CALLED, TicketStatus.SERVING])
        .order_by("-called_at")
        .first()
    )
    if current is not None:
        _attach(current, window)
    return current


def _claim(*, ticket_id: int, window: Window, user: User, now: dt.datetime) -> Ticket | None:
    """The final guard: the ticket becomes ours only if it is still waiting (one UPDATE)."""
    updated = Ticket.objects.filter(pk=ticket_id, status=TicketStatus.WAITING).update(
        status=TicketStatus.CALLED, **orm_updates("call", now=now, user=user, window=window)
    )
    if updated != 1:
        return None
    ticket = Ticket.objects.select_related("queue").get(pk=ticket_id)
    _attach(ticket, window)
    return ticket


def _record_call(
    ticket: Ticket, *, window: Window, user: User, now: dt.datetime, note: str = ""
) -> None:
    """What follows a claimed call on the ORM path: the audit event and ``ticket_called``."""
    _event(ticket, "call", TicketStatus.WAITING, at=now, actor=user, window=window, note=note)
    ticket_called.send(sender=Ticket, ticket=ticket, window=window, user=user, at=now)


def ticket_call_next(*, window: Window, user: User, now: dt.datetime | None = None) -> Ticket:
    """Call the next waiting ticket for this window: green-channel tickets first, then the
    window's queues in their order, oldest first. Never hands one ticket to two windows.

    On PostgreSQL outside a caller's transaction one statement does it all; when it calls
    nobody (window closed or taken, a ticket still at the window, nobody waiting) the ORM path
    below runs the same checks again and says which."""
    _check_window_staff(window=window, user=user)
    now = now or timezone.now()
    if _fast_path():
        ticket = _call_next_in_one_statement(window=window, user=user, now=now)
        if ticket is not None:
            return ticket
    with transaction.atomic():
        return _call_next_locked(window=window, user=user, now=now)


def _call_next_locked(*, window: Window, user: User, now: dt.datetime) -> Ticket:
    window = _lock_window(window)
    _check_window_operator(window=window, user=user)
    if _has_current(window):  # the window row lock keeps this true until we commit
        raise Conflict(
            _("当前号码尚未处理完毕（开始办理、过号或退回后再叫下一位）。"), code="window_busy"
        )
    for _attempt in range(5):
        ticket_id = _next_waiting_id(window, now)
        if ticket_id is None:
            break
        ticket = _claim(ticket_id=ticket_id, window=window, user=user, now=now)
        if ticket is not None:
            _record_call(ticket, window=window, user=user, now=now)
            return ticket
    raise NotFound(_("当前没有等候的号码。"), code="queue_empty")


def _ticket_at_window(*, window: Window, ticket: Ticket | None) -> Ticket:
    if ticket is None:
        current = _current(window)
        if current is None:
            raise Conflict(_("该窗口当前没有号码。"), code="no_current_ticket")
        return current
    locked = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("queue")
        .filter(pk=ticket.pk)
        .first()
    )
    if locked is None or locked.point_id != window.point_id:
        raise NotFound(_("未找到该号码。"), code="ticket_not_found")
    _attach(locked, window)
    return locked


@transaction.atomic
def ticket_call(
    *, window: Window, ticket: Ticket, user: User, now: dt.datetime | None = None
) -> Ticket:
    """Call a chosen waiting ticket out of order (it must be one this window serves)."""
    _check_window_staff(window=window, user=user)
    window = _lock_window(window)
    _check_window_operator(window=window, user=user)
    if _has_current(window):
        raise Conflict(_("当前号码尚未处理完毕。"), code="window_busy")
    if ticket.point_id != window.point_id:
        raise NotFound(_("未找到该号码。"), code="ticket_not_found")
    if not WindowQueue.objects.filter(window=window, queue_id=ticket.queue_id).exists():
        raise ValidationFailed(_("该号码不属于本窗口服务的队列。"), code="queue_not_served")
    fresh = Ticket.objects.get(pk=ticket.pk)
    _check_transition(fresh, "call")
    now = now or timezone.now()
    claimed = _claim(ticket_id=ticket.pk, window=window, user=user, now=now)
    if claimed is None:
        raise Conflict(_("该号码已被其他窗口叫走。"), code="already_called")
    _record_call(claimed, window=window, user=user, now=now, note="out of order")
    return claimed


def _window_action(
    *,
    action: str,
    window: Window,
    user: User,
    ticket: Ticket | None = None,
    now: dt.datetime | None = None,
    note: str = "",
    need_open: bool = True,
) -> Ticket:
    _check_window_staff(window=window, user=user)
    now = now or timezone.now()
    if ticket is None and need_open and action in ONE_STATEMENT_ACTIONS and _fast_path():
        done = _act_in_one_statement(action=action, window=window, user=user, now=now, note=note)
        if done is not None:
            return done
    with transaction.atomic():
        return _act_locked(
            action=action,
            window=window,
            user=user,
            ticket=ticket,
            now=now,
            note=note,
            need_open=need_open,
        )


def _act_locked(
    *,
    action: str,
    window: Window,
    user: User,
    ticket: Ticket | None,
    now: dt.datetime,
    note: str,
    need_open: bool,
) -> Ticket:
    window = _lock_window(window)
    if need_open:
        _check_window_operator(window=window, user=user)
    t = _ticket_at_window(window=window, ticket=ticket)
    if t.window_id not in (None, window.pk) and t.status != TicketStatus.WAITING:
        raise Conflict(_("该号码正由其他窗口处理。"), code="ticket_at_other_window")
    target = _check_transition(t, action)
    before = t.status
    fields = {"status": target, **orm_updates(action, now=now, user=user, window=window)}
    for key, value in fields.items():
        setattr(t, key, value)
    t.save(update_fields=list(fields))
    computed = [k for k, v in fields.items() if hasattr(v, "resolve_expression")]
    if computed:
        t.refresh_from_db(fields=computed)
    _event(t, action, before, at=now, actor=user, window=window, note=note)
    return t


class _CurrentTicketAction(Protocol):
    def __call__(
        self,
        *,
        window: Window,
        user: User,
        ticket: Ticket | None = None,
        now: dt.datetime | None = None,
        note: str = "",
    ) -> Ticket: ...


def _current_ticket_action(
    action: str, doc: str, *, need_open: bool = True
) -> _CurrentTicketAction:
    """The public service of a window action on the ticket at the window (or a chosen one):
    the seven such actions differ only by name (and whether the window must be open), so one
    definition serves them all (``_CurrentTicketAction``'s arguments)."""

    def act(**arguments: Any) -> Ticket:
        return _window_action(action=action, need_open=need_open, **arguments)

    act.__name__ = act.__qualname__ = f"ticket_{action}"
    act.__doc__ = doc
    return act


ticket_recall = _current_ticket_action(
    "recall", "Call the current ticket again (the board chimes and reads it out once more)."
)
ticket_no_show = _current_ticket_action(
    "no_show", "Called but absent (过号) — distinct from walking out before being called."
)
ticket_return = _current_ticket_action(
    "return", "Put a called ticket back in its queue (keeps its place: the original order time)."
)
ticket_start = _current_ticket_action("start", "Begin serving the ticket at the window.")
ticket_finish = _current_ticket_action("finish", "Serving the ticket at the window is done.")
ticket_park = _current_ticket_action(
    "park", "Park a ticket while the applicant fills in a form (typically at window zero)."
)
ticket_resume = _current_ticket_action(
    "resume",
    "A parked ticket goes back to waiting with its original place in the queue.",
    need_open=False,
)


@transaction.atomic
def ticket_transfer(
    *,
    window: Window,
    user: User,
    to_queue: Queue,
    ticket: Ticket | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """Move a ticket to another queue of the same point, keeping its number and issue time."""
    _check_window_staff(window=window, user=user)
    if to_queue.point_id != window.point_id:
        raise ValidationFailed(_("只能转到本网点的队列。"), code="queue_out_of_scope")
    locked = _lock_window(window)
    t = _ticket_at_window(window=locked, ticket=ticket)
    if t.queue_id == to_queue.pk:
        raise ValidationFailed(_("号码已在该队列中。"), code="same_queue")
    if t.window_id not in (None, locked.pk) and t.status != TicketStatus.WAITING:
        raise Conflict(_("该号码正由其他窗口处理。"), code="ticket_at_other_window")
    target = _check_transition(t, "transfer")
    if (
        t.applicant_phone
        and Ticket.objects.filter(
            queue=to_queue, day=t.day, applicant_phone=t.applicant_phone, status__in=LIVE_STATUSES
        ).exists()
    ):
        raise Conflict(_("该办事人在目标队列已有号码。"), code="duplicate_live_ticket")
    now = now or timezone.now()
    before, from_queue = t.status, t.queue
    t.transferred_from = from_queue
    t.queue = to_queue
    t.status = target
    t.window = None
    t.save(update_fields=["transferred_from", "queue", "status", "window"])
    _event(
        t,
        "transfer",
        before,
        at=now,
        actor=user,
        window=locked,
        note=note or f"{from_queue.code} → {to_queue.code}",
        data={"from_queue": from_queue.code, "to_queue": to_queue.code},
    )
    return t


@transaction.atomic
def ticket_walk_out(
    *, ticket: Ticket, actor: User | None = None, note: str = "", now: dt.datetime | None = None
) -> Ticket:
    """The applicant left before being called (or the day ended): not a no-show."""
    locked = (
        Ticket.objects.select_for_update(of=("self",)).select_related("point").get(pk=ticket.pk)
    )
    if actor is not None:
        require_role(actor, *WINDOW_ROLES)
        if not staff_can_manage_point(user=actor, point=locked.point):
            raise Forbidden(_("无权操作该网点的号码。"))
    target = _check_transition(locked, "walk_out")
    now = now or timezone.now()
    before = locked.status
    locked.status, locked.walked_out_at, locked.window = target, now, None
    locked.save(update_fields=["status", "walked_out_at", "window"])
    _event(locked, "walk_out", before, at=now, actor=actor, note=note)
    return locked


def tickets_close_day(*, before_day: dt.date, now: dt.datetime | None = None) -> int:
    """End-of-day sweep: tickets of earlier days still waiting or parked become walk-outs,
    called ones become no-shows; served ones are finished. Returns how many were closed."""
    now = now or timezone.now()
    closed = 0
    stale = Ticket.objects.filter(day__lt=before_day, status__in=LIVE_STATUSES).values_list(
        "pk", "status"
    )
    for pk, status in list(stale):
        with transaction.atomic():
            t = Ticket.objects.select_for_update(of=("self",)).select_related("point").get(pk=pk)
            if t.status != status:
                continue
            if status in (TicketStatus.WAITING, TicketStatus.PARKED):
                t.status, t.walked_out_at, action = TicketStatus.WALKED_OUT, now, "walk_out"
            elif status == TicketStatus.CALLED:
                t.status, t.no_show_at, action = TicketStatus.NO_SHOW, now, "no_show"
            else:
                t.status, t.finished_at, action = TicketStatus.DONE, now, "finish"
            t.save(update_fields=["status", "walked_out_at", "no_show_at", "finished_at"])
            _event(t, action, status, at=now, note="day closed")
            closed += 1
    return closed
