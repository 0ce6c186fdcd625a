"""Reads for cases: who may see a case and in which role, work queues, deadline flags.

Every page and endpoint gets its case through ``case_get_for_user`` (object-level check) and its
lists through ``cases_visible_to`` (scope by relationship: own, agency, point subtree,
department, district).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.cases import states as S
from onetrip.cases.models import Case
from onetrip.catalogue.models import ServicePoint
from onetrip.errors import Forbidden, NotFound

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def local_today(now: dt.datetime | None = None) -> dt.date:
    """Today's date in Asia/Shanghai."""
    now = now or timezone.now()
    return timezone.localtime(now, timezone.get_fixed_timezone(480)).date()


def point_subtree_ids(point: ServicePoint | None) -> set[int]:
    """The point and every point below it."""
    if point is None:
        return set()
    ids = {point.pk}
    frontier = [point.pk]
    while frontier:
        frontier = list(
            ServicePoint.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
        )
        frontier = [p for p in frontier if p not in ids]
        ids.update(frontier)
    return ids


def _point_ancestor_ids(point_id: int) -> set[int]:
    """The point and every point above it, three parents per query (city → district → street
    → community is the whole tree, so one query answers)."""
    chain = ("parent_id", "parent__parent_id", "parent__parent__parent_id")
    ids: set[int] = set()
    current: int | None = point_id
    while current is not None and current not in ids:
        ids.add(current)
        row = ServicePoint.objects.filter(pk=current).values_list(*chain).first() or ()
        current = None
        for parent in row:
            if parent is None or parent in ids:
                current = None
                break
            ids.add(parent)
            current = parent
        else:
            if current is not None:  # three levels up and still not at the top: go on
                ids.discard(current)
    return ids


def _ancestors_for(user: Any, point_id: int) -> set[int]:
    """``_point_ancestor_ids`` memoised on the user object, which lives for one request."""
    memo = user.__dict__.setdefault("_ot_point_ancestors", {})
    if point_id not in memo:
        memo[point_id] = _point_ancestor_ids(point_id)
    return memo[point_id]


def case_roles(*, user: Any, case: Case) -> set[str]:
    """The roles ``user`` holds on this one case (empty: no access at all).

    Memoised on the user object (which lives for one request) per case and state.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    memo = user.__dict__.setdefault("_ot_case_roles", {})
    key = (case.pk, case.point_id, case.department_id, case.agency_id)
    if key not in memo:
        memo[key] = _case_roles(user=user, case=case)
    return set(memo[key])


def _case_roles(*, user: Any, case: Case) -> set[str]:
    roles: set[str] = set()
    if user.is_superuser:
        return {S.MANAGER, S.REVIEWER, S.CLERK}
    if case.applicant_id and case.applicant.user_id == user.pk:
        roles.add(S.APPLICANT)
    if case.company_id and case.company.users.filter(pk=user.pk).exists():
        roles.add(S.APPLICANT)
    if user.has_role("agent") and user.agency_id and user.agency_id == case.agency_id:
        roles.add(S.AGENT)
    front = [r for r in (S.CLERK, S.SOCIAL_WORKER) if user.has_role(r)]
    if front and user.point_id and user.point_id in _ancestors_for(user, case.point_id):
        roles.update(front)
    if user.has_role("reviewer") and user.department_id == case.department_id:
        roles.add(S.REVIEWER)
    if user.has_role("manager") and user.point_id and user.point.district_id == case.district_id:
        roles.add(S.MANAGER)
    return roles


def cases_visible_to(*, user: Any) -> QuerySet[Case]:
    """Every case ``user`` may see, by relationship."""
    qs = Case.objects.select_related("matter", "department", "applicant", "company", "point")
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if user.is_superuser:
        return qs
    q = Q(applicant__user=user) | Q(company__in=user.companies.all())
    if user.has_role("agent") and user.agency_id:
        q |= Q(agency_id=user.agency_id)
    if user.has_role("clerk", "social_worker") and user.point_id:
        q |= Q(point_id__in=point_subtree_ids(user.point))
    if user.has_role("reviewer") and user.department_id:
        q |= Q(department_id=user.department_id)
    if user.has_role("manager") and user.point_id:
        q |= Q(district_id=user.point.district_id)
    return qs.filter(q)


def case_get_for_user(*, user: Any, number: str, lock: bool = False) -> Case:
    """The case by number if ``user`` may see it: 404 when it does not exist or is not theirs.

    Not-theirs is reported as not found so case numbers cannot be probed.
    """
    qs = Case.objects.select_related(
        "matter", "department", "applicant", "company", "point", "district", "agency"
    )
    if lock:
        qs = qs.select_for_update(of=("self",))
    case = qs.filter(number=number).first()
    if case is None or not case_roles(user=user, case=case):
        if user is None or not getattr(user, "is_authenticated", False):
            raise Forbidden(_("请先登录。"), code="not_authenticated", status=401)
        raise NotFound(_("未找到该办件。"), code="case_not_found")
    return case


def transition_refusal(*, case: Case, action: str, roles: set[str]) -> str | None:
    """Why ``action`` may not be taken now by someone holding ``roles`` (None: it may)."""
    t = S.TRANSITIONS.get(action)
    if t is None:
        return "unknown_action"
    if case.state not in t.sources:
        return "illegal_transition"
    if not roles.intersection(t.roles):
        return "wrong_role"
    if action == "extend" and case.extended_days:
        return "already_extended"
    if action == "request_supplement" and case.supplement_rounds >= 1 and S.MANAGER not in roles:
        return "second_supplement_needs_manager"
    return None


def allowed_actions(*, user: Any, case: Case) -> list[S.Transition]:
    roles = case_roles(user=user, case=case)
    return [
        t
        for action, t in S.TRANSITIONS.items()
        if transition_refusal(case=case, action=action, roles=roles) is None
    ]


# -- deadlines -------------------------------------------------------------------------------

RUNNING = tuple(s for s, info in S.STATES.items() if info.clock_runs)
STEP_LIMITED = tuple(
    s
    for s, info in S.STATES.items()
    if info.limit_days is not None and s != S.State.SUPPLEMENT_REQUESTED
)


def overdue_q(*, today: dt.date) -> Q:
    """Cases past their promised date while the clock runs, or past a staff step's limit."""
    return Q(state__in=RUNNING, promised_due__lt=today) | Q(
        state__in=STEP_LIMITED, state_due__lt=today
    )


