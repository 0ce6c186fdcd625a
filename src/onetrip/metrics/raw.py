"""The figures computed straight from the raw rows (cases, tickets, ratings).

This is the reference the daily roll-ups (``metrics.rollups``) are built from and checked
against: the roll-up tables are filled by grouping these very expressions per day, and the tests
compare every figure read from the roll-ups with the same figure computed here. The dashboard
reads the roll-ups; this module also answers the exact 90th-percentile wait of a small scope and
the satisfaction figures. Definitions: ``metrics.definitions``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, TruncDate

from onetrip.cases import states as S
from onetrip.cases.models import Case, SupplementNotice
from onetrip.cases.selectors import RUNNING
from onetrip.catalogue.models import PointLevel
from onetrip.clock import SHANGHAI, in_period
from onetrip.metrics.models import Rating
from onetrip.metrics.scope import Scope
from onetrip.queueing.models import Queue, Ticket
from onetrip.ratios import ratio

P90 = 0.9
LOCAL_LEVELS = (PointLevel.STREET, PointLevel.COMMUNITY)


class Seconds(Func):
    """Seconds from the second datetime expression to the first, as a float."""

    arg_joiner = " - "
    template = "EXTRACT(EPOCH FROM (%(expressions)s))::double precision"
    output_field = FloatField()

    def as_sqlite(self, compiler, conn, **extra):
        # SQLite keeps datetimes as ISO text; julianday() reads them.
        return super().as_sql(
            compiler,
            conn,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra,
        )


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate ``percentile_cont(f) WITHIN GROUP (ORDER BY x)``."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def wait_seconds_expr():
    start = Coalesce(F("slot_start"), F("issued_at"))
    return Greatest(Seconds(F("first_called_at"), start), Value(0.0))


def num(value: Any, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


# -- querysets in scope ----------------------------------------------------------------------


def _case_filters(scope: Scope, prefix: str = "") -> Q:
    q = Q()
    for name in ("point", "department", "matter", "agency"):
        value = getattr(scope, name)
        if value is not None:
            q &= Q(**{f"{prefix}{name}": value})
    if scope.kind == "company":
        q &= Q(**{f"{prefix}company__isnull": False})
    elif scope.kind == "person":
        q &= Q(**{f"{prefix}company__isnull": True})
    if scope.channel:
        q &= Q(**{f"{prefix}channel": scope.channel})
    return q


def cases_in_scope(scope: Scope) -> QuerySet[Case]:
    qs = Case.objects.filter(district=scope.district, submitted_at__isnull=False)
    return qs.filter(in_period("submitted_at", scope.since, scope.until), _case_filters(scope))


def ticket_queue_ids(scope: Scope) -> QuerySet[Queue] | None:
    """The queues a department or matter cut counts tickets of (None: no such cut). A ticket's
    department and matter are its queue's: a department's queues and queues of its matters; a
    matter's queues and its department's queues that list no matters."""
    qs = None
    if scope.department is not None:
        qs = Queue.objects.filter(
            Q(department=scope.department) | Q(matters__department=scope.department)
        )
    if scope.matter is not None:
        m = scope.matter
        mq = Queue.objects.filter(
            Q(matters=m) | Q(department_id=m.department_id, matters__isnull=True)
        )
        qs = mq if qs is None else qs.filter(pk__in=mq.values("pk"))
    return qs


def tickets_in_scope(scope: Scope) -> QuerySet[Ticket]:
    """Called tickets of the district's points (not cut by applicant kind or channel)."""
    qs = Ticket.objects.filter(point__district=scope.district, first_called_at__isnull=False)
    qs = qs.filter(in_period("issued_at", scope.since, scope.until))
    first_day, last_day = scope.first_day, scope.last_day
    if first_day is not None:  # lets the (point, day, …) index narrow the rows first
        qs = qs.filter(day__gte=first_day - dt.timedelta(days=1))
    if last_day is not None:
        qs = qs.filter(day__lte=last_day + dt.timedelta(days=1))
    if scope.point is not None:
        qs = qs.filter(point=scope.point)
    queues = ticket_queue_ids(scope)
    if queues is not None:
        qs = qs.filter(queue_id__in=queues.values("pk"))
    if scope.agency is not None:
        qs = qs.filter(agency=scope.agency)
    return qs


def ratings_in_scope(scope: Scope) -> QuerySet[Rating]:
    qs = Rating.objects.filter(case__district=scope.district)
    return qs.filter(in_period("at", scope.since, scope.until), _case_filters(scope, "case__"))


# -- aggregates ------------------------------------------------------------------------------


