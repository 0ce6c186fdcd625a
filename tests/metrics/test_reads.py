"""How the roll-ups are read: a period as the coarsest spans that cover it exactly, and the
dashboard's statement budget (one grouped read per roll-up for the figures and breakdowns, one
for the trend, whatever the period)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onetrip.metrics.reads import spans

D = dt.date


def _days(out) -> list[dt.date]:
    """Every day the spans cover, each once."""
    days = []
    for grain, start, end in out:
        day = start
        while day < end:
            days.append(day)
            day += dt.timedelta(days=1)
        if grain == "week":
            assert start.weekday() == 0 and end.weekday() == 0
        if grain == "month":
            assert start.day == 1 and end.day == 1
    return days


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (D(2026, 10, 1), D(2026, 10, 31)),
        (D(2026, 9, 15), D(2026, 11, 20)),
        (D(2025, 12, 2), D(2026, 11, 30)),
        (D(2026, 10, 12), D(2026, 10, 12)),
        (D(2026, 10, 12), D(2026, 10, 18)),
        (D(2026, 10, 13), D(2026, 10, 25)),
        (D(2026, 2, 1), D(2026, 2, 28)),
    ],
)
@pytest.mark.parametrize("months", [True, False])
def test_spans_cover_the_period_exactly_with_the_coarsest_rows(first, last, months):
    out = spans(first, last, months=months)
    days = _days(out)
    expected = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    assert sorted(days) == expected  # every day once, nothing outside
    grains = [g for g, *_ in out]
    assert months or "month" not in grains
    # no run of seven days that make a whole week is read day by day
    singles = sorted(d for g, s, e in out if g == "day" for d in _days([(g, s, e)]))
    assert not any(d.weekday() == 0 and d + dt.timedelta(days=6) in singles for d in singles)
    assert len(singles) <= (24 if months else 12)


def test_spans_with_open_ends():
    assert spans(None, None) == [("month", None, None)]
    assert spans(D(2026, 10, 14), None)[-1] == ("month", D(2026, 11, 1), None)
    assert spans(None, D(2026, 10, 14), months=False)[0] == ("week", None, D(2026, 10, 12))


@pytest.mark.django_db
def test_the_dashboard_reads_the_roll_ups_in_six_statements(client, history):
    """Figures of both periods, the whole period, four breakdowns and the trend: three grouped
    reads for the figures and breakdowns (the cases and ratings of the whole district from the
    per-key roll-ups) and three for the trend, whatever the period's length; the query count of
    the whole page stays within its budget."""
    client.force_login(history.manager)
    for a, b, c, d in (
        ("2026-10-01", "2026-10-15", "2026-10-16", "2026-10-31"),
        ("2025-11-01", "2026-04-30", "2026-05-01", "2026-10-31"),
    ):
        with CaptureQueriesContext(connection) as ctx:
            r = client.get("/metrics/", {"a_since": a, "a_until": b, "b_since": c, "b_until": d})
        assert r.status_code == 200
        sql = [q["sql"] for q in ctx.captured_queries]
        grouped = [q for q in sql if q.startswith(("SELECT GROUPING", "WITH s AS"))]
        keyed = [q for q in sql if q.startswith('SELECT s."_tag", s."dim", s."key"')]
        assert len(grouped) + len(keyed) == 6, grouped + keyed
        # the whole district: its cases and ratings (both periods, the whole period and the
        # four breakdowns) from the per-key roll-ups, one statement each
        assert len(keyed) == 2, keyed
        assert 'FROM "metrics_casekey"' in keyed[0] and 'FROM "metrics_ratingkey"' in keyed[1]
        raw_cases = [q for q in sql if 'FROM "cases_case"' in q]
        assert len(raw_cases) == 1  # the running-overdue part, once for everything
        assert len(sql) <= 60, "\n".join(sql)
