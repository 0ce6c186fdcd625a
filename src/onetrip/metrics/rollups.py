"""Daily roll-ups of the figures: ``CaseDay`` and ``WaitDay`` rows, derived from the raw rows by
grouping the expressions of ``metrics.raw`` per local day.

- ``rollups_rebuild`` recomputes everything (or one district, or some days): the command
  ``onetrip metrics_rebuild`` and after bulk loads.
- ``rollups_refresh`` recomputes only the (district, day) buckets whose rows changed since the
  last run. It finds them through the id of every table a figure reads (cases, case events,
  visits, supplement notices, pre-checks, tickets, ticket events): every write the platform makes
  to a case or a ticket adds such a row. It runs in the task worker (``metrics.tasks``) and, cheap
  when nothing changed (one max(id) per table), before each read of the figures, so they are never
  staler than the last committed write. A margin of ids below each mark is read again, for rows
  of transactions that committed after a later one.

A bucket is recomputed whole (delete, then INSERT … SELECT of the grouped raw rows) inside one
transaction, so a reader sees either the old or the new bucket.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Floor, Least, TruncDate, TruncMonth, TruncWeek
from django.utils import timezone

from onetrip.clock import SHANGHAI, local_midnight
from onetrip.metrics import raw
from onetrip.metrics.models import (
    CaseDay,
    CaseMonth,
    CaseWeek,
    CaseWeekTotal,
    RatingDay,
    RatingMonth,
    RatingWeek,
    RatingWeekTotal,
    RollupMark,
    WaitDay,
    WaitMonth,
    WaitWeek,
    WaitWeekTotal,
)
from onetrip.metrics.rollup_keys import keys_rebuild, keys_refresh
from onetrip.metrics.scope import monday_of, next_month

#: ids below each mark read again on every refresh
MARGIN = 200
#: the mark whose ``at`` says how current the roll-ups are (every row committed before it is in)
AS_OF = "as_of"
#: marks that are not source tables
_NOT_SOURCES = ("lock", AS_OF)

# -- wait bins ---------------------------------------------------------------------------------

#: (from minute, bin width in minutes); the last bin is open-ended from LAST_BIN
BIN_STEPS = ((0, 1), (60, 5), (180, 15), (480, 60))
LAST_BIN = 1440


def bin_of(minutes: float) -> int:
    """The lower bound (minutes) of the bin a wait falls in (the Python twin of ``_bin_expr``)."""
    lower = 0
    for start, width in BIN_STEPS:
        if minutes >= start:
            lower = start + width * int((minutes - start) // width)
    return min(lower, LAST_BIN)


def bin_width(lower: int) -> float:
    if lower >= LAST_BIN:
        return 0.0
    width = 1
    for start, w in BIN_STEPS:
        if lower >= start:
            width = w
    return float(width)


def _bin_expr():
    """SQL of ``bin_of`` over the ``_wm`` alias (wait in minutes), as an integer."""
    whens = []
    for i, (start, width) in enumerate(BIN_STEPS):
        lower = Value(float(start)) + Value(float(width)) * Floor(
            (F("_wm") - Value(float(start))) / Value(float(width)), output_field=FloatField()
        )
        if i + 1 < len(BIN_STEPS):
            whens.append(When(Q(_wm__lt=BIN_STEPS[i + 1][0]), then=lower))
        else:
            last = Least(lower, Value(float(LAST_BIN)), output_field=FloatField())
            return Cast(Case(*whens, default=last, output_field=FloatField()), IntegerField())
    raise AssertionError


# -- the grouped raw rows ----------------------------------------------------------------------

CASE_KEYS = (
    "district_id",
    "day",
    "point_id",
    "department_id",
    "matter_id",
    "agency_id",
    "company",
    "channel",
)
WAIT_KEYS = ("district_id", "day", "point_id", "queue_id", "agency_id", "bin")
CASE_SUMS = raw.CASE_COUNTS
WAIT_SUMS = ("n", "wait_sum")
RATING_SUMS = ("ratings", "score_sum", "satisfied")


#: the columns of each source query, in the order of CASE_KEYS and WAIT_KEYS, then the sums
_CASE_SOURCE_KEYS = (
    "district_id",
    "_day",
    "point_id",
    "department_id",
    "matter_id",
    "agency_id",
    "_company",
    "channel",
)
_WAIT_SOURCE_KEYS = ("_district", "_day", "point_id", "queue_id", "agency_id", "_bin")
_RATING_SOURCE_KEYS = (
    "_district",
    "_day",
    "_point",
    "_department",
    "_matter",
    "_agency",
    "_company",
    "_channel",
)
_RATING_SOURCE_SUMS = ("_ratings", "_score_sum", "_satisfied")


def _case_source(where: Q) -> QuerySet:
    from onetrip.cases.models import Case as CaseModel

    qs = raw.with_helpers(CaseModel.objects.filter(where, submitted_at__isnull=False))
    qs = qs.annotate(
        _day=TruncDate("submitted_at", tzinfo=SHANGHAI),
        _company=ExpressionWrapper(Q(company__isnull=False), output_field=BooleanField()),
    )
    return qs.values(*_CASE_SOURCE_KEYS).annotate(**raw.case_aggregates(today=None)).order_by()


def _wait_source(where: Q) -> QuerySet:
    from onetrip.queueing.models import Ticket

    qs = Ticket.objects.filter(where, first_called_at__isnull=False)
    qs = qs.annotate(
        _district=F("point__district_id"),
        _day=TruncDate("issued_at", tzinfo=SHANGHAI),
        _w=raw.wait_seconds_expr(),
    )
    qs = qs.annotate(_wm=F("_w") / Value(60.0))
    qs = qs.annotate(_bin=_bin_expr())
    return qs.values(*_WAIT_SOURCE_KEYS).annotate(n=Count("id"), wait_sum=Sum("_w")).order_by()


def _rating_source(where: Q) -> QuerySet:
    from onetrip.metrics.models import Rating

    qs = Rating.objects.filter(where).annotate(
        _district=F("case__district_id"),
        _day=TruncDate("at", tzinfo=SHANGHAI),
        _point=F("case__point_id"),
        _department=F("case__department_id"),
        _matter=F("case__matter_id"),
        _agency=F("case__agency_id"),
        _company=ExpressionWrapper(Q(case__company__isnull=False), output_field=BooleanField()),
        _channel=F("case__channel"),
    )
    return (
        qs.values(*_RATING_SOURCE_KEYS)
        .annotate(
            _ratings=Count("id"),
            _score_sum=Sum("score"),
            _satisfied=Count("id", filter=Q(score__gte=4)),
        )
        .order_by()
    )


def _insert_from(model, columns: Iterable[str], source_columns: Iterable[str], qs) -> int:
    """INSERT INTO model's table (columns) SELECT source_columns FROM (qs) — all in SQL."""
    sql, params = qs.query.sql_with_params()
    quote = connection.ops.quote_name
    cols = ", ".join(quote(c) for c in columns)
    src = ", ".join(f"s.{quote(c)}" for c in source_columns)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({cols}) SELECT {src} FROM ({sql}) s",
            params,
        )
        return cur.rowcount


