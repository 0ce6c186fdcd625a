"""The reform's figures (MISSION §11) for a ``Scope``, read from the daily and monthly roll-ups.

Whole months of a period come from the monthly tables, the days at its edges from the daily ones
(``_spans``); both hold the same columns. Before reading, ``rollups_refresh`` brings the changed
days up to date (nothing to do, one max(id) per source table, when the task worker got there
first). What the roll-ups cannot hold is read from the raw rows, each a small indexed query: the
part of "overdue" that depends on today (running cases past their date the sweep has not flagged
yet), satisfaction, and the exact 90th-percentile wait of a scope with at most
``EXACT_P90_LIMIT`` called tickets (above it, the percentile is interpolated in the roll-up's wait
bins: within one bin width, 1 minute below an hour). Definitions: ``metrics.definitions``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate, TruncWeek

from onetrip.cases.models import RUNNING_STATES
from onetrip.catalogue.models import Department, Matter, OnlineDepth, ServicePoint
from onetrip.clock import local_today
from onetrip.dbrouter import primary_reads
from onetrip.metrics import raw
from onetrip.metrics.followups import followup_scope_figures
from onetrip.metrics.models import (
    CaseDay,
    CaseMonth,
    RatingDay,
    RatingMonth,
    WaitDay,
    WaitMonth,
)
from onetrip.metrics.rollups import CASE_SUMS, RATING_SUMS, bin_width, rollups_refresh
from onetrip.metrics.scope import SHANGHAI, Scope, district_for_user, period_bounds, scope_resolve
from onetrip.people.models import Agency
from onetrip.queueing.models import Queue

__all__ = [
    "BREAKDOWNS",
    "Scope",
    "district_for_user",
    "period_bounds",
    "scope_resolve",
]

BREAKDOWNS = ("point", "department", "matter", "agency")
EXACT_P90_LIMIT = 5000


def refresh(scope: Scope | None = None) -> None:
    """Bring the roll-ups up to date (``METRICS_REFRESH_ON_READ``, default on) and forget what
    was memoised on ``scope`` for an earlier read."""
    if getattr(settings, "METRICS_REFRESH_ON_READ", True):
        with primary_reads():  # reads its marks, then writes: on the primary, not a replica
            rollups_refresh()
    if scope is not None:
        scope.__dict__.pop("_memo", None)


# -- which roll-up rows a scope reads ----------------------------------------------------------


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _spans(scope: Scope) -> tuple[Q | None, Q | None]:
    """(condition on the monthly table, condition on the daily table); None: read none."""
    first, last = scope.first_day, scope.last_day
    end = None if last is None else last + dt.timedelta(days=1)  # exclusive
    m_start = first if first is None or first.day == 1 else _next_month(first)
    m_end = end if end is None or end.day == 1 else end.replace(day=1)
    if m_start is not None and m_end is not None and m_start >= m_end:
        q = Q()
        if first is not None:
            q &= Q(day__gte=first)
        if end is not None:
            q &= Q(day__lt=end)
        return None, q
    months = Q()
    if m_start is not None:
        months &= Q(day__gte=m_start)
    if m_end is not None:
        months &= Q(day__lt=m_end)
    days = Q(pk__in=[])
    edges = False
    if first is not None and first < m_start:
        days |= Q(day__gte=first, day__lt=m_start)
        edges = True
    if end is not None and m_end < end:
        days |= Q(day__gte=m_end, day__lt=end)
        edges = True
    return months, (days if edges else None)


def _case_filter(scope: Scope) -> Q:
    f = Q(district_id=scope.district.pk)
    for name in ("point", "department", "matter", "agency"):
        value = getattr(scope, name)
        if value is not None:
            f &= Q(**{f"{name}_id": value.pk})
    if scope.kind:
        f &= Q(company=scope.kind == "company")
    if scope.channel:
        f &= Q(channel=scope.channel)
    return f


def _wait_filter(scope: Scope) -> Q:
    f = Q(district_id=scope.district.pk)
    if scope.point is not None:
        f &= Q(point_id=scope.point.pk)
    if scope.agency is not None:
        f &= Q(agency_id=scope.agency.pk)
    queues = raw.ticket_queue_ids(scope)
    if queues is not None:
        f &= Q(queue_id__in=list(queues.values_list("pk", flat=True)))
    return f


_TABLES = {
    "cases": (CaseMonth, CaseDay, _case_filter),
    "waits": (WaitMonth, WaitDay, _wait_filter),
    "ratings": (RatingMonth, RatingDay, _case_filter),
}
_CASE_SUMS = {c: Sum(c) for c in CASE_SUMS}
_WAIT_SUMS = {"c": Sum("n"), "s": Sum("wait_sum")}
_RATING_SUMS = {c: Sum(c) for c in RATING_SUMS}


def _grouped(
    what: str, scope: Scope, keys: tuple[str, ...], sums: dict[str, Any], *, days_only=False
):
    """Rows of ``keys`` + ``sums`` over the scope's roll-up rows: the monthly table for whole
    months and the daily one for the edges, read in one UNION ALL query (a key may come twice:
    the caller adds them up). ``days_only``: the daily table over the whole period."""
    monthly, daily, filt = _TABLES[what]
    f = filt(scope)
    if days_only:
        months, days = None, Q()
        if scope.first_day is not None:
            days &= Q(day__gte=scope.first_day)
        if scope.last_day is not None:
            days &= Q(day__lte=scope.last_day)
    else:
        months, days = _spans(scope)
    group = keys or ("district_id",)
    parts = []
    if months is not None:
        parts.append(monthly.objects.filter(f, months))
    if days is not None:
        parts.append(daily.objects.filter(f, days))
    if "week" in group:  # the Monday of the day's week, in SQL: fewer rows to read
        parts = [qs.annotate(week=TruncWeek("day")) for qs in parts]
    parts = [qs.values(*group).annotate(**sums).order_by() for qs in parts]
    if not parts:
        return []
    qs = parts[0] if len(parts) == 1 else parts[0].union(parts[1], all=True)
    return list(qs)


def _add(into: dict[str, int], row: dict[str, Any], columns=CASE_SUMS) -> None:
    for c in columns:
        into[c] = into.get(c, 0) + (row.get(c) or 0)


def _rating_row(sums: dict[str, int]) -> dict[str, Any]:
    n = sums.get("ratings") or 0
    return raw.rating_row(
        {
            "ratings": n,
            "avg_score": (sums["score_sum"] / n) if n else None,
            "satisfied": sums.get("satisfied") or 0,
        }
    )


# -- overdue: the part that depends on today ----------------------------------------------------


#: ``cases.models.RUNNING_STATES`` as SQL with the constants written in, so that even a
#: prepared statement's generic plan can use the partial index ``case_running_unflagged``
_RUNNING_SQL = "state IN ({})".format(", ".join(f"'{s}'" for s in RUNNING_STATES))


def _running_overdue(scope: Scope, *, today: dt.date, by: str | None = None):
    """Accepted cases still running past their promised date that the sweep has not flagged:
    a count, or counts per ``by`` key (point, department, …, or "day" of submission), each one
    small grouped query over the partial index (memoised on the scope object, which lives for
    one request)."""
    memo = scope.__dict__.setdefault("_memo", {})
    if (today, by) in memo:
        return memo[(today, by)]
    qs = (
        raw.cases_in_scope(scope)
        .extra(where=[_RUNNING_SQL])  # noqa: S610 - constants of this module only
        .filter(accepted_at__isnull=False, overdue_at__isnull=True, promised_due__lt=today)
        .alias(_decided_on=TruncDate("decided_at", tzinfo=SHANGHAI))
        .filter(Q(decided_at__isnull=True) | Q(_decided_on__lte=F("promised_due")))
    )
    if by is None:
        out: Any = qs.count()
    else:
        if by == "day":
            qs = qs.annotate(_k=TruncDate("submitted_at", tzinfo=SHANGHAI))
            key = "_k"
        else:
            key = raw.CASE_KEY[by]
        out = dict(qs.values(key).annotate(n=Count("id")).order_by().values_list(key, "n"))
    memo[(today, by)] = out
    return out


# -- waits from bins ---------------------------------------------------------------------------


def p90_from_bins(bins: dict[int, int]) -> float | None:
    """``percentile_cont(0.9)`` (seconds) over binned waits: the values at ranks ⌊0.9·(n−1)⌋ and
    the next one, each placed evenly inside its bin, interpolated as percentile_cont does. Off
    by at most the wider of the two bins."""
    n = sum(bins.values())
    if not n:
        return None
    pos = raw.P90 * (n - 1)
    lo = int(pos)
    ordered = sorted(bins.items())

    def value_at(rank: int) -> float:
        seen = 0
        for lower, count in ordered:
            if rank < seen + count:
                return lower + bin_width(lower) * (rank - seen + 0.5) / count
            seen += count
        return float(ordered[-1][0])

    low = value_at(lo)
    high = value_at(min(lo + 1, n - 1))
    return (low + (pos - lo) * (high - low)) * 60.0


def _wait_from(bins: dict[int, int], total: float) -> tuple[int, float | None, float | None]:
    n = sum(bins.values())
    return n, (total / n if n else None), p90_from_bins(bins)


# -- figures -----------------------------------------------------------------------------------


def _wait_figures(scope: Scope) -> dict[str, Any]:
    """Tickets called, average wait (exact) and 90th-percentile wait (exact up to
    ``EXACT_P90_LIMIT`` tickets, else from the bins), in minutes."""
    if not scope.whole_days:
        return raw.wait_figures(scope)
    bins: dict[int, int] = defaultdict(int)
    total = 0.0
    for row in _grouped("waits", scope, ("bin",), _WAIT_SUMS):
        bins[row["bin"]] += row["c"]
        total += row["s"] or 0.0
    n, avg, p90 = _wait_from(bins, total)
    if 0 < n <= EXACT_P90_LIMIT:
        return raw.wait_row(n, avg, _exact_p90(scope, n))
    return raw.wait_row(n, avg, p90)


def _exact_p90(scope: Scope, n: int) -> float | None:
    from django.db import connection

    qs = raw.tickets_in_scope(scope)
    if connection.vendor == "postgresql":
        return qs.aggregate(p=raw.PercentileCont(raw.wait_seconds_expr(), fraction=raw.P90))["p"]
    return raw.p90_ordered(qs, n)


def _case_figures(scope: Scope, *, today: dt.date | None = None) -> dict[str, Any]:
    """Pass rates, supplements, visits, local share, overdue, errors."""
    if not scope.whole_days:
        return raw.case_figures(scope, today=today or local_today())
    sums: dict[str, int] = dict.fromkeys(CASE_SUMS, 0)
    for row in _grouped("cases", scope, (), _CASE_SUMS):
        _add(sums, row)
    sums["overdue"] += _running_overdue(scope, today=today or local_today())
    return raw.case_row(sums)


def matter_figures(scope: Scope) -> dict[str, Any]:
    """Active matters of the catalogue: how many need zero visits and how many are five-star."""
    qs = Matter.objects.filter(district=scope.district, is_active=True)
    if scope.department is not None:
        qs = qs.filter(department=scope.department)
    if scope.matter is not None:
        qs = qs.filter(pk=scope.matter.pk)
    r = qs.aggregate(
        matters=Count("id"),
        zero=Count("id", filter=Q(visits_needed=0)),
        five=Count("id", filter=Q(visits_needed=0, online_depth=OnlineDepth.IV)),
    )
    return {
        "matters": r["matters"],
        "zero_visit_matters": r["zero"],
        "five_star_matters": r["five"],
        "zero_visit_matter_share": raw.ratio(r["zero"], r["matters"]),
        "five_star_matter_share": raw.ratio(r["five"], r["matters"]),
    }


def satisfaction_figures(scope: Scope) -> dict[str, Any]:
    """Ratings given in the period: how many, mean score, share of 4–5."""
    if not scope.whole_days:
        return raw.satisfaction_figures(scope)
    sums: dict[str, int] = {}
    for row in _grouped("ratings", scope, (), _RATING_SUMS):
        _add(sums, row, RATING_SUMS)
    return _rating_row(sums)


def wait_figures(scope: Scope) -> dict[str, Any]:
    refresh(scope)
    return _wait_figures(scope)


def case_figures(scope: Scope, *, today: dt.date | None = None) -> dict[str, Any]:
    refresh(scope)
    return _case_figures(scope, today=today)


def reform_figures(
    scope: Scope, *, today: dt.date | None = None, fresh: bool = True
) -> dict[str, Any]:
    """Every figure of MISSION §11 for one scope and period (``fresh``: bring the roll-ups up
    to date first)."""
    if fresh:
        refresh(scope)
    return {
        "waits": _wait_figures(scope),
        "cases": _case_figures(scope, today=today),
        "matters": matter_figures(scope),
        "satisfaction": satisfaction_figures(scope),
        "followups": followup_scope_figures(scope, today=today),
    }


# -- breakdowns --------------------------------------------------------------------------------


def _labels(by: str, ids: set[int]) -> dict[int, dict[str, Any]]:
    if by == "point":
        rows = ServicePoint.objects.filter(pk__in=ids).values("pk", "code", "name", "level")
    elif by == "department":
        rows = Department.objects.filter(pk__in=ids).values("pk", "code", "name")
    elif by == "matter":
        rows = Matter.objects.filter(pk__in=ids).values(
            "pk", "code", "name", "visits_needed", "online_depth"
        )
    else:
        rows = Agency.objects.filter(pk__in=ids).values("pk", "name")
    out = {}
    for r in rows:
        r = dict(r)
        pk = r.pop("pk")
        if by == "matter":
            r["five_star"] = r["visits_needed"] == 0 and r["online_depth"] == OnlineDepth.IV
        out[pk] = r
    return out


def _cases_by(by: str, scope: Scope, *, today: dt.date) -> dict[int, dict[str, Any]]:
    key = f"{by}_id"
    sums: dict[int, dict[str, int]] = defaultdict(dict)
    for row in _grouped("cases", scope, (key,), _CASE_SUMS):
        if row[key] is not None:
            _add(sums[row[key]], row)
    for gid, n in _running_overdue(scope, today=today, by=by).items():
        if gid is not None and gid in sums:
            sums[gid]["overdue"] += n
    return {gid: raw.case_row(s) for gid, s in sums.items()}


def _queue_groups(by: str, queue_ids: set[int]) -> dict[int, list[int]]:
    """queue → the department or matters its tickets count under in a breakdown."""
    if by == "department":
        rows = Queue.objects.filter(pk__in=queue_ids, department__isnull=False)
        return {q: [d] for q, d in rows.values_list("pk", "department_id")}
    through = Queue.matters.through
    out: dict[int, list[int]] = defaultdict(list)
    for q, m in through.objects.filter(queue_id__in=queue_ids).values_list("queue_id", "matter_id"):
        out[q].append(m)
    return out


def _waits_by(by: str, scope: Scope) -> dict[int, dict[str, Any]]:
    key = {"point": "point_id", "agency": "agency_id"}.get(by, "queue_id")
    bins: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    totals: dict[int, float] = defaultdict(float)
    for row in _grouped("waits", scope, (key, "bin"), _WAIT_SUMS):
        if row[key] is not None:
            bins[row[key]][row["bin"]] += row["c"]
            totals[row[key]] += row["s"] or 0.0
    if key == "queue_id":
        groups = _queue_groups(by, set(bins))
        merged: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        merged_totals: dict[int, float] = defaultdict(float)
        for q, qbins in bins.items():
            for gid in groups.get(q, ()):
                for b, c in qbins.items():
                    merged[gid][b] += c
                merged_totals[gid] += totals[q]
        bins, totals = merged, merged_totals
    total_n = sum(sum(b.values()) for b in bins.values())
    if 0 < total_n <= EXACT_P90_LIMIT:
        return raw.waits_by(by, scope)
    return {gid: raw.wait_row(*_wait_from(b, totals[gid])) for gid, b in bins.items()}


def _ratings_by(by: str, scope: Scope) -> dict[int, dict[str, Any]]:
    if not scope.whole_days:
        return raw.ratings_by(by, scope)
    key = f"{by}_id"
    sums: dict[int, dict[str, int]] = defaultdict(dict)
    for row in _grouped("ratings", scope, (key,), _RATING_SUMS):
        if row[key] is not None:
            _add(sums[row[key]], row, RATING_SUMS)
    return {gid: _rating_row(s) for gid, s in sums.items()}


def figures_by(
    *, by: str, scope: Scope, today: dt.date | None = None, fresh: bool = True
) -> list[dict[str, Any]]:
    """One row per point / department / matter / agency with its case, wait and satisfaction
    figures, the busiest first."""
    if by not in BREAKDOWNS:
        raise ValueError(by)
    if fresh:
        refresh(scope)
    today = today or local_today()
    cases = _cases_by(by, scope, today=today)
    waits = _waits_by(by, scope)
    ratings = _ratings_by(by, scope)
    labels = _labels(by, set(cases) | set(waits) | set(ratings))
    rows = []
    for gid in set(cases) | set(waits) | set(ratings):
        if gid not in labels:
            continue
        rows.append(
            {
                "id": gid,
                **labels[gid],
                "cases": cases.get(gid) or raw.case_row(raw.EMPTY_CASES),
                "waits": waits.get(gid) or raw.wait_row(0, None, None),
                "satisfaction": ratings.get(gid) or raw.rating_row(raw.EMPTY_RATINGS),
            }
        )
    rows.sort(key=lambda r: (-r["cases"]["cases"], -r["waits"]["tickets"], r["name"]))
    return rows


# -- weekly trend ------------------------------------------------------------------------------

#: the headline figures drawn as weekly trends: (key, which part, figure)
TREND_FIGURES = (
    ("avg_wait_minutes", "waits", "avg_wait_minutes"),
    ("p90_wait_minutes", "waits", "p90_wait_minutes"),
    ("first_pass_rate", "cases", "first_pass_rate"),
    ("one_go_supplement_rate", "cases", "one_go_supplement_rate"),
    ("zero_visit_share", "cases", "zero_visit_share"),
    ("avg_visits", "cases", "avg_visits"),
    ("local_share", "cases", "local_share"),
    ("overdue_rate", "cases", "overdue_rate"),
    ("satisfied_share", "satisfaction", "satisfied_share"),
)


def _as_date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def weekly_trend(
    scope: Scope, *, today: dt.date | None = None, fresh: bool = True
) -> dict[str, Any]:
    """Per week (Monday to Sunday, clipped to the period): every headline figure, from the
    daily roll-ups. The period must be bounded."""
    if fresh:
        refresh(scope)
    today = today or local_today()
    first, last = scope.first_day, scope.last_day
    if first is None or last is None:
        raise ValueError("a trend needs a bounded period")
    weeks = []
    monday = _monday(first)
    while monday <= last:
        weeks.append(monday)
        monday += dt.timedelta(days=7)
    cases: dict[dt.date, dict[str, int]] = defaultdict(dict)
    for row in _grouped("cases", scope, ("week",), _CASE_SUMS, days_only=True):
        _add(cases[_as_date(row["week"])], row)
    for day, n in _running_overdue(scope, today=today, by="day").items():
        cases[_monday(day)].setdefault("overdue", 0)
        cases[_monday(day)]["overdue"] += n
    bins: dict[dt.date, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    totals: dict[dt.date, float] = defaultdict(float)
    for row in _grouped("waits", scope, ("week", "bin"), _WAIT_SUMS, days_only=True):
        bins[_as_date(row["week"])][row["bin"]] += row["c"]
        totals[_as_date(row["week"])] += row["s"] or 0.0
    rating_sums: dict[dt.date, dict[str, int]] = defaultdict(dict)
    for row in _grouped("ratings", scope, ("week",), _RATING_SUMS, days_only=True):
        _add(rating_sums[_as_date(row["week"])], row, RATING_SUMS)
    ratings = {week: _rating_row(sums) for week, sums in rating_sums.items()}
    series: dict[str, list[Any]] = {key: [] for key, _p, _f in TREND_FIGURES}
    series["cases"], series["tickets"] = [], []
    for week in weeks:
        sums = {c: 0 for c in CASE_SUMS}
        for c, v in cases.get(week, {}).items():
            sums[c] += v
        parts = {
            "cases": raw.case_row(sums),
            "waits": raw.wait_row(*_wait_from(bins.get(week, {}), totals.get(week, 0.0))),
            "satisfaction": ratings.get(week) or raw.rating_row(raw.EMPTY_RATINGS),
        }
        for key, part, figure in TREND_FIGURES:
            series[key].append(parts[part][figure])
        series["cases"].append(parts["cases"]["cases"])
        series["tickets"].append(parts["waits"]["tickets"])
    return {"weeks": [w.isoformat() for w in weeks], "series": series}


# -- the whole report ---------------------------------------------------------------------------


def metrics_report(
    scope: Scope,
    *,
    today: dt.date | None = None,
    breakdowns: tuple[str, ...] = BREAKDOWNS,
) -> dict[str, Any]:
    """Everything the API, the page and the exports show."""
    today = today or local_today()
    figures = reform_figures(scope, today=today)  # refreshes the roll-ups
    return {
        "district": {"code": scope.district.code, "name": scope.district.name},
        "period": {
            "since": scope.first_day.isoformat() if scope.first_day else None,
            "until": scope.last_day.isoformat() if scope.last_day else None,
        },
        "filters": scope.filters(),
        "figures": figures,
        "breakdowns": {
            by: figures_by(by=by, scope=scope, today=today, fresh=False) for by in breakdowns
        },
    }


def case_visit_summary(
    *,
    district: ServicePoint,
    point: ServicePoint | None = None,
    matter: Matter | None = None,
) -> dict[str, Any]:
    """For the catalogue's matter and point pages: the cases on record, the share that needed
    no visit at all and the mean visits per case. One aggregate query on the raw rows."""
    from django.db.models import Avg, FloatField

    qs = raw.cases_in_scope(Scope(district=district, point=point, matter=matter))
    r = qs.aggregate(
        cases=Count("id"),
        zero=Count("id", filter=Q(visit_count=0)),
        avg=Avg("visit_count", output_field=FloatField()),
    )
    return {
        "cases": r["cases"],
        "zero_visit": r["zero"],
        "zero_visit_share": raw.ratio(r["zero"], r["cases"]),
        "avg_visits": raw.num(r["avg"]),
    }


def now_local() -> dt.datetime:
    from django.utils import timezone

    return timezone.localtime(timezone.now(), SHANGHAI)
