"""The reform's figures (MISSION §11) for a ``Scope``, read from the daily and monthly roll-ups.

Whole months of a period come from the monthly tables, the days at its edges from the daily ones
(``_spans``); both hold the same columns. Reading never refreshes them: the task worker keeps
them up to date on write (``metrics.tasks``) and ``as_of`` says how current they are. What the roll-ups cannot hold is read from the raw rows, each a small indexed query: the
part of "overdue" that depends on today (running cases past their date the sweep has not flagged
yet), satisfaction, and the exact 90th-percentile wait of a scope with at most
``EXACT_P90_LIMIT`` called tickets (above it, the percentile is interpolated in the roll-up's wait
bins: within one bin width, 1 minute below an hour). Definitions: ``metrics.definitions``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate

from onetrip.cases.models import RUNNING_STATES
from onetrip.catalogue.models import Department, Matter, OnlineDepth, ServicePoint
from onetrip.clock import SHANGHAI, local_today
from onetrip.metrics import raw, reads
from onetrip.metrics.followups import followup_scope_figures
from onetrip.metrics.rollups import CASE_SUMS, RATING_SUMS, bin_width, rollups_as_of
from onetrip.metrics.scope import Scope, district_for_user, monday_of, period_bounds, scope_resolve
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
#: the same for the rows of a breakdown (one raw query per breakdown reads the whole scope)
EXACT_P90_BREAKDOWN_LIMIT = 1000


def as_of() -> dt.datetime | None:
    """The time the figures are current to: every record committed before it is counted (the
    last refresh of the roll-ups by the task worker); None: never built."""
    return rollups_as_of()


# -- reading the roll-ups -----------------------------------------------------------------------

#: breakdown → the key column of the case/rating roll-ups and of the wait roll-up
CASE_KEY = {"point": "point_id", "department": "department_id", "matter": "matter_id"}
CASE_KEY["agency"] = "agency_id"
WAIT_KEY = {"point": "point_id", "department": "queue_id", "matter": "queue_id"}
WAIT_KEY["agency"] = "agency_id"


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


class _Sums:
    """The roll-up sums of some tagged parts, per tag, per breakdown key and per week: what
    ``reads.grouped`` returned for cases, waits and ratings, added up in Python."""

    def __init__(
        self, parts: list[tuple[str, Scope]], *, by=(), trend=False, months=True, totals=False
    ):
        wanted = [("tag",)] + [(CASE_KEY[b],) for b in by] + ([("week",)] if trend else [])
        wait_sets: list[tuple[str, ...]] = [("tag", "bin")]
        for b in by:
            if (WAIT_KEY[b], "bin") not in wait_sets:
                wait_sets.append((WAIT_KEY[b], "bin"))
        if trend:
            wait_sets.append(("week", "bin"))
        kw = {"months": months, "totals": totals}
        self.cases = reads.grouped("cases", parts, wanted, **kw)
        self.waits = reads.grouped("waits", parts, wait_sets, **kw)
        self.ratings = reads.grouped("ratings", parts, wanted, **kw)

    def add_up(self, tags: tuple[str, ...], *, into: str) -> None:
        """A tag ``into`` whose sums are those of ``tags`` together."""
        for grouped in (self.cases, self.waits, self.ratings):
            for s, rows in grouped.items():
                if s[0] == "tag":
                    rows += [{**r, "tag": into} for r in rows if r["tag"] in tags]

    def case_sums(self, key: str) -> dict[Any, dict[str, int]]:
        out: dict[Any, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CASE_SUMS, 0))
        for row in self.cases[(key,)]:
            _add(out[row[key]], row)
        return out

    def rating_sums(self, key: str) -> dict[Any, dict[str, int]]:
        out: dict[Any, dict[str, int]] = defaultdict(dict)
        for row in self.ratings[(key,)]:
            _add(out[row[key]], row, RATING_SUMS)
        return out

    def wait_bins(self, key: str) -> tuple[dict[Any, dict[int, int]], dict[Any, float]]:
        bins: dict[Any, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        totals: dict[Any, float] = defaultdict(float)
        for row in self.waits[(key, "bin")]:
            if row["bin"] is None:  # an empty read's grand total row
                continue
            bins[row[key]][row["bin"]] += row["n"] or 0
            totals[row[key]] += row["wait_sum"] or 0.0
        return bins, totals


# -- overdue: the part that depends on today ----------------------------------------------------


#: ``cases.models.RUNNING_STATES`` as SQL with the constants written in, so that even a
#: prepared statement's generic plan can use the partial index ``case_running_unflagged``
_RUNNING_SQL = "state IN ({})".format(", ".join(f"'{s}'" for s in RUNNING_STATES))


class RunningOverdue:
    """Accepted cases still running past their promised date that the sweep has not flagged,
    counted per point, department, matter, agency and day of submission: one small grouped
    query over the partial index ``case_running_unflagged``, then any total in Python."""

    def __init__(self, scope: Scope, *, today: dt.date):
        qs = (
            raw.cases_in_scope(scope)
            .extra(where=[_RUNNING_SQL])  # noqa: S610 - constants of this module only
            .filter(accepted_at__isnull=False, overdue_at__isnull=True, promised_due__lt=today)
            .alias(_decided_on=TruncDate("decided_at", tzinfo=SHANGHAI))
            .filter(Q(decided_at__isnull=True) | Q(_decided_on__lte=F("promised_due")))
            .annotate(_day=TruncDate("submitted_at", tzinfo=SHANGHAI))
        )
        keys = ("point_id", "department_id", "matter_id", "agency_id", "_day")
        self.rows = [
            (dict(zip(keys, r[:-1], strict=True)), r[-1])
            for r in qs.values_list(*keys).annotate(n=Count("id")).order_by()
        ]

    def total(self, scope: Scope) -> int:
        first, last = scope.first_day, scope.last_day
        return sum(
            n
            for k, n in self.rows
            if (first is None or k["_day"] >= first) and (last is None or k["_day"] <= last)
        )

    def by(self, key: str) -> dict[Any, int]:
        out: dict[Any, int] = defaultdict(int)
        for k, n in self.rows:
            out[monday_of(k["_day"]) if key == "week" else k[key]] += n
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


def _exact_p90(scope: Scope, n: int) -> float | None:
    from django.db import connection

    qs = raw.tickets_in_scope(scope)
    if connection.vendor == "postgresql":
        return qs.aggregate(p=raw.PercentileCont(raw.wait_seconds_expr(), fraction=raw.P90))["p"]
    return raw.p90_ordered(qs, n)


def _wait_row(scope: Scope, bins: dict[int, int], total: float) -> dict[str, Any]:
    """Tickets called, average wait (exact) and 90th-percentile wait (exact up to
    ``EXACT_P90_LIMIT`` tickets, else from the bins)."""
    n, avg, p90 = _wait_from(bins, total)
    if 0 < n <= EXACT_P90_LIMIT:
        return raw.wait_row(n, avg, _exact_p90(scope, n))
    return raw.wait_row(n, avg, p90)


# -- figures -----------------------------------------------------------------------------------


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


def _raw_figures(scope: Scope, *, today: dt.date) -> dict[str, Any]:
    return {
        "waits": raw.wait_figures(scope),
        "cases": raw.case_figures(scope, today=today),
        "satisfaction": raw.satisfaction_figures(scope),
    }


def _tag_figures(
    sums: _Sums, running: RunningOverdue, tags: dict[str, Scope]
) -> dict[str, dict[str, Any]]:
    """Each tag's figures (but the matters) from the sums of its parts."""
    cases, ratings = sums.case_sums("tag"), sums.rating_sums("tag")
    bins, totals = sums.wait_bins("tag")
    out = {}
    for tag, scope in tags.items():
        c = dict(cases.get(tag) or dict.fromkeys(CASE_SUMS, 0))
        c["overdue"] += running.total(scope)
        out[tag] = {
            "waits": _wait_row(scope, bins.get(tag, {}), totals.get(tag, 0.0)),
            "cases": raw.case_row(c),
            "satisfaction": _rating_row(ratings.get(tag) or {}),
        }
    return out