def due_soon_q(*, today: dt.date, soon: dt.date) -> Q:
    """Running cases due between today and ``soon`` (e.g. two working days ahead)."""
    return Q(state__in=RUNNING, promised_due__gte=today, promised_due__lte=soon)


def case_flags(*, case: Case, today: dt.date, soon: dt.date | None = None) -> dict[str, bool]:
    overdue = (case.state in RUNNING and case.promised_due and case.promised_due < today) or (
        case.state in STEP_LIMITED and case.state_due and case.state_due < today
    )
    due_soon = bool(
        not overdue
        and soon is not None
        and case.state in RUNNING
        and case.promised_due
        and today <= case.promised_due <= soon
    )
    return {
        "overdue": bool(overdue),
        "due_soon": due_soon,
        "paused": case.state in (S.State.SUPPLEMENT_REQUESTED, S.State.SUSPENDED),
        "extended": bool(case.extended_days),
    }


def soon_date(*, today: dt.date, days: int = 2) -> dt.date | None:
    from onetrip.workdays.selectors import NoSchedule, working_days_after

    try:
        return working_days_after(start=today, days=days)
    except NoSchedule:
        return None


def backoffice_queue(
    *,
    user: Any,
    department: Any,
    today: dt.date,
    state: str | None = None,
    due: str | None = None,
) -> QuerySet[Case]:
    """A department's work queue, sorted by due date (cases without one last)."""
    qs = cases_visible_to(user=user).filter(department=department)
    if state:
        qs = qs.filter(state=state)
    else:
        qs = qs.filter(state__in=S.OPEN + (S.State.APPROVED, S.State.REJECTED)).exclude(
            state=S.State.DRAFT
        )
    if due == "overdue":
        qs = qs.filter(overdue_q(today=today))
    elif due == "soon":
        soon = soon_date(today=today) or today
        qs = qs.filter(due_soon_q(today=today, soon=soon))
    from django.db.models import F

    return qs.order_by(F("promised_due").asc(nulls_last=True), "id")


def case_counts(*, cases: QuerySet[Case]) -> dict[str, int]:
    """Zero-visit and one-visit counts over a set of cases."""
    return {
        "total": cases.count(),
        "zero_visit": cases.filter(visit_count=0).count(),
        "one_visit": cases.filter(visit_count=1).count(),
        "supplement_twice": cases.filter(supplement_rounds__gte=2).count(),
    }
