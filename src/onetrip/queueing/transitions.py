"""The ticket state machine as data: action -> (allowed from-states, to-state, roles)."""

from __future__ import annotations

from dataclasses import dataclass

from onetrip.queueing.models import TicketStatus as S
from onetrip.roles import Role

WINDOW_ROLES = (Role.CLERK, Role.GUIDE, Role.MANAGER)


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    roles: tuple[str, ...] = WINDOW_ROLES
    label: str = ""


TRANSITIONS: dict[str, Transition] = {
    "call": Transition(frozenset({S.WAITING}), S.CALLED, label="叫号"),
    "recall": Transition(frozenset({S.CALLED}), S.CALLED, label="重呼"),
    "no_show": Transition(frozenset({S.CALLED}), S.NO_SHOW, label="过号"),
    "return": Transition(frozenset({S.CALLED}), S.WAITING, label="退回队列"),
    "start": Transition(frozenset({S.CALLED}), S.SERVING, label="开始办理"),
    "finish": Transition(frozenset({S.SERVING}), S.DONE, label="办结"),
    "park": Transition(frozenset({S.WAITING, S.SERVING}), S.PARKED, label="暂挂"),
    "resume": Transition(frozenset({S.PARKED}), S.WAITING, label="恢复排队"),
    "transfer": Transition(
        frozenset({S.WAITING, S.CALLED, S.SERVING, S.PARKED}), S.WAITING, label="转队列"
    ),
    "walk_out": Transition(frozenset({S.WAITING, S.PARKED}), S.WALKED_OUT, label="离开未办"),
}


def allowed_actions(status: str) -> list[str]:
    return [name for name, t in TRANSITIONS.items() if status in t.sources]
