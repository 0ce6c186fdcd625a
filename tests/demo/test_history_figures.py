"""What issue 13 saw on /metrics/ after `make demo` ("the demo history does not tell the
reform's story"), each read back from the dashboard's own figures on a generated season."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.demo.history import history_load, history_period
from onetrip.metrics import selectors as M
from onetrip.metrics.scope import Scope, period_bounds
from onetrip.metrics.views import comparison_rows, default_periods
from tests.metrics.test_history import TODAY, demo_world  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def scope(w, since: dt.date, until: dt.date, **cut) -> Scope:
    start, end = period_bounds(since=since, until=until)
    return Scope(district=w.district, since=start, until=end, **cut)


@pytest.mark.slow
def test_the_dashboard_tells_the_reforms_story(demo_world):  # noqa: F811
    w = demo_world
    summary = history_load(
        district=w.district, today=TODAY, weeks=4, cases_per_day=2, people=8, companies=8
    )
    assert "stories_refused" not in summary, summary.get("first_skip")
    start, switch, end = history_period(today=TODAY, weeks=4)

    # the default comparison is aligned to the day window zero opened
    a, b = default_periods(district=w.district, today=TODAY)
    assert b[0] == switch and a[1] == switch - dt.timedelta(days=1)
    before = M.reform_figures(scope(w, *a), today=TODAY)
    after = M.reform_figures(scope(w, *b), today=TODAY)

    # commercial registration at the centre (市场监管): over an hour before, under half an hour
    # after, in the average, not only in the 90th percentile
    def commercial(period):
        return M.wait_figures(scope(w, *period, point=w.district, department=w.dept))

    assert commercial(a)["avg_wait_minutes"] > 60
    assert commercial(b)["avg_wait_minutes"] < 30

    # no figure of the comparison is worse after the reform
    worse = [r["label"] for r in comparison_rows(before, after) if r["better"] is False]
    assert worse == [], worse
    assert after["cases"]["local_share"] > before["cases"]["local_share"]
    assert after["cases"]["overdue_rate"] < 0.1

    whole = scope(w, a[0], b[1])
    by = {k: M.figures_by(by=k, scope=whole, today=TODAY) for k in ("agency", "department")}
    # agencies: their batches' visits are counted (one a company) beside their tickets
    agencies = [r for r in by["agency"] if r["cases"]["cases"]]
    assert agencies
    for r in agencies:
        assert r["waits"]["tickets"] > 0 and r["cases"]["avg_visits"] >= 1, r["name"]
    # every department whose cases were taken at a window has tickets (queued by department)
    windowed = {
        r["name"]
        for r in M.figures_by(by="department", scope=whole.but(channel="window"), today=TODAY)
        if r["cases"]["cases"]
    }
    ticketed = {r["name"] for r in by["department"] if r["waits"]["tickets"]}
    assert len(windowed) >= 2 and windowed <= ticketed

    # every point's tickets and cases go together (one visit, one ticket)
    for r in M.figures_by(by="point", scope=whole, today=TODAY):
        if r["level"] in ("street", "community"):
            assert r["waits"]["tickets"] > 10, r["name"]
            assert 0.6 < r["cases"]["cases"] / r["waits"]["tickets"] < 1.4, r["name"]