def _day_ranges(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Sorted days → runs of consecutive days (first, last)."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + dt.timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _period_q(field: str, days: Iterable[dt.date]) -> Q:
    q = Q(pk__in=[])
    for first, last in _day_ranges(days):
        q |= Q(
            **{
                f"{field}__gte": local_midnight(first),
                f"{field}__lt": local_midnight(last) + dt.timedelta(days=1),
            }
        )
    return q


# -- sources of change -------------------------------------------------------------------------


def _sources() -> list[tuple[str, Any, str, str]]:
    """(mark name, model, case or ticket, the field naming the case/ticket)."""
    from onetrip.cases.models import Case as CaseModel
    from onetrip.cases.models import CaseEvent, SupplementNotice, Visit
    from onetrip.intake.models import PreCheck
    from onetrip.metrics.models import Rating
    from onetrip.queueing.models import Ticket, TicketEvent

    return [
        ("rating", Rating, "rating", "pk"),
        ("case", CaseModel, "case", "pk"),
        ("case_event", CaseEvent, "case", "case_id"),
        ("visit", Visit, "case", "case_id"),
        ("supplement", SupplementNotice, "case", "case_id"),
        ("precheck", PreCheck, "case", "case_number"),
        ("ticket", Ticket, "ticket", "pk"),
        ("ticket_event", TicketEvent, "ticket", "ticket_id"),
    ]


def _max_ids() -> dict[str, int]:
    """The highest id of every source table, in one query."""
    quote = connection.ops.quote_name
    sources = _sources()
    parts = [
        f"(SELECT max({quote(model._meta.pk.column)}) FROM {quote(model._meta.db_table)})"
        for _n, model, _k, _f in sources
    ]
    with connection.cursor() as cur:
        cur.execute("SELECT " + ", ".join(parts))
        row = cur.fetchone()
    return {name: value or 0 for (name, *_rest), value in zip(sources, row, strict=True)}


def _set_marks(ids: dict[str, int]) -> None:
    now = timezone.now()
    for name, last in ids.items():
        RollupMark.objects.update_or_create(name=name, defaults={"last_id": last, "at": now})


def _set_as_of(at: dt.datetime) -> None:
    """The roll-ups hold every row committed before ``at`` (never moves backwards)."""
    if not RollupMark.objects.filter(name=AS_OF).exists():
        RollupMark.objects.get_or_create(name=AS_OF, defaults={"at": at})
    RollupMark.objects.filter(name=AS_OF).filter(Q(at__isnull=True) | Q(at__lt=at)).update(at=at)


def rollups_as_of() -> dt.datetime | None:
    """When the roll-ups were last brought up to date (None: never built)."""
    return RollupMark.objects.filter(name=AS_OF).values_list("at", flat=True).first()


def _source_marks() -> dict[str, int]:
    return dict(RollupMark.objects.exclude(name__in=_NOT_SOURCES).values_list("name", "last_id"))


def _buckets(changed: dict[str, int], marks: dict[str, int]):
    """The (district, day) buckets of cases, tickets and ratings touched by rows above the
    marks."""
    from onetrip.cases.models import Case as CaseModel
    from onetrip.metrics.models import Rating
    from onetrip.queueing.models import Ticket

    case_q, ticket_q, rating_q = Q(pk__in=[]), Q(pk__in=[]), Q(pk__in=[])
    for name, model, kind, field in _sources():
        if name not in changed:
            continue
        rows = model.objects.filter(pk__gt=max(marks.get(name, 0) - MARGIN, 0))
        if kind == "case" and field == "case_number":
            case_q |= Q(number__in=rows.exclude(case_number="").values("case_number"))
        elif kind == "case":
            case_q |= Q(pk__in=rows.values(field))
        elif kind == "rating":
            rating_q |= Q(pk__in=rows.values(field))
        else:
            ticket_q |= Q(pk__in=rows.values(field))
    cases = (
        CaseModel.objects.filter(case_q, submitted_at__isnull=False)
        .annotate(_day=TruncDate("submitted_at", tzinfo=SHANGHAI))
        .values_list("district_id", "_day")
        .distinct()
    )
    tickets = (
        Ticket.objects.filter(ticket_q)
        .annotate(_d=F("point__district_id"), _day=TruncDate("issued_at", tzinfo=SHANGHAI))
        .values_list("_d", "_day")
        .distinct()
    )
    ratings = (
        Rating.objects.filter(rating_q)
        .annotate(_d=F("case__district_id"), _day=TruncDate("at", tzinfo=SHANGHAI))
        .values_list("_d", "_day")
        .distinct()
    )
    return set(cases), set(tickets), set(ratings)


def _month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _insert_months(
    daily, monthly, keys: tuple[str, ...], sums: tuple[str, ...], where: Q, *, trunc=TruncMonth
) -> int:
    """Sum the daily rows (matching ``where``) per month (``trunc``: per week) into the monthly
    (weekly) table."""
    other = tuple(k for k in keys if k != "day")
    qs = (
        daily.objects.filter(where)
        .annotate(_m=trunc("day"))
        .values(*other, "_m")
        .annotate(**{f"_{c}": Sum(c) for c in sums})
        .order_by()
    )
    return _insert_from(
        monthly, other + ("day",) + sums, other + ("_m",) + tuple(f"_{c}" for c in sums), qs
    )


def _months_q(months: Iterable[dt.date]) -> Q:
    q = Q(pk__in=[])
    for first, last in _day_ranges(months):
        q |= Q(day__gte=first, day__lt=next_month(last))
    return q


def _weeks_q(mondays: Iterable[dt.date]) -> Q:
    q = Q(pk__in=[])
    for monday in sorted(set(mondays)):
        q |= Q(day__gte=monday, day__lt=monday + dt.timedelta(days=7))
    return q


@dataclass(frozen=True)
class Rollup:
    """One roll-up: its tables per grain, its key columns and its summed columns."""

    daily: Any
    weekly: Any
    monthly: Any
    totals: Any  # the weekly totals
    keys: tuple[str, ...]
    sums: tuple[str, ...]

    def grains(self) -> dict[str, Any]:
        """The tables by the grain ``reads.spans`` names ("total": the weekly totals)."""
        return {"month": self.monthly, "week": self.weekly, "day": self.daily, "total": self.totals}


CASES = Rollup(CaseDay, CaseWeek, CaseMonth, CaseWeekTotal, CASE_KEYS, CASE_SUMS)
WAITS = Rollup(WaitDay, WaitWeek, WaitMonth, WaitWeekTotal, WAIT_KEYS, WAIT_SUMS)
RATINGS = Rollup(RatingDay, RatingWeek, RatingMonth, RatingWeekTotal, CASE_KEYS, RATING_SUMS)
ROLLUPS = (CASES, WAITS, RATINGS)
#: the grouped raw rows that fill each roll-up's daily table, and their columns in the order of
#: its keys and sums
_SOURCES = {
    CASES: (_case_source, _CASE_SOURCE_KEYS + CASE_SUMS),
    WAITS: (_wait_source, _WAIT_SOURCE_KEYS + WAIT_SUMS),
    RATINGS: (_rating_source, _RATING_SOURCE_KEYS + _RATING_SOURCE_SUMS),
}


def _insert_days(r: Rollup, where: Q) -> int:
    """Write ``r``'s daily rows from the raw rows ``where`` selects, all in SQL."""
    source, columns = _SOURCES[r]
    return _insert_from(r.daily, r.keys + r.sums, columns, source(where))


def _insert_totals(weekly, totals, sums: tuple[str, ...], where: Q) -> int:
    """The weekly rows (matching ``where``) summed per week and point, and per week for the
    whole district (point_id NULL), into the weekly totals (per bin for the waits)."""
    extra = ("bin",) if "bin" in {f.name for f in totals._meta.fields} else ()
    n = 0
    for point in (True, False):
        keys = ("district_id", "day", *(("point_id",) if point else ()), *extra)
        qs = weekly.objects.filter(where).values(*keys).annotate(**{f"_{c}": Sum(c) for c in sums})
        if not point:
            qs = qs.annotate(_point=Cast(Value(None), IntegerField()))
        source = ("district_id", "day", "point_id" if point else "_point", *extra) + tuple(
            f"_{c}" for c in sums
        )
        n += _insert_from(
            totals, ("district_id", "day", "point_id", *extra) + sums, source, qs.order_by()
        )
    return n


def weeks_from_days(*, district_id: int | None = None) -> int:
    """(Re)build the weekly tables and their totals from the daily ones (a migration's and a
    rebuild's step)."""
    where = Q() if district_id is None else Q(district_id=district_id)
    n = 0
    for r in ROLLUPS:
        r.weekly.objects.filter(where).delete()
        r.totals.objects.filter(where).delete()
        n += _insert_months(r.daily, r.weekly, r.keys, r.sums, where, trunc=TruncWeek)
        _insert_totals(r.weekly, r.totals, r.sums, where)
    return n


def _recompute(case_buckets, ticket_buckets, rating_buckets) -> None:
    tables = (
        (case_buckets, CASES, "submitted_at", ""),
        (ticket_buckets, WAITS, "issued_at", "point__"),
        (rating_buckets, RATINGS, "at", "case__"),
    )
    for buckets, r, field, prefix in tables:
        by_district: dict[int, set[dt.date]] = defaultdict(set)
        for district_id, day in buckets:
            by_district[district_id].add(day)
        for district_id, days in by_district.items():
            r.daily.objects.filter(district_id=district_id, day__in=days).delete()
            _insert_days(r, Q(**{f"{prefix}district_id": district_id}) & _period_q(field, days))
            months = {_month_of(d) for d in days}
            r.monthly.objects.filter(district_id=district_id, day__in=months).delete()
            _insert_months(
                r.daily, r.monthly, r.keys, r.sums, Q(district_id=district_id) & _months_q(months)
            )
            mondays = {monday_of(d) for d in days}
            r.weekly.objects.filter(district_id=district_id, day__in=mondays).delete()
            r.totals.objects.filter(district_id=district_id, day__in=mondays).delete()
            in_weeks = Q(district_id=district_id) & _weeks_q(mondays)
            _insert_months(r.daily, r.weekly, r.keys, r.sums, in_weeks, trunc=TruncWeek)
            _insert_totals(r.weekly, r.totals, r.sums, Q(district_id=district_id, day__in=mondays))
            keys_refresh(
                r.daily, district_id=district_id, days=days, mondays=mondays, months=months
            )


# -- the two entry points ----------------------------------------------------------------------


def rollups_rebuild(*, district_id: int | None = None) -> dict[str, int]:
    """Recompute every roll-up row (of one district): returns the rows written per table."""
    with transaction.atomic():
        _lock()
        started = timezone.now()
        ids = _max_ids()
        cq, tq = Q(), Q()
        mq = Q()
        if district_id is not None:
            cq, tq = Q(district_id=district_id), Q(point__district_id=district_id)
            mq = Q(district_id=district_id)
        rq = Q() if district_id is None else Q(case__district_id=district_id)
        for r in ROLLUPS:
            r.daily.objects.filter(mq).delete()
            r.monthly.objects.filter(mq).delete()
        written = {
            "case_days": _insert_days(CASES, cq),
            "wait_days": _insert_days(WAITS, tq),
            "rating_days": _insert_days(RATINGS, rq),
        }
        for name, r in (("case", CASES), ("wait", WAITS), ("rating", RATINGS)):
            written[f"{name}_months"] = _insert_months(r.daily, r.monthly, r.keys, r.sums, mq)
        written["weeks"] = weeks_from_days(district_id=district_id)
        written["keys"] = keys_rebuild(district_id=district_id)
        if district_id is None or not _source_marks():
            _set_marks(ids)
            _set_as_of(started)
    return written


def _lock(*, wait: bool = True) -> bool:
    """Serialise refreshes (PostgreSQL: a row lock on the "lock" mark; SQLite serialises
    writers anyway). False when another refresh holds it and ``wait`` is False."""
    RollupMark.objects.get_or_create(name="lock")
    qs = RollupMark.objects.filter(name="lock")
    qs = qs.select_for_update() if wait else qs.select_for_update(skip_locked=True)
    return qs.first() is not None


def rollups_refresh(*, wait: bool = False) -> int:
    """Recompute the buckets changed since the last run; returns how many were recomputed
    (0 also when another refresh is running and ``wait`` is False)."""
    started = timezone.now()
    ids = _max_ids()
    marks = _source_marks()
    if not marks:  # never built: build everything once
        rollups_rebuild()
        return -1
    changed = {name: last for name, last in ids.items() if last > marks.get(name, 0)}
    if not changed:
        _set_as_of(started)
        return 0
    with transaction.atomic():
        if not _lock(wait=wait):
            return 0
        marks = _source_marks()
        changed = {name: last for name, last in ids.items() if last > marks.get(name, 0)}
        if changed:
            buckets = _buckets(changed, marks)
            _recompute(*buckets)
            _set_marks(changed)
        _set_as_of(started)
    return sum(len(b) for b in buckets) if changed else 0
