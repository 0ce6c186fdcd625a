"""The incident state machine, as data (the same ``Transition`` table shape as cases).

``safety.services.incident_transition`` is the only writer of ``Incident.state``; it looks the
action up here, checks the source state and the caller's relationship roles, and writes one
audit event per change.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from onetrip.cases.states import SAME, Transition


class State(models.TextChoices):
    REPORTED = "reported", _("已上报")
    SCREENED = "screened", _("已研判")
    DISPATCHED = "dispatched", _("已分拨")
    ACCEPTED = "accepted", _("已签收")
    HANDLING = "handling", _("处置中")
    CLOSED = "closed", _("已办结")
    CONFIRMED = "confirmed", _("已确认")
    REJECTED = "rejected", _("不予受理")


OPEN = (State.REPORTED, State.SCREENED, State.DISPATCHED, State.ACCEPTED, State.HANDLING)
#: the SLA clock is judged when an incident reaches one of these
DONE = (State.CLOSED, State.CONFIRMED)
WORKING = (State.ACCEPTED, State.HANDLING)

# Relationship roles a user can hold on one incident (see selectors.incident_roles).
REPORTER = "reporter"
CELL_WORKER = "cell_worker"
OPERATOR = "operator"
DEPARTMENT = "department"
MEDIATOR = "mediator"
SYSTEM = "system"

HANDLERS = (DEPARTMENT, MEDIATOR)

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition(
            "screen",
            (State.REPORTED,),
            State.SCREENED,
            (OPERATOR,),
            _("研判（定类型、紧急程度）"),
        ),
        Transition(
            "dispatch",
            (State.REPORTED, State.SCREENED),
            State.DISPATCHED,
            (OPERATOR, SYSTEM),
            _("分拨"),
            needs=("platform", "department"),
        ),
        Transition(
            "reject",
            (State.REPORTED, State.SCREENED),
            State.REJECTED,
            (OPERATOR,),
            _("不予受理（重复、无效）"),
            needs_note=True,
            danger=True,
        ),
        Transition("accept", (State.DISPATCHED,), State.ACCEPTED, HANDLERS, _("签收")),
        Transition(
            "send_back",
            (State.DISPATCHED,),
            State.SCREENED,
            (DEPARTMENT,),
            _("退回指挥中心（非本部门职责）"),
            needs_note=True,
        ),
        Transition("start", (State.ACCEPTED,), State.HANDLING, HANDLERS, _("开始处置")),
        Transition(
            "mediate",
            WORKING,
            SAME,
            HANDLERS,
            _("记录调解"),
            needs=("parties", "mediator_name", "agreement"),
        ),
        Transition(
            "close",
            WORKING,
            State.CLOSED,
            (*HANDLERS, OPERATOR),
            _("办结"),
            needs_note=True,
        ),
        Transition("confirm", (State.CLOSED,), State.CONFIRMED, (REPORTER,), _("确认办结")),
        Transition(
            "reopen",
            (State.CLOSED, State.CONFIRMED),
            State.DISPATCHED,
            (REPORTER, OPERATOR),
            _("不满意，重新办理"),
            needs_note=True,
            danger=True,
        ),
        Transition(
            "escalate",
            OPEN,
            SAME,
            (OPERATOR, SYSTEM),
            _("预警升级"),
        ),
    ]
}


def state_label(state: str) -> str:
    try:
        return str(State(state).label)
    except ValueError:
        return state
