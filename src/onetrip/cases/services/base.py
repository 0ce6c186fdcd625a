"""What every cases service shares: the clock, one working-day calendar per service call, one
transaction per service call, the actor's roles on a case, and the event + audit record each
change writes."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from functools import partial, wraps
from typing import TYPE_CHECKING, Any, NamedTuple, ParamSpec, TypeVar

from django.db import transaction
from django.utils import timezone

from onetrip.access import signed_in
from onetrip.audit.models import AuditEvent
from onetrip.audit.services import audit_event_mirroring
from onetrip.cases import states as S
from onetrip.cases.models import Case, CaseEvent, MaterialStatus
from onetrip.cases.selectors import case_roles
from onetrip.cases.signals import case_state_changed
from onetrip.errors import Conflict
from onetrip.workdays.selectors import WorkdayCalendar
from onetrip.workdays.selectors import working_days_after as _working_days_after
from onetrip.workdays.selectors import working_days_between as _working_days_between

if TYPE_CHECKING:
    from onetrip.people.models import User

BAD = (MaterialStatus.MISSING, MaterialStatus.DEFECTIVE)

P = ParamSpec("P")
R = TypeVar("R")


class IllegalTransition(Conflict):
    code = "illegal_transition"


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


# One working-day calendar per service call (a case creation that also submits and accepts
# computes up to five dates): each scheduled year is read once instead of once per date.
# Never kept beyond the outermost service call, so administrators' edits are seen next time.
_CALENDAR: ContextVar[WorkdayCalendar | None] = ContextVar("cases_calendar", default=None)


@contextmanager
def _shared_calendar():
    if _CALENDAR.get() is not None:
        yield
        return
    token = _CALENDAR.set(WorkdayCalendar())
    try:
        yield
    finally:
        _CALENDAR.reset(token)


def working_days_after(*, start: dt.date, days: int) -> dt.date:
    return _working_days_after(start=start, days=days, calendar=_CALENDAR.get())


def working_days_between(*, start: dt.date, end: dt.date) -> int:
    return _working_days_between(start=start, end=end, calendar=_CALENDAR.get())


def _roles_of(*, case: Case, actor: User | None, tracking_token: str | None) -> set[str]:
    """The actor's roles on the case. With no actor but a tracking token, the bearer of the
    case's live token acts as the applicant (the public tracking page); otherwise the system."""
    if actor is None and tracking_token is not None:
        live = case.token_revoked_at is None and secrets.compare_digest(
            case.tracking_token.encode(), str(tracking_token).encode()
        )
        return {S.APPLICANT} if live else set()
    return {S.SYSTEM} if actor is None else case_roles(user=actor, case=case)


# One transaction per service call. A service called by another cases service (a creation
# that submits and accepts, a delivery that records a visit) joins its caller's transaction
# without a savepoint of its own: an error there fails the whole outer call anyway. Called
# from anywhere else inside a transaction (another app's service, a test), it keeps its
# savepoint, so a refused call leaves the caller's transaction usable.
_IN_SERVICE: ContextVar[bool] = ContextVar("cases_in_service", default=False)


@contextmanager
def service_transaction(*, calendar: bool = True):
    """One cases service call's transaction (see ``_IN_SERVICE``) and, with ``calendar``, one
    working-day calendar shared by everything it calls."""
    nested = _IN_SERVICE.get()
    token = _IN_SERVICE.set(True)
    try:
        with (
            _shared_calendar() if calendar else nullcontext(),
            transaction.atomic(savepoint=not nested),
        ):
            yield
    finally:
        _IN_SERVICE.reset(token)


def service(*, calendar: bool = True) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run the decorated cases service inside ``service_transaction``."""

    def wrap(func: Callable[P, R]) -> Callable[P, R]:
        @wraps(func)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            with service_transaction(calendar=calendar):
                return func(*args, **kwargs)

        return run

    return wrap


def _snapshot(case: Case) -> dict[str, Any]:
    return {
        f.name: getattr(case, f.attname) for f in Case._meta.concrete_fields if not f.primary_key
    }


def _changed(case: Case, before: dict[str, Any]) -> list[str]:
    attnames = {f.name: f.attname for f in Case._meta.concrete_fields}
    return [name for name, value in before.items() if getattr(case, attnames[name]) != value]


# -- events ----------------------------------------------------------------------------------


class Decision(NamedTuple):
    """What ``transitions._decide`` made of an action: the actor's role, the states and the
    event data; its fields are ``change_records``' keywords of the same names."""

    role: str
    from_state: str
    to_state: str
    data: dict[str, Any]


def change_records(
    *,
    case: Case,
    actor: User,
    role: str,
    action: str,
    from_state: str,
    to_state: str,
    note: str = "",
    data: dict | None = None,
    now: dt.datetime,
) -> tuple[CaseEvent, AuditEvent]:
    """The CaseEvent and the audit record of one change, not yet written: the one builder both
    write paths use (the ORM path saves them, the one-statement paths insert them)."""
    user = signed_in(actor)
    event = CaseEvent(
        case=case,
        at=now,
        actor=user,
        role=role,
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data or {},
    )
    return event, audit_event_mirroring(event, case, point=case.point)


def _event(**fields: Any) -> CaseEvent:
    """Write the CaseEvent and audit record of one change (``change_records``' fields)."""
    event, audit = change_records(**fields)
    event.save(force_insert=True)
    audit.save(force_insert=True)
    return event


def _send_changed(
    case: Case, from_state: str, to_state: str, action: str, actor: User | None, note: str = ""
) -> None:
    transaction.on_commit(
        partial(
            case_state_changed.send,
            sender=Case,
            case=case,
            from_state=from_state,
            to_state=to_state,
            action=action,
            actor=actor,
            note=note,
        )
    )