def overdue_settled_q() -> Q:
    """The part of "overdue" that no longer depends on today: flagged by the sweep, or decided
    after the promised date (needs the ``_decided_on`` alias of ``with_helpers``)."""
    return Q(accepted_at__isnull=False) & (
        Q(overdue_at__isnull=False) | Q(_decided_on__gt=F("promised_due"))
    )


def overdue_running_q(*, today: dt.date) -> Q:
    """The part that depends on today: accepted, not flagged, not decided late, still running
    past the promised date. With ``overdue_settled_q`` it makes the whole figure, disjointly."""
    return (
        Q(accepted_at__isnull=False, overdue_at__isnull=True)
        & (Q(decided_at__isnull=True) | Q(_decided_on__lte=F("promised_due")))
        & Q(state__in=RUNNING, promised_due__lt=today)
    )


def case_aggregates(*, today: dt.date | None) -> dict[str, Any]:
    """Counts per scope. ``today=None`` gives the roll-up's columns (overdue = the settled
    part only, visits as a sum); with a date, the complete figures."""
    accepted = Q(accepted_at__isnull=False)
    refused = Q(state=S.State.REFUSED)
    pending_first = Q(supplement_rounds=1, state=S.State.SUPPLEMENT_REQUESTED)
    supplemented = Q(supplement_rounds__gte=1) & ~pending_first
    one_go = Q(supplement_rounds=1, _answered=True)
    company = Q(company__isnull=False)
    overdue = overdue_settled_q()
    if today is not None:
        overdue |= overdue_running_q(today=today)
    aggs: dict[str, Any] = {
        "cases": Count("id"),
        "intake_decided": Count("id", filter=accepted | refused),
        "accepted": Count("id", filter=accepted),
        "refused": Count("id", filter=refused),
        "first_pass": Count("id", filter=accepted & Q(supplement_rounds=0)),
        "supplemented": Count("id", filter=supplemented),
        "one_go": Count("id", filter=one_go),
        "company_supplemented": Count("id", filter=supplemented & company),
        "company_one_go": Count("id", filter=one_go & company),
        "zero_visit": Count("id", filter=Q(visit_count=0)),
        "one_visit": Count("id", filter=Q(visit_count=1)),
        "two_plus_visits": Count("id", filter=Q(visit_count__gte=2)),
        "local": Count("id", filter=Q(point__level__in=LOCAL_LEVELS)),
        "overdue": Count("id", filter=overdue),
        "errors": Count("id", filter=Q(supplement_rounds__gte=1) | refused),
        "with_precheck": Count("id", filter=(accepted | refused) & Q(_prechecked=True)),
        "first_pass_precheck": Count(
            "id", filter=accepted & Q(supplement_rounds=0, _prechecked=True)
        ),
    }
    if today is None:
        from django.db.models import Sum

        aggs["visits"] = Coalesce(Sum("visit_count"), 0)
    else:
        aggs["avg_visits"] = Avg("visit_count", output_field=FloatField())
    return aggs


#: the count columns of a case roll-up row, in order
CASE_COUNTS = tuple(k for k in case_aggregates(today=None))


def with_helpers(qs: QuerySet[Case]) -> QuerySet[Case]:
    from onetrip.intake.models import PreCheck

    return qs.alias(
        _answered=Exists(
            SupplementNotice.objects.filter(case=OuterRef("pk"), round=1, answered_at__isnull=False)
        ),
        _prechecked=Exists(PreCheck.objects.filter(case_number=OuterRef("number"))),
        _decided_on=TruncDate("decided_at", tzinfo=SHANGHAI),
    )


def case_row(raw: dict[str, Any]) -> dict[str, Any]:
    n = raw["cases"]
    avg = raw.get("avg_visits")
    if avg is None and "visits" in raw and n:
        avg = raw["visits"] / n
    return {
        "cases": n,
        "accepted": raw["accepted"],
        "refused": raw["refused"],
        "first_pass_rate": ratio(raw["first_pass"], raw["intake_decided"]),
        "first_pass_rate_with_precheck": ratio(raw["first_pass_precheck"], raw["with_precheck"]),
        "supplemented": raw["supplemented"],
        "one_go_supplement_rate": ratio(raw["one_go"], raw["supplemented"]),
        "one_go_supplement_rate_companies": ratio(
            raw["company_one_go"], raw["company_supplemented"]
        ),
        "avg_visits": num(avg),
        "visits": {
            "0": raw["zero_visit"],
            "1": raw["one_visit"],
            "2+": raw["two_plus_visits"],
        },
        "zero_visit_share": ratio(raw["zero_visit"], n),
        "local_share": ratio(raw["local"], n),
        "overdue": raw["overdue"],
        "overdue_rate": ratio(raw["overdue"], raw["accepted"]),
        "errors": raw["errors"],
        "error_rate": ratio(raw["errors"], n),
    }