def _figures(scope: Scope, *, today: dt.date | None) -> dict[str, Any]:
    today = today or local_today()
    if not scope.whole_days:
        return _raw_figures(scope, today=today)
    sums = _Sums([("p", scope)])
    return _tag_figures(sums, RunningOverdue(scope, today=today), {"p": scope})["p"]


def wait_figures(scope: Scope) -> dict[str, Any]:
    if not scope.whole_days:
        return raw.wait_figures(scope)
    bins, totals = _Sums([("p", scope)]).wait_bins("tag")
    return _wait_row(scope, bins.get("p", {}), totals.get("p", 0.0))


def case_figures(scope: Scope, *, today: dt.date | None = None) -> dict[str, Any]:
    """Pass rates, supplements, visits, local share, overdue, errors."""
    return _figures(scope, today=today)["cases"]


def satisfaction_figures(scope: Scope) -> dict[str, Any]:
    """Ratings given in the period: how many, mean score, share of 4–5."""
    if not scope.whole_days:
        return raw.satisfaction_figures(scope)
    return _rating_row(_Sums([("p", scope)]).rating_sums("tag").get("p") or {})


def reform_figures(scope: Scope, *, today: dt.date | None = None) -> dict[str, Any]:
    """Every figure of MISSION §11 for one scope and period."""
    return {
        **_figures(scope, today=today),
        "matters": matter_figures(scope),
        "followups": followup_scope_figures(scope, today=today),
    }


