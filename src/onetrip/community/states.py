"""The community state machines, as data (the pattern of ``onetrip.cases.states``).

Each table lists every allowed move: the action, the states it may start from, the state it
leads to and the relationship roles that may take it. ``services`` are the only writers; each
move writes one audit event. ``NEW`` is the source of a row that does not exist yet.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from onetrip.cases.states import SAME, Transition

NEW = "__new__"

# Relationship roles a user holds towards one complex or one of its rows (selectors.*_roles).
RESIDENT = "resident"  # anyone signed in
OWNER = "owner"  # the resident who holds the booking / raised the topic
STAFF = "staff"  # a social worker of this community, a manager of its district
DECISION_OWNER = "decision_owner"  # the person a decision names as responsible
SYSTEM = "system"


class BookingStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("已预约")
    WAITING = "waiting", _("候补中")
    CANCELLED = "cancelled", _("已取消")


class SlotStatus(models.TextChoices):
    OPEN = "open", _("开放预约")
    CLOSED = "closed", _("停止预约")
    CANCELLED = "cancelled", _("已取消")


class TopicState(models.TextChoices):
    OPEN = "open", _("征集支持中")
    AGENDA = "agenda", _("已列入议程")
    SCHEDULED = "scheduled", _("已安排议事")
    DECIDED = "decided", _("已形成决定")
    DONE = "done", _("已办结")
    DECLINED = "declined", _("不予立项")
    WITHDRAWN = "withdrawn", _("已撤回")


class MeetingState(models.TextChoices):
    SCHEDULED = "scheduled", _("待召开")
    HELD = "held", _("已召开")
    CANCELLED = "cancelled", _("已取消")


class DecisionState(models.TextChoices):
    OPEN = "open", _("待落实")
    IN_PROGRESS = "in_progress", _("落实中")
    DONE = "done", _("已完成")


B = BookingStatus
BOOKING_TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("book", (NEW,), B.CONFIRMED, (RESIDENT,), _("预约")),
        Transition("wait", (NEW,), B.WAITING, (RESIDENT,), _("加入候补")),
        Transition("promote", (B.WAITING,), B.CONFIRMED, (SYSTEM,), _("候补转正")),
        Transition(
            "cancel", (B.CONFIRMED, B.WAITING), B.CANCELLED, (OWNER, STAFF), _("取消"), danger=True
        ),
    ]
}

SL = SlotStatus
SLOT_TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("create", (NEW,), SL.OPEN, (STAFF,), _("发布")),
        Transition("close", (SL.OPEN,), SL.CLOSED, (STAFF,), _("停止预约")),
        Transition("reopen", (SL.CLOSED,), SL.OPEN, (STAFF,), _("恢复预约")),
        Transition(
            "cancel",
            (SL.OPEN, SL.CLOSED),
            SL.CANCELLED,
            (STAFF,),
            _("取消活动"),
            needs_note=True,
            danger=True,
        ),
    ]
}

T = TopicState
TOPIC_TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("raise", (NEW,), T.OPEN, (RESIDENT,), _("提出议题")),
        Transition("to_agenda", (T.OPEN,), T.AGENDA, (STAFF, SYSTEM), _("列入议程")),
        Transition(
            "schedule",
            (T.OPEN, T.AGENDA),
            T.SCHEDULED,
            (STAFF,),
            _("安排议事会"),
            needs=("meeting",),
        ),
        Transition("unschedule", (T.SCHEDULED,), T.AGENDA, (STAFF, SYSTEM), _("移出议事会")),
        Transition(
            "decide",
            (T.SCHEDULED, T.DECIDED),
            T.DECIDED,
            (STAFF,),
            _("形成决定"),
            needs=("text", "owner_name", "due_date"),
        ),
        Transition("complete", (T.DECIDED,), T.DONE, (SYSTEM,), _("决定全部落实")),
        Transition(
            "decline",
            (T.OPEN, T.AGENDA, T.SCHEDULED),
            T.DECLINED,
            (STAFF,),
            _("不予立项"),
            needs_note=True,
            danger=True,
        ),
        Transition("withdraw", (T.OPEN, T.AGENDA), T.WITHDRAWN, (OWNER,), _("撤回"), danger=True),
    ]
}

M = MeetingState
MEETING_TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("schedule", (NEW,), M.SCHEDULED, (STAFF,), _("安排议事会")),
        Transition("hold", (M.SCHEDULED,), M.HELD, (STAFF,), _("记录会议纪要"), needs=("minutes",)),
        Transition(
            "cancel", (M.SCHEDULED,), M.CANCELLED, (STAFF,), _("取消"), needs_note=True, danger=True
        ),
    ]
}

D = DecisionState
DECISION_TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("start", (D.OPEN,), D.IN_PROGRESS, (STAFF, DECISION_OWNER), _("开始落实")),
        Transition(
            "progress",
            (D.OPEN, D.IN_PROGRESS),
            SAME,
            (STAFF, DECISION_OWNER),
            _("更新进展"),
            needs_note=True,
        ),
        Transition(
            "finish",
            (D.OPEN, D.IN_PROGRESS),
            D.DONE,
            (STAFF, DECISION_OWNER),
            _("已完成"),
            needs_note=True,
        ),
    ]
}

TABLES: dict[str, dict[str, Transition]] = {
    "community.booking": BOOKING_TRANSITIONS,
    "community.slot": SLOT_TRANSITIONS,
    "community.topic": TOPIC_TRANSITIONS,
    "community.meeting": MEETING_TRANSITIONS,
    "community.decision": DECISION_TRANSITIONS,
}


def allowed(table: dict[str, Transition], *, state: str, roles: set[str]) -> list[Transition]:
    """The moves ``roles`` may take from ``state`` (for buttons)."""
    return [t for t in table.values() if state in t.sources and roles.intersection(t.roles)]
