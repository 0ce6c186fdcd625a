"""Drill-down: the cases behind a figure of the dashboard (the numerator of a rate)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from onetrip.cases.models import Case
from onetrip.clock import local_today
from onetrip.metrics import raw, reads, selectors
from onetrip.metrics.scope import Scope

#: figure → which cases are "behind" it (a condition on the scope's cases)
DRILL = ("all", "overdue", "supplemented", "refused", "first_pass", "zero_visit", "two_plus_visits")


def case_flags(*, case: Case, today: dt.date) -> dict[str, bool]:
    from onetrip.cases.selectors import case_flags as flags

    return flags(case=case, today=today)


def drill_cases(scope: Scope, *, figure: str, today: dt.date | None = None) -> QuerySet[Case]:
    """The scope's cases counted in ``figure`` (the numerator; "all": the whole scope)."""
    today = today or local_today()
    qs = raw.with_helpers(raw.cases_in_scope(scope))
    if figure == "overdue":
        qs = qs.filter(raw.overdue_settled_q() | raw.overdue_running_q(today=today))
    elif figure == "supplemented":
        qs = qs.filter(Q(supplement_rounds__gte=1)).exclude(
            supplement_rounds=1, state="supplement_requested"
        )
    elif figure == "refused":
        qs = qs.filter(state="refused")
    elif figure == "first_pass":
        qs = qs.filter(accepted_at__isnull=False, supplement_rounds=0)
    elif figure == "zero_visit":
        qs = qs.filter(visit_count=0)
    elif figure == "two_plus_visits":
        qs = qs.filter(visit_count__gte=2)
    elif figure != "all":
        raise ValueError(figure)
    return qs.select_related("matter", "department", "point").order_by("-submitted_at", "-id")


#: drill-down figure → its count column of the case roll-ups (the numerator it lists)
_DRILL_COLUMN = {
    "all": "cases",
    "overdue": "overdue",
    "supplemented": "supplemented",
    "refused": "refused",
    "first_pass": "first_pass",
    "zero_visit": "zero_visit",
    "two_plus_visits": "two_plus_visits",
}


def drill_total(scope: Scope, *, figure: str, today: dt.date | None = None) -> int | None:
    """How many cases a drill-down lists: the figure's own count, read from the roll-ups (one
    small query; None when the scope's ends are not whole days)."""
    if not scope.whole_days or figure not in _DRILL_COLUMN:
        return None
    column = _DRILL_COLUMN[figure]
    rows = reads.grouped("cases", [("p", scope)], [("tag",)])[("tag",)]
    n = sum(r[column] or 0 for r in rows)
    if figure == "overdue":
        n += selectors.RunningOverdue(scope, today=today or local_today()).total(scope)
    return n
