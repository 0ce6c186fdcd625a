"""Checks, locks and the ORM event writer shared by the queueing services."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.utils.translation import gettext as _

from onetrip.access import require_role, signed_in
from onetrip.audit.services import audit_record
from onetrip.catalogue.models import ServicePoint
from onetrip.errors import Conflict, DomainError, Forbidden
from onetrip.queueing.models import (
    Queue,
    Ticket,
    TicketEvent,
    TicketStatus,
    Window,
)
from onetrip.queueing.selectors import (
    staff_can_manage_point,
)
from onetrip.queueing.transitions import TRANSITIONS, WINDOW_ROLES
from onetrip.roles import Role

if TYPE_CHECKING:
    from onetrip.people.models import User


class TransitionRefused(DomainError):
    status = 409
    code = "illegal_transition"


def _check_window_staff(*, window: Window, user: User) -> None:
    require_role(user, *WINDOW_ROLES)
    if not staff_can_manage_point(user=user, point=window.point):
        raise Forbidden(_("该窗口不属于您所在的网点。"), code="window_out_of_scope")


def _lock_window(window: Window) -> Window:
    # ``of=self``: lock the window row only. Without it PostgreSQL also locks the joined
    # service point row, and every window of a hall would queue behind one another.
    return Window.objects.select_for_update(of=("self",)).select_related("point").get(pk=window.pk)


def _check_window_operator(*, window: Window, user: User) -> None:
    """The window must be open, and operated by the clerk who opened it (or a manager)."""
    if not window.is_open:
        raise Conflict(_("窗口尚未开窗，请先签到开窗。"), code="window_closed")
    if window.clerk_id != user.pk and not user.has_role(Role.MANAGER):
        raise Forbidden(_("该窗口已由其他人员签到。"), code="window_taken")


def _event(
    ticket: Ticket,
    action: str,
    from_status: str,
    *,
    at: dt.datetime,
    actor: User | None = None,
    window: Window | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """The ticket's event and its audit row: ``action`` took it from ``from_status`` to the
    status it has now."""
    to_status = ticket.status
    actor = signed_in(actor)
    TicketEvent.objects.create(
        ticket=ticket,
        at=at,
        action=action,
        from_status=from_status,
        to_status=to_status,
        window=window,
        actor=actor,
        note=note[:200],
    )
    point: ServicePoint | None
    if window is not None and window.point_id == ticket.point_id and Window.point.is_cached(window):
        point = window.point  # the same row, already loaded with the window: no query
    else:
        point = ticket.point if ticket.point_id else None
    audit_record(
        ticket,
        action,
        actor=actor,
        from_state=from_status,
        to_state=to_status,
        note=note,
        point=point,
        data={
            "number": ticket.number,
            **({"window": window.number} if window else {}),
            **(data or {}),
        },
    )


def _refuse_duplicate() -> Conflict:
    return Conflict(
        _("您在该队列已有一个未办结的号码，无需重复取号。"), code="duplicate_live_ticket"
    )


def _check_can_issue(queue: Queue) -> None:
    if not queue.point.is_active:
        raise Conflict(_("该服务网点已停用。"), code="point_inactive")
    if not queue.is_open:
        raise Conflict(
            _("“%(queue)s”队列暂停取号，请咨询0号窗口。") % {"queue": queue.name},
            code="queue_closed",
        )


def _fast_path() -> bool:
    """One-statement writes: PostgreSQL, and no caller's transaction to join."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def _check_transition(ticket: Ticket, action: str) -> str:
    t = TRANSITIONS[action]
    if ticket.status not in t.sources:
        raise TransitionRefused(
            _("号码 %(number)s 当前为“%(status)s”，不能%(action)s。")
            % {
                "number": ticket.number,
                "status": TicketStatus(ticket.status).label,
                "action": t.label,
            }
        )
    return t.target


def _attach(ticket: Ticket, window: Window) -> None:
    """Reuse the locked window's rows on a ticket of that window (saves two queries)."""
    if ticket.point_id == window.point_id and Window.point.is_cached(window):
        ticket.point = window.point
    if ticket.window_id == window.pk:
        ticket.window = window
