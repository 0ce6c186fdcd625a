"""The per-key roll-ups (``CaseKey``, ``RatingKey``) give the figures the raw rows give for the
scopes they serve (the whole district, cut by nothing or by applicant kind or channel: totals,
the four breakdowns, the weekly trend), each dim's rows add up to the full roll-ups, and a
refresh leaves them as a rebuild would."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from onetrip.cases.models import Case, CaseEvent
from onetrip.metrics import raw, reads
from onetrip.metrics import selectors as M
from onetrip.metrics.models import CaseDay, CaseKey, CaseMonth, CaseWeek, Rating, RatingKey
from onetrip.metrics.rollup_keys import DIMS, keys_rebuild
from onetrip.metrics.rollups import CASE_SUMS, RATING_SUMS, rollups_refresh
from tests.metrics.conftest import at, make_case
from tests.metrics.test_rollups import PERIODS, spread  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

KEYED_CUTS = [{}, {"kind": "company"}, {"kind": "person"}, {"channel": "online"}]
KEYED_CUTS += [{"channel": "street"}, {"kind": "company", "channel": "window"}]


def _scope(h, since, until, **cut):
    start, end = M.period_bounds(since=since, until=until)
    return M.Scope(district=h.district, since=start, until=end, **cut)


def test_the_keys_serve_only_scopes_without_a_key_cut(spread):  # noqa: F811
    h = spread
    sets = [("tag",), ("point_id",), ("agency_id",)]
    assert reads.keys_serve("cases", _scope(h, None, None, kind="company"), sets)
    assert reads.keys_serve("ratings", _scope(h, None, None, channel="online"), [("week",)])
    assert not reads.keys_serve("cases", _scope(h, None, None, point=h.street), sets)
    assert not reads.keys_serve("cases", _scope(h, None, None, department=h.dept), sets)
    assert not reads.keys_serve("waits", _scope(h, None, None), [("tag", "bin")])
    assert not reads.keys_serve("cases", _scope(h, None, None), [("tag", "point_id")])


@pytest.mark.parametrize("by", M.BREAKDOWNS)
def test_breakdowns_cut_by_kind_or_channel_equal_the_raw_rows(spread, by):  # noqa: F811
    h = spread
    seen = 0
    for since, until in PERIODS:
        for cut in KEYED_CUTS:
            scope = _scope(h, since, until, **cut)
            with CaptureQueriesContext(connection) as ctx:
                rows = {r["id"]: r for r in M.figures_by(by=by, scope=scope, today=h.today)}
            sql = " ".join(q["sql"] for q in ctx.captured_queries)
            assert "metrics_casekey" in sql and "metrics_ratingkey" in sql
            assert "metrics_casemonth" not in sql and "metrics_caseday" not in sql
            cases = raw.cases_by(by, scope, today=h.today)
            ratings = raw.ratings_by(by, scope)
            for gid, figures in cases.items():
                assert rows[gid]["cases"] == figures, (by, since, until, cut, gid)
                seen += figures["cases"]
            for gid, figures in ratings.items():
                assert rows[gid]["satisfaction"] == figures, (by, since, until, cut, gid)
            for gid, row in rows.items():  # nothing the raw rows do not have
                if gid not in cases:
                    assert row["cases"]["cases"] == 0, (by, cut, gid)
    assert seen > 0


def test_figures_and_comparison_cut_by_kind_or_channel_equal_the_raw_rows(spread):  # noqa: F811
    h = spread
    for cut in KEYED_CUTS:
        scope = _scope(h, dt.date(2026, 9, 15), dt.date(2026, 11, 20), **cut)
        a = _scope(h, dt.date(2026, 9, 15), dt.date(2026, 10, 12), **cut)
        b = _scope(h, dt.date(2026, 10, 13), dt.date(2026, 11, 20), **cut)
        report = M.metrics_report(scope, today=h.today, compare=(a, b), trend=True)
        assert report["figures"]["cases"] == raw.case_figures(scope, today=h.today), cut
        assert report["figures"]["satisfaction"] == raw.satisfaction_figures(scope), cut
        assert report["figures"]["waits"] == raw.wait_figures(scope), cut  # tickets: not cut
        for tag, x in (("a", a), ("b", b)):
            assert report["compare"][tag]["cases"] == raw.case_figures(x, today=h.today), cut
            assert report["compare"][tag]["satisfaction"] == raw.satisfaction_figures(x), cut


@pytest.mark.parametrize("cut", KEYED_CUTS)
def test_weekly_trend_cut_by_kind_or_channel_equals_the_raw_rows(spread, cut):  # noqa: F811
    h = spread
    scope = _scope(h, dt.date(2026, 8, 27), dt.date(2026, 12, 3), **cut)
    with CaptureQueriesContext(connection) as ctx:
        trend = M.weekly_trend(scope, today=h.today)
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "metrics_waitweektotal" in sql  # tickets have no kind or channel: the totals serve
    if cut:
        assert "metrics_casekey" in sql and "metrics_caseweek" not in sql
    total = 0
    for i, monday in enumerate(trend["weeks"]):
        first = max(dt.date.fromisoformat(monday), scope.first_day)
        last = min(first + dt.timedelta(days=6 - first.weekday()), scope.last_day)
        week = _scope(h, first, last, **cut)
        cases = raw.case_figures(week, today=h.today)
        s = trend["series"]
        assert s["cases"][i] == cases["cases"], (cut, monday)
        total += cases["cases"]
        for key in (
            "first_pass_rate",
            "one_go_supplement_rate",
            "zero_visit_share",
            "overdue_rate",
        ):
            assert s[key][i] == cases[key], (cut, monday, key)
        assert s["satisfied_share"][i] == raw.satisfaction_figures(week)["satisfied_share"]
        assert s["tickets"][i] == raw.wait_figures(week)["tickets"]
    assert total > 0


def _key_rows(model, sums) -> list[tuple]:
    cols = ("district_id", "grain", "day", "dim", "key", "company", "channel", *sums)
    return sorted(model.objects.values_list(*cols), key=repr)


def test_each_dim_adds_up_to_the_full_roll_ups(spread):  # noqa: F811
    for grain, full in (("d", CaseDay), ("w", CaseWeek), ("m", CaseMonth)):
        want = full.objects.aggregate(**{c: Sum(c) for c in CASE_SUMS})
        assert want["cases"] > 0
        for dim in DIMS:
            got = CaseKey.objects.filter(grain=grain, dim=dim).aggregate(
                **{c: Sum(c) for c in CASE_SUMS}
            )
            assert got == want, (grain, dim)


def test_a_refresh_leaves_the_keys_as_a_rebuild_would(spread):  # noqa: F811
    h = spread
    Case.objects.filter(pk=h.c6.pk).update(
        state="approved", decided_at=at(dt.date(2026, 10, 13), 9)
    )
    CaseEvent.objects.create(
        case=h.c6, at=at(dt.date(2026, 10, 13), 9), action="approve", to_state="approved"
    )
    make_case(h, matter=h.matter, point=h.street, company=h.company, channel="online")
    Rating.objects.create(case=h.c6, score=2, at=at(dt.date(2026, 11, 30), 9))
    assert rollups_refresh() >= 2
    refreshed = (_key_rows(CaseKey, CASE_SUMS), _key_rows(RatingKey, RATING_SUMS))
    keys_rebuild()
    assert (_key_rows(CaseKey, CASE_SUMS), _key_rows(RatingKey, RATING_SUMS)) == refreshed
    scope = _scope(h, dt.date(2026, 10, 1), dt.date(2026, 11, 30), channel="online")
    assert M.case_figures(scope, today=h.today) == raw.case_figures(scope, today=h.today)