# -- breakdowns --------------------------------------------------------------------------------


def _labels(by: str, ids: set[int]) -> dict[int, dict[str, Any]]:
    rows: Iterable[Mapping[str, Any]]
    if by == "point":
        rows = ServicePoint.objects.filter(pk__in=ids).values("pk", "code", "name", "level")
    elif by == "department":
        rows = Department.objects.filter(pk__in=ids).values("pk", "code", "name")
    elif by == "matter":
        rows = [
            {**r, "five_star": r["visits_needed"] == 0 and r["online_depth"] == OnlineDepth.IV}
            for r in Matter.objects.filter(pk__in=ids).values(
                "pk", "code", "name", "visits_needed", "online_depth"
            )
        ]
    else:
        rows = Agency.objects.filter(pk__in=ids).values("pk", "name")
    out: dict[int, dict[str, Any]] = {}
    for r in rows:
        label = dict(r)
        out[label.pop("pk")] = label
    return out


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


def _waits_by(by: str, scope: Scope, sums: _Sums, n_tickets: int) -> dict[int, dict[str, Any]]:
    key = WAIT_KEY[by]
    bins, totals = sums.wait_bins(key)
    bins.pop(None, None)
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
    if 0 < n_tickets <= EXACT_P90_BREAKDOWN_LIMIT:  # a small scope: exact, from the raw rows
        return raw.waits_by(by, scope)
    return {gid: raw.wait_row(*_wait_from(b, totals[gid])) for gid, b in bins.items()}


def _breakdown(
    by: str, scope: Scope, sums: _Sums, running: RunningOverdue, n_tickets: int
) -> list[dict[str, Any]]:
    key = CASE_KEY[by]
    case_sums = sums.case_sums(key)
    case_sums.pop(None, None)
    for gid, n in running.by(key).items():
        if gid in case_sums:
            case_sums[gid]["overdue"] += n
    cases = {gid: raw.case_row(s) for gid, s in case_sums.items()}
    waits = _waits_by(by, scope, sums, n_tickets)
    rating_sums = sums.rating_sums(key)
    rating_sums.pop(None, None)
    ratings = {gid: _rating_row(s) for gid, s in rating_sums.items()}
    return _rows(by, cases, waits, ratings)


def _rows(by, cases, waits, ratings) -> list[dict[str, Any]]:
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


def _raw_breakdown(by: str, scope: Scope, *, today: dt.date) -> list[dict[str, Any]]:
    return _rows(
        by,
        raw.cases_by(by, scope, today=today),
        raw.waits_by(by, scope),
        raw.ratings_by(by, scope),
    )


def figures_by(*, by: str, scope: Scope, today: dt.date | None = None) -> list[dict[str, Any]]:
    """One row per point / department / matter / agency with its case, wait and satisfaction
    figures, the busiest first."""
    if by not in BREAKDOWNS:
        raise ValueError(by)
    today = today or local_today()
    if not scope.whole_days:
        return _raw_breakdown(by, scope, today=today)
    sums = _Sums([("p", scope)], by=(by,))
    n = sum(sum(b.values()) for b in sums.wait_bins("tag")[0].values())
    return _breakdown(by, scope, sums, RunningOverdue(scope, today=today), n)


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


def _trend(scope: Scope, sums: _Sums, running: RunningOverdue) -> dict[str, Any]:
    first, last = scope.first_day, scope.last_day
    if first is None or last is None:
        raise ValueError("a trend needs a bounded period")
    weeks = []
    monday = monday_of(first)
    while monday <= last:
        weeks.append(monday)
        monday += dt.timedelta(days=7)
    cases = sums.case_sums("week")
    for week, n in running.by("week").items():
        cases[week]["overdue"] += n
    bins, totals = sums.wait_bins("week")
    ratings = sums.rating_sums("week")
    series: dict[str, list[Any]] = {key: [] for key, _p, _f in TREND_FIGURES}
    series["cases"], series["tickets"] = [], []
    for week in weeks:
        parts = {
            "cases": raw.case_row(cases.get(week) or dict.fromkeys(CASE_SUMS, 0)),
            "waits": raw.wait_row(*_wait_from(bins.get(week, {}), totals.get(week, 0.0))),
            "satisfaction": _rating_row(ratings.get(week) or {}),
        }
        for key, part, figure in TREND_FIGURES:
            series[key].append(parts[part][figure])
        series["cases"].append(parts["cases"]["cases"])
        series["tickets"].append(parts["waits"]["tickets"])
    return {"weeks": [w.isoformat() for w in weeks], "series": series}


