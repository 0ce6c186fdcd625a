"""Reading the roll-ups: a period as spans of whole months, whole weeks and single days, and one
statement per roll-up (cases, waits, ratings) that sums every group a page shows at once.

``spans`` cuts a period into the coarsest rows that cover it exactly: whole months from the
monthly tables, whole weeks (Monday to Sunday) of the edges from the weekly tables, the days left
from the daily ones (a trend by week reads weeks and days only). ``grouped`` reads the spans of
one or more tagged parts (a period, or the two periods of a comparison) in one ``UNION ALL`` and
sums them over several groupings in the same pass: ``GROUPING SETS`` on PostgreSQL, the same sets
as a ``UNION ALL`` of grouped selects over one common table expression on SQLite.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, router, transaction
from django.db.models import CharField, DateField, F, Q, Value
from django.db.models.functions import TruncWeek

from onetrip.metrics import raw
from onetrip.metrics.models import CaseKey, RatingKey
from onetrip.metrics.rollup_keys import DIM_OF, TOTAL_DIM
from onetrip.metrics.rollups import CASES, RATINGS, WAITS, Rollup
from onetrip.metrics.scope import Scope, monday_of, next_month

Span = tuple[str, dt.date | None, dt.date | None]  # (grain, first day, end day exclusive)
#: PostgreSQL's work_mem for the grouped read (SET LOCAL: this statement's transaction only)
WORK_MEM = "32MB"


def _before(a: dt.date | None, b: dt.date | None) -> bool:
    """a < b, None being minus infinity for ``a`` and plus infinity for ``b``."""
    return a is None or b is None or a < b


def _weeks_and_days(start: dt.date | None, end: dt.date | None) -> list[Span]:
    if start is not None and end is not None and start >= end:
        return []
    w0 = start if start is None or start.weekday() == 0 else monday_of(start) + dt.timedelta(days=7)
    w1 = end if end is None or end.weekday() == 0 else monday_of(end)
    if not _before(w0, w1):
        return [("day", start, end)]
    out: list[Span] = []
    if start is not None and w0 is not None and start < w0:
        out.append(("day", start, w0))
    out.append(("week", w0, w1))
    if end is not None and w1 is not None and w1 < end:
        out.append(("day", w1, end))
    return out


def spans(first: dt.date | None, last: dt.date | None, *, months: bool = True) -> list[Span]:
    """The inclusive local days ``first``..``last`` (None: open) as the coarsest spans that
    cover them exactly; ``months=False`` for reads grouped by week."""
    end = None if last is None else last + dt.timedelta(days=1)
    if not months:
        return _weeks_and_days(first, end)
    m0 = first if first is None or first.day == 1 else next_month(first)
    m1 = end if end is None or end.day == 1 else end.replace(day=1)
    if not _before(m0, m1):
        return _weeks_and_days(first, end)
    out: list[Span] = []
    if first is not None and m0 is not None and first < m0:
        out += _weeks_and_days(first, m0)
    out.append(("month", m0, m1))
    if end is not None and m1 is not None and m1 < end:
        out += _weeks_and_days(m1, end)
    return out


# -- which rows of which table -----------------------------------------------------------------


def _key_filter(scope: Scope) -> Q:
    """The scope's district, applicant kind and channel: the cuts every case and rating
    roll-up (weekly totals and per-key rows) holds as columns."""
    f = Q(district_id=scope.district.pk)
    if scope.kind:
        f &= Q(company=scope.kind == "company")
    if scope.channel:
        f &= Q(channel=scope.channel)
    return f


def case_filter(scope: Scope) -> Q:
    f = _key_filter(scope)
    for name in ("point", "department", "matter", "agency"):
        value = getattr(scope, name)
        if value is not None:
            f &= Q(**{f"{name}_id": value.pk})
    return f


def wait_filter(scope: Scope) -> Q:
    f = Q(district_id=scope.district.pk)
    if scope.point is not None:
        f &= Q(point_id=scope.point.pk)
    if scope.agency is not None:
        f &= Q(agency_id=scope.agency.pk)
    queues = raw.ticket_queue_ids(scope)
    if queues is not None:
        f &= Q(queue_id__in=list(queues.values_list("pk", flat=True)))
    return f


#: each roll-up read by name, with the filter of a scope over its rows
TABLES: dict[str, tuple[Rollup, Any]] = {
    "cases": (CASES, case_filter),
    "waits": (WAITS, wait_filter),
    "ratings": (RATINGS, case_filter),
}


def totals_serve(scope: Scope, what: str = "cases") -> bool:
    """Whether the weekly totals hold this scope's weeks: cut by nothing but (maybe) a point
    (tickets have no applicant kind or channel: the wait totals also serve those cuts)."""
    cuts = ("department", "matter", "agency") + (() if what == "waits" else ("kind", "channel"))
    return all(getattr(scope, name) in (None, "") for name in cuts)


def keys_serve(what: str, scope: Scope, sets: Sequence[tuple[str, ...]]) -> bool:
    """Whether the per-key roll-ups (``rollup_keys``) answer: cases or ratings of a scope cut by
    nothing but the applicant kind or the channel, grouped by the tag, the week or one key."""
    return (
        what in ("cases", "ratings")
        and all(getattr(scope, n) is None for n in ("point", "department", "matter", "agency"))
        and all(len(s) == 1 and (s[0] in ("tag", "week") or s[0] in DIM_OF) for s in sets)
    )


def _totals_filter(scope: Scope) -> Q:
    if scope.point is None:
        return Q(district_id=scope.district.pk, point_id__isnull=True)
    return Q(district_id=scope.district.pk, point_id=scope.point.pk)


#: grouping names → the column read (the tag of a part and the Monday of a row's week are
#: computed per row)
_COLUMN = {"tag": "_tag", "week": "_week"}


def _col(name: str) -> str:
    return _COLUMN.get(name, name)


def _part_sql(
    what: str, tag: str, scope: Scope, columns: Sequence[str], *, months: bool, totals: bool
) -> list[tuple[str, list[Any]]]:
    rollup, filt = TABLES[what]
    tables, sums = rollup.grains(), rollup.sums
    f = filt(scope)
    out = []
    for grain, start, end in spans(scope.first_day, scope.last_day, months=months):
        q = Q()
        if start is not None:
            q &= Q(day__gte=start)
        if end is not None:
            q &= Q(day__lt=end)
        if totals and grain == "week":
            qs = tables["total"].objects.filter(_totals_filter(scope), q)
        else:
            qs = tables[grain].objects.filter(f, q)
        qs = qs.annotate(_tag=Value(tag, output_field=CharField()))
        if "_week" in columns:
            week = (
                F("day")
                if grain == "week"
                else TruncWeek("day", output_field=DateField())
                if grain == "day"
                else Value(None, output_field=DateField())
            )
            qs = qs.annotate(_week=week)
        try:
            sql, params = qs.values(*columns, *sums).order_by().query.sql_with_params()
        except EmptyResultSet:  # e.g. a department cut whose department has no queue
            continue
        out.append((sql, list(params)))
    return out


def grouped(
    what: str,
    parts: Iterable[tuple[str, Scope]],
    sets: Sequence[tuple[str, ...]],
    *,
    months: bool = True,
    totals: bool = False,
) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    """Sums of the roll-up ``what`` over the tagged ``parts``, grouped by each of ``sets``
    (tuples of "tag", "week", "bin" and key columns such as "point_id"), in one statement:
    {set: [row with the set's keys and the sums]}. ``months=False``: read weeks and days only
    (needed when a set has "week"). ``totals``: whole weeks from the weekly totals when they
    serve the scopes (``totals_serve``; only for sets of "tag", "week" and "bin"). Cases and
    ratings of scopes ``keys_serve`` accepts are read from the per-key roll-ups."""
    rollup, _filt = TABLES[what]
    sums = rollup.sums
    parts = list(parts)
    names: list[str] = []
    for s in sets:
        names += [n for n in s if n not in names]
    if totals and set(names) <= {"tag", "week", "bin"}:
        totals = all(totals_serve(scope, what) for _t, scope in parts)
    elif totals:
        raise ValueError("the weekly totals hold no such rows")
    if not totals and all(keys_serve(what, scope, sets) for _t, scope in parts):
        return _grouped_keys(what, parts, sets, months=months and "week" not in names)
    columns = [_col(n) for n in names]
    pieces: list[tuple[str, list[Any]]] = []
    for tag, scope in parts:
        pieces += _part_sql(
            what, tag, scope, columns, months=months and "week" not in names, totals=totals
        )
    out: dict[tuple[str, ...], list[dict[str, Any]]] = {s: [] for s in sets}
    if not pieces:
        return out
    alias = router.db_for_read(rollup.daily)  # a replica inside ``replica_reads``
    connection = connections[alias]
    quote = connection.ops.quote_name
    union = " UNION ALL ".join(f"SELECT * FROM ({sql}) p{i}" for i, (sql, _p) in enumerate(pieces))
    params = [p for _sql, ps in pieces for p in ps]
    sum_sql = ", ".join(f"SUM(s.{quote(c)}) AS {quote(c)}" for c in sums)
    n = len(names)

    def mask(s: tuple[str, ...]) -> int:
        return sum(1 << (n - 1 - i) for i, name in enumerate(names) if name not in s)

    if connection.vendor == "postgresql":
        cols = ", ".join(f"s.{quote(c)}" for c in columns)
        grouping = ", ".join("(" + ", ".join(f"s.{quote(_col(x))}" for x in s) + ")" for s in sets)
        sql = (
            f"SELECT GROUPING({cols}) AS _g, {cols}, {sum_sql} FROM ({union}) s"
            f" GROUP BY GROUPING SETS ({grouping})"
        )
    else:
        selects = []
        for s in sets:
            cols = ", ".join(
                f"s.{quote(_col(x))}" if x in s else f"NULL AS {quote(_col(x))}" for x in names
            )
            group = ", ".join(f"s.{quote(_col(x))}" for x in s)
            selects.append(
                f"SELECT {mask(s)} AS _g, {cols}, {sum_sql} FROM s"
                + (f" GROUP BY {group}" if group else "")
            )
        sql = f"WITH s AS ({union}) " + " UNION ALL ".join(selects)
    by_mask = {mask(s): s for s in sets}
    with transaction.atomic(using=alias), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # every grouping hashed in memory: the default 4 MB makes PostgreSQL sort some of
            # them on disk (a year of weekly wait rows: 180,000 rows, 6 MB of hash tables)
            cur.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        cur.execute(sql, params)
        rows = cur.fetchall()
    # per set: where its keys sit in a row (a year of wait bins is ~10,000 rows: no dict per
    # row but the one returned)
    at = {s: [(k, 1 + names.index(k)) for k in s] for s in sets}
    sum_at = list(enumerate(sums, start=1 + n))
    for row in rows:
        found = by_mask.get(row[0])
        if found is None:
            continue
        item = {k: row[i] if k != "week" else _norm(k, row[i]) for k, i in at[found]}
        for i, c in sum_at:
            item[c] = row[i]
        out[found].append(item)
    return out


# -- the per-key roll-ups ------------------------------------------------------------------------

_KEY_MODELS: dict[str, type[CaseKey] | type[RatingKey]] = {"cases": CaseKey, "ratings": RatingKey}
_GRAIN = {"day": "d", "week": "w", "month": "m"}


def _grouped_keys(
    what: str, parts: list[tuple[str, Scope]], sets: Sequence[tuple[str, ...]], *, months: bool
) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    """``grouped`` from the per-key roll-ups: one statement sums the spans' rows per (tag,
    dim, key[, week]); each set is then one dim's rows (the tag's and the week's: those of
    ``TOTAL_DIM``) added up in Python — a few hundred rows."""
    model, sums = _KEY_MODELS[what], TABLES[what][0].sums
    names = [s[0] for s in sets]
    dims = sorted({DIM_OF[n] for n in names if n in DIM_OF} | {TOTAL_DIM})
    week = "week" in names
    pieces: list[tuple[str, list[Any]]] = []
    for tag, scope in parts:
        for grain, start, end in spans(scope.first_day, scope.last_day, months=months):
            q = _key_filter(scope) & Q(grain=_GRAIN[grain], dim__in=dims)
            if start is not None:
                q &= Q(day__gte=start)
            if end is not None:
                q &= Q(day__lt=end)
            qs = model.objects.filter(q).annotate(_tag=Value(tag, output_field=CharField()))
            columns = ["_tag", "dim", "key"]
            if week:
                qs = qs.annotate(
                    _week=F("day")
                    if grain == "week"
                    else TruncWeek("day", output_field=DateField())
                )
                columns.append("_week")
            sql, params = qs.values(*columns, *sums).order_by().query.sql_with_params()
            pieces.append((sql, list(params)))
    out: dict[tuple[str, ...], list[dict[str, Any]]] = {s: [] for s in sets}
    if not pieces:
        return out
    alias = router.db_for_read(model)
    connection = connections[alias]
    quote = connection.ops.quote_name
    group = ["_tag", "dim", "key"] + (["_week"] if week else [])
    cols = ", ".join(f"s.{quote(c)}" for c in group)
    union = " UNION ALL ".join(f"SELECT * FROM ({sql}) p{i}" for i, (sql, _p) in enumerate(pieces))
    sum_sql = ", ".join(f"SUM(s.{quote(c)}) AS {quote(c)}" for c in sums)
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {cols}, {sum_sql} FROM ({union}) s GROUP BY {cols}",
            [p for _sql, ps in pieces for p in ps],
        )
        rows = cur.fetchall()
    n = len(group)
    for s in sets:
        name = s[0]
        dim = DIM_OF.get(name, TOTAL_DIM)
        at = {"tag": 0, "week": 3}.get(name, 2)
        acc: dict[Any, dict[str, Any]] = {}
        for row in rows:
            if row[1] != dim:
                continue
            k = _norm(name, row[at])
            into = acc.setdefault(k, {name: k, **dict.fromkeys(sums, 0)})
            for c, v in zip(sums, row[n:], strict=True):
                into[c] += v or 0
        out[s] = list(acc.values())
    return out


def _norm(name: str, value: Any) -> Any:
    if name == "week" and value is not None:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, str):
            return dt.date.fromisoformat(value[:10])
    return value
