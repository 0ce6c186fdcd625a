"""List reads of cases: the back-office queue and the API list, both paged by keyset (every
page costs the same however deep), and the materials of a page of cases in one query."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from onetrip.access import manages_district
from onetrip.cases import states as S
from onetrip.cases.models import Case
from onetrip.cases.prepared import MATERIAL_KEYS
from onetrip.cases.selectors import (
    cases_visible_to,
    due_soon_q,
    overdue_q,
    soon_date,
)
from onetrip.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from onetrip.catalogue.models import Department
    from onetrip.people.models import User

#: the back office's default view: every case a department still has work on
BACKOFFICE_STATES = tuple(s for s in S.OPEN if s != S.State.DRAFT) + (
    S.State.APPROVED,
    S.State.REJECTED,
)
#: the same as SQL with the constants written in, so a prepared statement's generic plan can
#: still use the partial index ``case_backoffice_open`` (whose condition is this list)
_BACKOFFICE_SQL = "state IN ({})".format(", ".join(f"'{s}'" for s in BACKOFFICE_STATES))
PAGE_SIZE = 50
#: what a back-office page shows and flags (the rest of a case and of its matter stays unread)
PAGE_FIELDS = (
    "number",
    "state",
    "promised_due",
    "state_due",
    "extended_days",
    "visit_count",
    "point_id",
    "department_id",
    "matter__name",
)


def _sees_whole_department(user: User, department: Department) -> bool:
    if user.is_superuser:
        return True
    if user.has_role(Role.REVIEWER) and user.department_id == department.pk:
        return True
    return manages_district(user, department.district_id)


def backoffice_queue(
    *,
    user: User,
    department: Department,
    today: dt.date,
    state: str | None = None,
    due: str | None = None,
) -> QuerySet[Case]:
    """A department's work queue, sorted by due date (cases without one last), then id."""
    from django.db.models import F

    if _sees_whole_department(user, department):
        qs = Case.objects.select_related("matter").only(*PAGE_FIELDS).filter(department=department)
    else:
        qs = cases_visible_to(user=user).filter(department=department)
    if state:
        qs = qs.filter(state=state)
    else:
        qs = qs.extra(where=[_BACKOFFICE_SQL])  # noqa: S610 - constants of this module only
    if due == "overdue":
        qs = qs.filter(overdue_q(today=today))
    elif due == "soon":
        soon = soon_date(today=today) or today
        qs = qs.filter(due_soon_q(today=today, soon=soon))
    return qs.order_by(F("promised_due").asc(nulls_last=True), "id")


def _cursor_out(case: Case) -> str:
    return f"{case.promised_due.isoformat() if case.promised_due else '-'}.{case.pk}"


def _cursor_in(cursor: str | None) -> tuple[bool, dt.date | None, int] | None:
    """ "2026-11-03.123" or "-.123" (no due date) → (has a due date, date, id); junk → None."""
    if not cursor:
        return None
    due, _dot, pk = cursor.partition(".")
    try:
        return (due != "-", None if due == "-" else dt.date.fromisoformat(due), int(pk))
    except ValueError:
        return None


def backoffice_page(
    *, queue: QuerySet[Case], after: str | None = None, size: int = PAGE_SIZE
) -> tuple[list[Case], str | None]:
    """One page of ``queue`` (a ``backoffice_queue``) after the cursor ``after`` (keyset
    pagination on (promised_due, id): every page costs the same however deep), and the next
    page's cursor (None: this is the last page). Dated cases and undated ones are read by two
    index range scans rather than one OR, so the database never walks the pages before the
    cursor."""
    cursor = _cursor_in(after)
    rows: list[Case] = []
    if cursor is None or cursor[0]:
        dated = queue.filter(promised_due__isnull=False)
        if cursor is not None:
            _has, day, pk = cursor
            dated = dated.filter(promised_due__gte=day).exclude(promised_due=day, id__lte=pk)
        rows = list(dated[: size + 1])
    if len(rows) <= size:
        undated = queue.filter(promised_due__isnull=True)
        if cursor is not None and not cursor[0]:
            undated = undated.filter(id__gt=cursor[2])
        rows += list(undated[: size + 1 - len(rows)])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (_cursor_out(rows[-1]) if more and rows else None)


#: what ``cases.api.case_out`` and the roles on a case (``selectors.case_roles``,
#: ``transition_refusal``) read: a row of the API list is 40 columns instead of ~115 (the
#: matter's texts, the case's reasons and documents stay unread). ``tests/cases/test_lists.py``
#: fails if a row needs one more query.
API_FIELDS = (
    "number",
    "state",
    "channel",
    "district_id",
    "point__code",
    "matter__code",
    "matter__name",
    "matter__kind",
    "department__name",
    "applicant__name",
    "applicant__id_number",
    "applicant__user_id",
    "company__name",
    "company__credit_code",
    "company__founder_id",
    "agency_id",
    "agent_id",
    "created_by_id",
    "accepted_at",
    "accepted_on",
    "promised_due",
    "legal_due",
    "state_due",
    "paused_days",
    "extended_days",
    "visit_count",
    "supplement_rounds",
    "tracking_token",
)


def cases_list_page(
    *,
    user: User | AnonymousUser | None,
    today: dt.date,
    state: str | None = None,
    due: str | None = None,
    before: int | None = None,
    size: int = PAGE_SIZE,
) -> tuple[list[Case], int | None]:
    """The cases ``user`` may see, newest first, keyset-paginated on id: the page before case
    id ``before`` and the id to ask the next page before (None: last page)."""
    qs = cases_visible_to(user=user).only(*API_FIELDS)
    if state:
        qs = qs.filter(state=state)
    if due == "overdue":
        qs = qs.filter(overdue_q(today=today))
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs.order_by("-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].pk if more and rows else None)


def case_material_rows_many(*, case_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """``prepared.case_material_rows`` for many cases in one query."""
    from django.db.models import Count

    from onetrip.cases.models import CaseMaterial

    out: dict[int, list[dict[str, Any]]] = {pk: [] for pk in case_ids}
    rows = (
        CaseMaterial.objects.filter(case_id__in=case_ids)
        .annotate(n_files=Count("files"))
        .order_by("case_id", "position", "id")
        .values_list(
            "case_id", "id", "name", "required", "status", "count", "reason", "later_due", "n_files"
        )
    )
    for row in rows:
        out[row[0]].append(dict(zip(MATERIAL_KEYS, row[1:], strict=True)))
    return out
