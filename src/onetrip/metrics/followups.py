"""The follow-up of a bad rating (差评整改), as data: the transition table, who may act, and
the reads for the staff pages and the callback-rate figure."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from onetrip.access import is_active_user, manages_district
from onetrip.cases.states import Transition
from onetrip.clock import in_period, local_today
from onetrip.metrics.models import FollowUp, FollowUpState, Rating
from onetrip.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from onetrip.catalogue.models import ServicePoint
    from onetrip.metrics.scope import Scope
    from onetrip.people.models import User

S = FollowUpState
UNIT = "unit"  # a reviewer of the handling department, or a clerk of the case's point
MANAGER = "manager"  # a manager of the district


#: a move of the follow-up: a transition of the same shape as a case's, always with a note
#: (what was done, said or appealed)
_move = partial(Transition, needs_note=True)

FOLLOWUP_TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _move("call_back", (S.OPEN,), S.CALLED_BACK, (UNIT, MANAGER), _("回访")),
        _move("fix", (S.CALLED_BACK,), S.FIXED, (UNIT, MANAGER), _("整改")),
        _move("explain", (S.CALLED_BACK,), S.EXPLAINED, (UNIT, MANAGER), _("解释说明")),
        _move(
            "appeal", (S.OPEN, S.CALLED_BACK), S.APPEALED, (UNIT, MANAGER), _("申诉（恶意差评）")
        ),
        _move("uphold_appeal", (S.APPEALED,), S.DISMISSED, (MANAGER,), _("申诉成立")),
        _move("reject_appeal", (S.APPEALED,), S.CALLED_BACK, (MANAGER,), _("申诉不成立")),
        _move("report_back", (S.FIXED, S.EXPLAINED), S.CLOSED, (UNIT, MANAGER), _("反馈申请人")),
    ]
}

#: states in which the unit still owes something (counted against the deadline)
OPEN_STATES = (S.OPEN, S.CALLED_BACK, S.FIXED, S.EXPLAINED)


def followup_roles(*, user: User | AnonymousUser | None, follow_up: FollowUp) -> set[str]:
    if not is_active_user(user):
        return set()
    roles = set()
    if manages_district(user, follow_up.district_id):
        roles.add(MANAGER)
    if user.has_role(Role.REVIEWER) and user.department_id == follow_up.department_id:
        roles.add(UNIT)
    if user.has_role(Role.CLERK, Role.SOCIAL_WORKER) and user.point_id == follow_up.case.point_id:
        roles.add(UNIT)
    if user.is_superuser:
        roles |= {UNIT, MANAGER}
    return roles


def actions_for(*, user: User | AnonymousUser | None, follow_up: FollowUp) -> list[Transition]:
    roles = followup_roles(user=user, follow_up=follow_up)
    return [
        t
        for t in FOLLOWUP_TRANSITIONS.values()
        if follow_up.state in t.sources and roles & set(t.roles)
    ]


def ratings_visible_to(*, user: User | AnonymousUser | None) -> QuerySet[Rating]:
    """Ratings (with comments) of the cases the staff member may see."""
    from onetrip.cases.selectors import cases_visible_to

    return (
        Rating.objects.filter(case__in=cases_visible_to(user=user).values("pk"))
        .select_related("case", "case__matter", "case__point", "case__department", "staff")
        .select_related("follow_up")
        .order_by("-at", "-id")
    )


def followups_visible_to(*, user: User | AnonymousUser | None) -> QuerySet[FollowUp]:
    from onetrip.cases.selectors import cases_visible_to

    return (
        FollowUp.objects.filter(case__in=cases_visible_to(user=user).values("pk"))
        .select_related("case", "case__matter", "department", "rating")
        .order_by("due", "id")
    )


def followup_figures(
    *,
    district: ServicePoint,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    today: dt.date | None = None,
    cuts: Q | None = None,
) -> dict[str, Any]:
    """Bad ratings opened in the period: how many, the callback rate of the named ones (target
    100%), how many are still open and how many of those are past their deadline
    (definitions: ``metrics.definitions``, part ``followups``)."""
    today = today or local_today()
    qs = FollowUp.objects.filter(in_period("opened_at", since, until), district=district)
    if cuts is not None:
        qs = qs.filter(cuts)
    named = Q(named=True)
    raw = qs.aggregate(
        bad=Count("id"),
        n_named=Count("id", filter=named),
        called_back=Count("id", filter=named & Q(called_back_at__isnull=False)),
        open=Count("id", filter=Q(state__in=OPEN_STATES)),
        overdue=Count("id", filter=Q(state__in=OPEN_STATES, due__lt=today)),
    )
    return {
        "bad_ratings": raw["bad"],
        "named_bad_ratings": raw["n_named"],
        "called_back": raw["called_back"],
        "callback_rate": raw["called_back"] / raw["n_named"] if raw["n_named"] else None,
        "open": raw["open"],
        "overdue": raw["overdue"],
    }


def followup_scope_figures(scope: Scope, *, today: dt.date | None = None) -> dict[str, Any]:
    """``followup_figures`` for a dashboard scope: its district and period, and its cuts applied
    to the rated case (point, department, matter, agency, applicant kind, channel)."""
    cuts = Q()
    if scope.point is not None:
        cuts &= Q(case__point=scope.point)
    if scope.department is not None:
        cuts &= Q(case__department=scope.department)
    if scope.matter is not None:
        cuts &= Q(case__matter=scope.matter)
    if scope.agency is not None:
        cuts &= Q(case__agency=scope.agency)
    if scope.kind is not None:
        cuts &= Q(case__company__isnull=scope.kind != "company")
    if scope.channel is not None:
        cuts &= Q(case__channel=scope.channel)
    return followup_figures(
        district=scope.district, since=scope.since, until=scope.until, today=today, cuts=cuts
    )
