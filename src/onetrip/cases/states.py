"""The case state machine, as data.

``STATES`` says, per state, whether the clock runs, the limit for the step in working days, and
whether the applicant is told when a case enters it (``StateInfo.notify_template``, a code of
``notices.texts``, which holds the texts). ``TRANSITIONS`` lists every allowed
move with the roles that may take it. ``cases.services.case_transition`` is the only writer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    ACCEPTED = "accepted", _("已受理")
    REFUSED = "refused", _("不予受理")
    IN_REVIEW = "in_review", _("审查中")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("待补正")
    RESUBMITTED = "resubmitted", _("已补正")
    SUSPENDED = "suspended", _("中止（暂停计时）")
    APPROVED = "approved", _("准予许可")
    REJECTED = "rejected", _("不予许可")
    DELIVERED = "delivered", _("已送达")
    CLOSED = "closed", _("已归档")
    WITHDRAWN = "withdrawn", _("已撤回")


@dataclass(frozen=True)
class StateInfo:
    #: the case is open (the applicant may still withdraw it)
    open: bool
    #: the promised/legal clock runs in this state
    clock_runs: bool = False
    #: working days allowed for this step (None: the case's promised due date applies)
    limit_days: int | None = None
    #: the notice template (``notices.texts``, where every SMS text lives) sent when a case
    #: enters this state; None: the applicant is not told
    notify_template: str | None = None


STATES: dict[str, StateInfo] = {
    State.DRAFT: StateInfo(open=True),
    State.SUBMITTED: StateInfo(
        open=True,
        limit_days=1,
        notify_template="case_submitted",
    ),
    State.ACCEPTED: StateInfo(
        open=True,
        clock_runs=True,
        notify_template="case_accepted",
    ),
    State.REFUSED: StateInfo(
        open=False,
        notify_template="case_refused",
    ),
    State.IN_REVIEW: StateInfo(open=True, clock_runs=True),
    State.SUPPLEMENT_REQUESTED: StateInfo(
        open=True,
        limit_days=5,
        notify_template="supplement_needed",
    ),
    State.RESUBMITTED: StateInfo(open=True, clock_runs=True),
    State.SUSPENDED: StateInfo(
        open=True,
        notify_template="case_suspended",
    ),
    State.APPROVED: StateInfo(
        open=False,
        limit_days=3,
        notify_template="case_decided",
    ),
    State.REJECTED: StateInfo(
        open=False,
        limit_days=3,
        notify_template="case_decided",
    ),
    State.DELIVERED: StateInfo(
        open=False,
        notify_template="case_delivered",
    ),
    State.CLOSED: StateInfo(open=False),
    State.WITHDRAWN: StateInfo(
        open=False,
        notify_template="case_withdrawn",
    ),
}

#: a target meaning "the state the case was in before it was suspended"
PREVIOUS = "__previous__"
#: a target meaning "stay in the same state" (an event without a state change, e.g. extension)
SAME = "__same__"

# Relationship roles a user can hold on one case (see selectors.case_roles).
APPLICANT = "applicant"
AGENT = "agent"
CLERK = "clerk"
SOCIAL_WORKER = "social_worker"
#: a service specialist (服务专员) on the door-to-door cases they accepted themselves
SPECIALIST = "specialist"
REVIEWER = "reviewer"
MANAGER = "manager"
#: a front-line clerk or social worker deciding an instant matter under delegated authority
DELEGATE = "delegate"
SYSTEM = "system"

FRONT = (CLERK, SOCIAL_WORKER, MANAGER, SPECIALIST)
OWNER = (APPLICANT, AGENT)
WORKING = (State.ACCEPTED, State.IN_REVIEW, State.RESUBMITTED)
OPEN = tuple(s for s, info in STATES.items() if info.open)


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    label: str | Promise
    needs_note: bool = False
    #: fields the caller must pass in ``data``
    needs: tuple[str, ...] = field(default=())
    #: a style hint for buttons
    danger: bool = False
    #: the tables (model labels) the action writes besides the case row and the CaseEvent and
    #: audit record every action writes; () means "the case row only", which lets the
    #: PostgreSQL one-statement path take the action (``case_row_only``)
    writes: tuple[str, ...] = field(default=())
    #: (data key, value): ``writes`` happen only when the call's data has this value there
    writes_if: tuple[str, str] | None = None

    def case_row_only(self, data: dict | None = None) -> bool:
        """True when this call of the action writes nothing but the case row (and its event
        and audit record)."""
        if not self.writes:
            return True
        if self.writes_if is None:
            return False
        key, value = self.writes_if
        return (data or {}).get(key) != value


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("submit", (State.DRAFT,), State.SUBMITTED, (*OWNER, *FRONT), _("提交申请")),
        # RESUBMITTED: completed after a one-time notice issued at the window (never accepted)
        Transition(
            "accept",
            (State.SUBMITTED, State.RESUBMITTED),
            State.ACCEPTED,
            FRONT,
            _("受理"),
            writes=("cases.CaseMaterial",),  # due dates of materials handed in later
        ),
        Transition(
            "notify_missing",
            (State.SUBMITTED,),
            State.SUPPLEMENT_REQUESTED,
            FRONT,
            _("出具一次性告知书"),
            writes=("cases.CaseMaterial", "cases.SupplementNotice"),
        ),
        Transition(
            "refuse",
            (State.SUBMITTED,),
            State.REFUSED,
            FRONT,
            _("不予受理"),
            needs_note=True,
            danger=True,
        ),
        Transition(
            "start_review",
            (State.ACCEPTED, State.RESUBMITTED),
            State.IN_REVIEW,
            (REVIEWER, MANAGER),
            _("开始审查"),
        ),
        Transition(
            "request_supplement",
            WORKING,
            State.SUPPLEMENT_REQUESTED,
            (REVIEWER, MANAGER),
            _("要求补正（一次性告知）"),
            needs=("items",),
            writes=("cases.CaseMaterial", "cases.SupplementNotice"),
        ),
        Transition(
            "resubmit",
            (State.SUPPLEMENT_REQUESTED,),
            State.RESUBMITTED,
            (*OWNER, *FRONT),
            _("提交补正材料"),
            writes=("cases.SupplementNotice",),  # the notice is answered
        ),
        Transition(
            "suspend", WORKING, State.SUSPENDED, (MANAGER,), _("中止（批准）"), needs_note=True
        ),
        Transition("resume", (State.SUSPENDED,), PREVIOUS, (MANAGER,), _("恢复办理")),
        Transition(
            "extend",
            WORKING,
            SAME,
            (MANAGER,),
            _("延长期限（批准）"),
            needs_note=True,
            needs=("days",),
        ),
        Transition(
            "approve", WORKING, State.APPROVED, (REVIEWER, MANAGER, DELEGATE), _("准予许可")
        ),
        Transition(
            "reject",
            WORKING,
            State.REJECTED,
            (REVIEWER, MANAGER, DELEGATE),
            _("不予许可"),
            needs_note=True,
            danger=True,
        ),
        Transition(
            "deliver",
            (State.APPROVED, State.REJECTED),
            State.DELIVERED,
            (*FRONT, REVIEWER),
            _("登记送达"),
            needs=("method",),
            writes=("cases.Visit",),  # picked up at the window: one more visit
            writes_if=("method", "window"),
        ),
        Transition("close", (State.DELIVERED,), State.CLOSED, (*FRONT, SYSTEM), _("归档")),
        Transition(
            "withdraw",
            OPEN,
            State.WITHDRAWN,
            (*OWNER, *FRONT),
            _("撤回申请"),
            danger=True,
        ),
    ]
}


#: Actions some call of which writes only the case row (the one-statement path's candidates).
ONE_STATEMENT_ACTIONS = frozenset(
    a for a, t in TRANSITIONS.items() if not t.writes or t.writes_if is not None
)


def case_row_only(action: str, data: dict | None = None) -> bool:
    """True when taking ``action`` with ``data`` writes only the case row (see ``writes``)."""
    t = TRANSITIONS.get(action)
    return t is not None and t.case_row_only(data)


def state_label(state: str) -> str:
    try:
        return str(State(state).label)
    except ValueError:
        return state


#: timeline labels for events that are not transitions of the state machine (module level:
#: lazy, so each request gets its own language)
EVENT_LABELS = {
    "create": _("创建办件"),
    "material": _("材料状态更新"),
    "upload": _("上传材料"),
    "escalate": _("超期督办"),
}
#: who took a step, as the case's timeline names them
ROLE_LABELS = {
    APPLICANT: _("申请人"),
    AGENT: _("代办员"),
    CLERK: _("窗口工作人员"),
    SOCIAL_WORKER: _("社工"),
    REVIEWER: _("审批人员"),
    MANAGER: _("管理者"),
    SYSTEM: _("系统"),
}