EMPTY_CASES: dict[str, Any] = {**dict.fromkeys(CASE_COUNTS, 0), "visits": 0}


def p90_ordered(qs: QuerySet[Ticket], n: int) -> float | None:
    """``percentile_cont(0.9)`` by an ordered OFFSET query: the two neighbouring values."""
    if not n:
        return None
    pos = P90 * (n - 1)
    lo = math.floor(pos)
    values = list(
        qs.annotate(_w=wait_seconds_expr()).order_by("_w").values_list("_w", flat=True)[lo : lo + 2]
    )
    if len(values) == 1 or pos == lo:
        return float(values[0])
    return float(values[0]) + (pos - lo) * (float(values[1]) - float(values[0]))


def wait_aggregates() -> dict[str, Any]:
    aggs: dict[str, Any] = {"tickets": Count("id"), "avg": Avg(wait_seconds_expr())}
    if connection.vendor == "postgresql":
        aggs["p90"] = PercentileCont(wait_seconds_expr(), fraction=P90)
    return aggs


def wait_row(tickets: int, avg_seconds: float | None, p90: float | None) -> dict[str, Any]:
    return {
        "tickets": tickets,
        "avg_wait_minutes": None if avg_seconds is None else round(float(avg_seconds) / 60, 1),
        "p90_wait_minutes": None if p90 is None else round(float(p90) / 60, 1),
    }


def rating_aggregates() -> dict[str, Any]:
    return {
        "ratings": Count("id"),
        "avg_score": Avg("score", output_field=FloatField()),
        "satisfied": Count("id", filter=Q(score__gte=4)),
    }


def rating_row(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "ratings": raw["ratings"],
        "avg_score": num(raw["avg_score"]),
        "satisfied_share": ratio(raw["satisfied"], raw["ratings"]),
    }


EMPTY_RATINGS: dict[str, Any] = {"ratings": 0, "avg_score": None, "satisfied": 0}


# -- figures ---------------------------------------------------------------------------------


def wait_figures(scope: Scope) -> dict[str, Any]:
    """Tickets called, average and 90th-percentile wait in minutes (exact)."""
    qs = tickets_in_scope(scope)
    raw = qs.aggregate(**wait_aggregates())
    p90 = raw.get("p90") if connection.vendor == "postgresql" else p90_ordered(qs, raw["tickets"])
    return wait_row(raw["tickets"], raw["avg"], p90)


def case_figures(scope: Scope, *, today: dt.date) -> dict[str, Any]:
    raw = with_helpers(cases_in_scope(scope)).aggregate(**case_aggregates(today=today))
    return case_row(raw)


def satisfaction_figures(scope: Scope) -> dict[str, Any]:
    return rating_row(ratings_in_scope(scope).aggregate(**rating_aggregates()))


CASE_KEY = {"point": "point", "department": "department", "matter": "matter", "agency": "agency"}
TICKET_KEY = {
    "point": "point",
    "department": "queue__department",
    "matter": "queue__matters",
    "agency": "agency",
}
RATING_KEY = {k: f"case__{v}" for k, v in CASE_KEY.items()}


def cases_by(by: str, scope: Scope, *, today: dt.date) -> dict[int, dict[str, Any]]:
    key = CASE_KEY[by]
    rows = (
        with_helpers(cases_in_scope(scope))
        .filter(**{f"{key}__isnull": False})
        .values(key)
        .annotate(**case_aggregates(today=today))
        .order_by(key)
    )
    return {raw[key]: case_row(raw) for raw in rows}


def waits_by(by: str, scope: Scope) -> dict[int, dict[str, Any]]:
    tkey = TICKET_KEY[by]
    tickets = tickets_in_scope(scope).filter(**{f"{tkey}__isnull": False})
    out = {}
    for raw in tickets.values(tkey).annotate(**wait_aggregates()).order_by(tkey):
        gid = raw[tkey]
        if connection.vendor == "postgresql":
            p90 = raw["p90"]
        else:
            p90 = p90_ordered(tickets.filter(**{tkey: gid}), raw["tickets"])
        out[gid] = wait_row(raw["tickets"], raw["avg"], p90)
    return out


def ratings_by(by: str, scope: Scope) -> dict[int, dict[str, Any]]:
    rkey = RATING_KEY[by]
    ratings = ratings_in_scope(scope).filter(**{f"{rkey}__isnull": False})
    return {
        raw[rkey]: rating_row(raw)
        for raw in ratings.values(rkey).annotate(**rating_aggregates()).order_by(rkey)
    }
