"""Reads for cases: who may see a case and in which role, work queues, deadline flags.
(The prepared PostgreSQL reads of the hot paths are in ``cases.prepared``.)

Every page and endpoint gets its case through ``case_get_for_user`` (object-level check) and its
lists through ``cases_visible_to`` (scope by relationship: own, agency, point subtree,
department, district).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from onetrip.access import is_active_user, manages_district
from onetrip.cases import states as S
from onetrip.cases.models import Case, CaseMaterial, MaterialStatus
from onetrip.catalogue.models import ServicePoint
from onetrip.errors import Forbidden, NotFound
from onetrip.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from onetrip.people.models import User


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


def _ancestors_for(user: User | AnonymousUser, point_id: int) -> set[int]:
    """``_point_ancestor_ids`` memoised on the user object, which lives for one request."""
    memo = user.__dict__.setdefault("_ot_point_ancestors", {})
    if point_id not in memo:
        memo[point_id] = _point_ancestor_ids(point_id)
    return memo[point_id]


def _company_ids_for(user: User) -> set[int]:
    """The companies ``user`` acts for, memoised on the user object (one query a request)."""
    ids = user.__dict__.get("_ot_company_ids")
    if ids is None:
        ids = set(user.companies.values_list("pk", flat=True))
        user.__dict__["_ot_company_ids"] = ids
    return ids


def remember_ancestors(user: User | AnonymousUser, point_id: int, ancestor_ids: set[int]) -> None:
    """Seed the ``_ancestors_for`` memo with a point's chain read by another query."""
    user.__dict__.setdefault("_ot_point_ancestors", {}).setdefault(point_id, ancestor_ids)


def prime_ancestors(user: User | AnonymousUser, point_ids: set[int]) -> None:
    """Fill the ``_ancestors_for`` memo for many points in one query (a list of cases)."""
    memo = user.__dict__.setdefault("_ot_point_ancestors", {})
    missing = {p for p in point_ids if p not in memo}
    if not missing:
        return
    chain = ("pk", "parent_id", "parent__parent_id", "parent__parent__parent_id")
    for row in ServicePoint.objects.filter(pk__in=missing).values_list(*chain):
        if row[-1] is not None and row[-1] != row[0]:
            continue  # deeper than city → district → street → community: ask one by one
        memo[row[0]] = {p for p in row if p is not None}


def case_roles(*, user: User | AnonymousUser | None, case: Case) -> set[str]:
    """The roles ``user`` holds on this one case (empty: no access at all).

    Memoised on the user object (which lives for one request) per case and state.
    """
    if not is_active_user(user):
        return set()
    memo = user.__dict__.setdefault("_ot_case_roles", {})
    key = (case.pk, case.point_id, case.department_id, case.agency_id)
    if key not in memo:
        memo[key] = _case_roles(user=user, case=case)
    return set(memo[key])


def _delegated(user: User, matter_id: int) -> bool:
    """The user holds an unrevoked delegation to decide this instant matter on the spot."""
    from onetrip.cases.models import Delegation

    return Delegation.objects.filter(
        user_id=user.pk, matter_id=matter_id, revoked_at__isnull=True
    ).exists()


def _case_roles(*, user: User, case: Case) -> set[str]:
    roles: set[str] = set()
    if user.is_superuser:
        return {S.MANAGER, S.REVIEWER, S.CLERK}
    if case.applicant is not None and case.applicant.user_id == user.pk:
        roles.add(S.APPLICANT)
    if case.company_id and case.company_id in _company_ids_for(user):
        roles.add(S.APPLICANT)
    if user.has_role(Role.AGENT) and user.agency_id and user.agency_id == case.agency_id:
        roles.add(S.AGENT)
    front = [
        r
        for r, role in ((S.CLERK, Role.CLERK), (S.SOCIAL_WORKER, Role.SOCIAL_WORKER))
        if user.has_role(role)
    ]
    if front and user.point_id and user.point_id in _ancestors_for(user, case.point_id):
        roles.update(front)
        if case.matter.kind == "instant" and _delegated(user, case.matter_id):
            roles.add(S.DELEGATE)
    if user.has_role(Role.SPECIALIST) and case.channel == "door" and case.created_by_id == user.pk:
        roles.add(S.SPECIALIST)
    if user.has_role(Role.REVIEWER) and user.department_id == case.department_id:
        roles.add(S.REVIEWER)
    if manages_district(user, case.district_id):
        roles.add(S.MANAGER)
    return roles


def cases_visible_to(*, user: User | AnonymousUser | None) -> QuerySet[Case]:
    """Every case ``user`` may see, by relationship."""
    qs = Case.objects.select_related("matter", "department", "applicant", "company", "point")
    if not is_active_user(user):
        return qs.none()
    if user.is_superuser:
        return qs
    q = Q(applicant__user=user) | Q(company__in=user.companies.all())
    if user.has_role(Role.AGENT) and user.agency_id:
        q |= Q(agency_id=user.agency_id)
    if user.has_role(Role.CLERK, Role.SOCIAL_WORKER) and user.point_id:
        q |= Q(point_id__in=point_subtree_ids(user.point))
    if user.has_role(Role.SPECIALIST):
        q |= Q(channel="door", created_by=user)
    if user.has_role(Role.REVIEWER) and user.department_id:
        q |= Q(department_id=user.department_id)
    if user.has_role(Role.MANAGER) and user.point is not None:
        q |= Q(district_id=user.point.district_id)
    return qs.filter(q)


def case_get_for_user(
    *, user: User | AnonymousUser | None, number: str, lock: bool = False
) -> Case:
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
    # a case completed after the window's one-time notice is accepted first, then reviewed
    if case.state == S.State.RESUBMITTED:
        if action == "accept" and case.accepted_at is not None:
            return "already_accepted"
        if action in ("start_review", "request_supplement") and case.accepted_at is None:
            return "not_accepted"
    if action == "request_supplement" and case.supplement_rounds >= 1 and S.MANAGER not in roles:
        return "second_supplement_needs_manager"
    return None


def allowed_actions(*, user: User | AnonymousUser | None, case: Case) -> list[S.Transition]:
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


def case_counts(*, cases: QuerySet[Case]) -> dict[str, int]:
    """Zero-visit and one-visit counts over a set of cases."""
    return {
        "total": cases.count(),
        "zero_visit": cases.filter(visit_count=0).count(),
        "one_visit": cases.filter(visit_count=1).count(),
        "supplement_twice": cases.filter(supplement_rounds__gte=2).count(),
    }


#: material states the applicant still has to do something about
BAD = (MaterialStatus.MISSING, MaterialStatus.DEFECTIVE)


def case_missing(*, case: Case) -> list[CaseMaterial]:
    """What the applicant still has to supply: required materials missing or defective, and
    optional ones staff flagged (defective, or missing with a reason). An optional material
    simply not handed in (e.g. 用途说明 left out of an online application) is not "missing"."""
    return [
        cm
        for cm in case.materials.all()
        if cm.status in BAD
        and (cm.required or cm.status == MaterialStatus.DEFECTIVE or cm.reason.strip())
    ]
