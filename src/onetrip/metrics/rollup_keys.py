"""Per-key roll-ups (``CaseKey``, ``RatingKey``): the daily, weekly and monthly case and rating
rows summed per single key — point, department, matter or agency (``dim`` p, d, m, a) — keeping
the applicant kind and the channel beside it.

A dashboard of the whole district (or cut only by applicant kind or channel) needs per period
the totals and one row per point, department, matter and agency: from the full roll-ups that is
every combination of those keys (a year of the district: ~50,000 monthly rows summed over five
grouping sets); from these, each key's own rows (~350 a month). Every case (rating) appears once
under each ``dim``, so the rows of one ``dim`` add up to the totals.

They are derived from the full roll-ups of the same grain, never from the raw rows: rebuilt with
them (``keys_rebuild``) and recomputed for the days, weeks and months a refresh touched
(``keys_refresh``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection
from django.db.models import Q, Sum

from onetrip.metrics.models import (
    CaseDay,
    CaseKey,
    CaseMonth,
    CaseWeek,
    RatingDay,
    RatingKey,
    RatingMonth,
    RatingWeek,
)

#: dim → the key column of the full roll-ups
DIMS = {"p": "point_id", "d": "department_id", "m": "matter_id", "a": "agency_id"}
#: the key column → its dim
DIM_OF = {column: dim for dim, column in DIMS.items()}
#: every case (rating) is counted once under this dim: its rows make the totals
TOTAL_DIM = "p"
_KEY_COLUMNS = ("district_id", "grain", "day", "dim", "key", "company", "channel")


def _tables():
    from onetrip.metrics.rollups import CASE_SUMS, RATING_SUMS

    return (
        (CaseKey, {"d": CaseDay, "w": CaseWeek, "m": CaseMonth}, CASE_SUMS),
        (RatingKey, {"d": RatingDay, "w": RatingWeek, "m": RatingMonth}, RATING_SUMS),
    )


def key_table_of(daily) -> tuple | None:
    """(key model, {grain: full model}, sums) of the full daily table ``daily`` (None: waits)."""
    for key_model, grains, sums in _tables():
        if grains["d"] is daily:
            return key_model, grains, sums
    return None


def _insert(key_model, grain: str, source, sums: tuple[str, ...], where: Q) -> int:
    """INSERT the rows of ``source`` (matching ``where``) summed per key of every dim."""
    quote = connection.ops.quote_name
    cols = ", ".join(quote(c) for c in _KEY_COLUMNS + sums)
    n = 0
    for dim, column in DIMS.items():
        qs = (
            source.objects.filter(where)
            .values("district_id", "day", column, "company", "channel")
            .annotate(**{f"_{c}": Sum(c) for c in sums})
            .order_by()
        )
        sql, params = qs.query.sql_with_params()
        # grain and dim are this module's one-letter constants
        src = ", ".join(
            [
                "s.district_id",
                f"'{grain}'",
                "s.day",
                f"'{dim}'",
                f"s.{quote(column)}",
                "s.company",
                "s.channel",
                *(f"s.{quote('_' + c)}" for c in sums),
            ]
        )
        with connection.cursor() as cur:
            cur.execute(
                f"INSERT INTO {quote(key_model._meta.db_table)} ({cols}) SELECT {src}"
                f" FROM ({sql}) s",
                params,
            )
            n += cur.rowcount
    return n


def keys_rebuild(*, district_id: int | None = None) -> int:
    """(Re)build every per-key row (of one district) from the full roll-ups."""
    where = Q() if district_id is None else Q(district_id=district_id)
    n = 0
    for key_model, grains, sums in _tables():
        key_model.objects.filter(where).delete()
        for grain, source in grains.items():
            n += _insert(key_model, grain, source, sums, where)
    return n


def keys_refresh(
    daily,
    *,
    district_id: int,
    days: Iterable[dt.date],
    mondays: Iterable[dt.date],
    months: Iterable[dt.date],
) -> None:
    """Recompute the per-key rows of the days, weeks and months whose full rows were just
    recomputed (inside the refresh's transaction)."""
    table = key_table_of(daily)
    if table is None:
        return
    key_model, grains, sums = table
    for grain, spans in (("d", days), ("w", mondays), ("m", months)):
        spans = sorted(set(spans))
        if not spans:
            continue
        key_model.objects.filter(district_id=district_id, grain=grain, day__in=spans).delete()
        _insert(key_model, grain, grains[grain], sums, Q(district_id=district_id, day__in=spans))
