"""``case_transition``: the single path for state changes. ``_decide`` checks an action against
the transition table (``states.TRANSITIONS``), the actor's roles and the action's own rules and
applies it to the instance; both write paths (this one and ``fastpath``) use it."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from onetrip.cases import states as S
from onetrip.cases.models import Case
from onetrip.cases.selectors import transition_refusal
from onetrip.cases.services.actions import HANDLERS
from onetrip.cases.services.base import (
    Decision,
    IllegalTransition,
    _changed,
    _event,
    _now,
    _roles_of,
    _send_changed,
    _snapshot,
    service,
    working_days_after,
)
from onetrip.clock import local_today
from onetrip.errors import Conflict, Forbidden, NotFound, ValidationFailed

if TYPE_CHECKING:
    from onetrip.people.models import User

REFUSALS = {
    "unknown_action": (ValidationFailed, _lazy("未知的操作。")),
    "illegal_transition": (
        IllegalTransition,
        _lazy("办件当前状态“%(state)s”下不能执行“%(action)s”。"),
    ),
    "wrong_role": (Forbidden, _lazy("您在该办件上的角色无权执行“%(action)s”。")),
    "already_extended": (Conflict, _lazy("该办件已延长过一次期限，不能再次延长。")),
    "already_accepted": (Conflict, _lazy("该办件已受理。")),
    "not_accepted": (
        IllegalTransition,
        _lazy("该办件按一次性告知书补齐材料后尚未受理，请先受理。"),
    ),
    "second_supplement_needs_manager": (
        Forbidden,
        _lazy("该办件已一次性告知过，再次要求补正须由管理者批准并写明理由。"),
    ),
}


@service()
def case_transition(
    *,
    case: Case,
    action: str,
    actor: User | None,
    note: str = "",
    now: dt.datetime | None = None,
    today: dt.date | None = None,
    tracking_token: str | None = None,
    **data: Any,
) -> Case:
    """Take ``action`` on ``case`` as ``actor`` (None: the system). Validates the move against
    the transition table, the actor's role on this case and the action's own rules; writes one
    CaseEvent and one audit event; sends ``case_state_changed`` after commit."""
    now = _now(now)
    today = today or local_today(now)
    note = (note or "").strip()
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("matter", "department", "applicant", "company", "point", "district")
        .get(pk=case.pk)
    )
    before = _snapshot(case)
    decision = _decide(
        case,
        action=action,
        actor=actor,
        note=note,
        now=now,
        today=today,
        tracking_token=tracking_token,
        data=data,
    )
    case.save(update_fields=_changed(case, before))  # the columns this action changed
    _event(case=case, actor=actor, action=action, note=note, now=now, **decision._asdict())
    _send_changed(case, decision.from_state, decision.to_state, action, actor, note)
    return case


def _decide(
    case: Case,
    *,
    action: str,
    actor: User | None,
    note: str,
    now: dt.datetime,
    today: dt.date,
    tracking_token: str | None,
    data: dict[str, Any],
    materials: list | None = None,
) -> Decision:
    """Check ``action`` against the table, the actor's roles on the case and the action's own
    rules, then apply it to the instance (state, dates, handler fields). Writes nothing but
    what the action's handler writes itself (the tables its transition declares).
    ``materials``: the material rows of a case not written yet.
    Returns the role the actor acts in, the states and the event data."""
    roles = _roles_of(case=case, actor=actor, tracking_token=tracking_token)
    if not roles:
        raise NotFound(_("未找到该办件。"), code="case_not_found")
    refusal = transition_refusal(case=case, action=action, roles=roles)
    if refusal:
        exc, message = REFUSALS[refusal]
        t = S.TRANSITIONS.get(action)
        raise exc(
            str(message) % {"state": S.state_label(case.state), "action": t.label if t else action},
            code=refusal,
        )
    t = S.TRANSITIONS[action]
    if t.needs_note and not note:
        raise ValidationFailed(
            _("“%(action)s”须写明理由。") % {"action": t.label},
            code="note_required",
            fields={"note": [_("必填")]},
        )
    role = next((r for r in t.roles if r in roles), S.SYSTEM)
    from_state = case.state
    extra = (
        HANDLERS[action](
            case, today=today, note=note, data=data, actor=actor, now=now, materials=materials
        )
        or {}
    )
    if t.target == S.PREVIOUS:
        to_state = case.previous_state or S.State.IN_REVIEW
        case.previous_state = ""
    elif t.target == S.SAME:
        to_state = from_state
    else:
        to_state = t.target
    info = S.STATES[to_state]
    if to_state != from_state:
        case.state = to_state
        case.state_changed_at = now
        if info.limit_days is not None:
            case.state_due = working_days_after(start=today, days=info.limit_days)
        elif info.clock_runs:
            case.state_due = case.promised_due
        else:
            case.state_due = None
    elif info.clock_runs:
        case.state_due = case.promised_due
    if case.overdue_at and case.promised_due and case.promised_due >= today:
        case.overdue_at = None
    data_out = {k: v for k, v in extra.items()}
    if case.promised_due:
        data_out["promised_due"] = case.promised_due.isoformat()
    return Decision(role, from_state, to_state, data_out)