def weekly_trend(scope: Scope, *, today: dt.date | None = None) -> dict[str, Any]:
    """Per week (Monday to Sunday, clipped to the period): every headline figure, from the
    weekly roll-ups (and the daily ones at the period's edges). The period must be bounded."""
    if scope.first_day is None or scope.last_day is None:
        raise ValueError("a trend needs a bounded period")
    today = today or local_today()
    return _trend(scope, _trend_sums(scope), RunningOverdue(scope, today=today))


def _trend_sums(scope: Scope) -> _Sums:
    """The weekly sums of ``scope``: from the weekly totals when they serve it (cut by nothing
    but a point; the waits also by kind or channel: 52 rows a year), from the per-key rows when
    it is cut only by kind or channel, else from the weekly rows of every key (the days at its
    edges from the daily ones)."""
    return _Sums([("p", scope)], trend=True, months=False, totals=True)


# -- the whole report ---------------------------------------------------------------------------


def _partition(scope: Scope, a: Scope, b: Scope) -> bool:
    """Periods ``a`` then ``b`` (or ``b`` then ``a``) follow each other and make up ``scope``'s."""
    one = dt.timedelta(days=1)
    for x, y in ((a, b), (b, a)):
        if x.first_day is None or x.last_day is None or y.first_day is None or y.last_day is None:
            continue
        if (
            x.first_day == scope.first_day
            and y.last_day == scope.last_day
            and x.last_day + one == y.first_day
        ):
            return True
    return False


def metrics_report(
    scope: Scope,
    *,
    today: dt.date | None = None,
    breakdowns: tuple[str, ...] = BREAKDOWNS,
    compare: tuple[Scope, Scope] | None = None,
    trend: bool = False,
) -> dict[str, Any]:
    """Everything the API, the page and the exports show: the figures of ``scope`` and its
    breakdowns; with ``compare`` also the figures of those two periods (same cuts) and with
    ``trend`` the weekly trend of ``scope``. One statement per roll-up reads the figures and
    every breakdown (when the two periods make up ``scope``, the dashboard's case, its figures
    are theirs added up), one more the weekly trend."""
    today = today or local_today()
    report: dict[str, Any] = {
        "district": {"code": scope.district.code, "name": scope.district.name},
        "as_of": as_of(),
        "period": {
            "since": scope.first_day.isoformat() if scope.first_day else None,
            "until": scope.last_day.isoformat() if scope.last_day else None,
        },
        "filters": scope.filters(),
    }
    matters = matter_figures(scope)
    extra = {"p": {"matters": matters}}
    for tag, x in (("p", scope), *zip("ab", compare or (), strict=False)):
        extra.setdefault(tag, {"matters": matters})["followups"] = followup_scope_figures(
            x, today=today
        )
    wholes = [scope, *(compare or ())]
    if not all(x.whole_days for x in wholes):
        report["figures"] = {**_raw_figures(scope, today=today), **extra["p"]}
        report["breakdowns"] = {by: _raw_breakdown(by, scope, today=today) for by in breakdowns}
        if compare:
            report["compare"] = {
                t: reform_figures(x, today=today) for t, x in zip("ab", compare, strict=True)
            }
        if trend:
            report["trend"] = weekly_trend(scope, today=today)
        return report
    running = RunningOverdue(scope, today=today)
    tags = {"p": scope}
    pair = list(zip("ab", compare, strict=True)) if compare else []
    if compare and _partition(scope, *compare):
        sums = _Sums(pair, by=breakdowns)
        sums.add_up(("a", "b"), into="p")
        tags.update(pair)
    else:
        sums = _Sums([("p", scope)], by=breakdowns)
        if compare:
            figures = _tag_figures(_Sums(pair), running, dict(pair))
            report["compare"] = {t: {**f, **extra[t]} for t, f in figures.items()}
    figures = _tag_figures(sums, running, tags)
    report["figures"] = {**figures["p"], **extra["p"]}
    if "a" in figures:
        report["compare"] = {t: {**figures[t], **extra[t]} for t in "ab"}
    n = report["figures"]["waits"]["tickets"]
    report["breakdowns"] = {by: _breakdown(by, scope, sums, running, n) for by in breakdowns}
    if trend:
        report["trend"] = _trend(scope, _trend_sums(scope), running)
    return report


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
