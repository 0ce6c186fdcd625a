"""The roll-ups give the figures the raw rows give: every figure, cut and breakdown, periods of
whole months, month edges and open ends, on the hand-built history plus cases and tickets spread
over four months; and they follow changes (refresh) and rebuild from scratch (command)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from onetrip.cases.models import Case, CaseEvent
from onetrip.metrics import raw
from onetrip.metrics import selectors as M
from onetrip.metrics.models import CaseDay, CaseMonth, Rating, RatingMonth, WaitDay
from onetrip.metrics.rollups import bin_of, bin_width, rollups_refresh
from onetrip.queueing.models import TicketEvent
from tests.metrics.conftest import at, make_case, make_ticket, worker_refresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread(history):
    """The history of conftest.py plus cases and tickets on month edges from August to
    December (late at night too: days are Shanghai days)."""
    h = history
    days = [
        dt.date(2026, 8, 31),
        dt.date(2026, 9, 1),
        dt.date(2026, 9, 30),
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 31),
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 15),
        dt.date(2026, 11, 30),
        dt.date(2026, 12, 1),
    ]
    for i, day in enumerate(days):
        hour = 23 if i % 2 else 0  # 23:xx and 00:xx local: the UTC date differs
        case = make_case(
            h,
            matter=h.senior_card if i % 3 else h.matter,
            point=(h.district, h.street, h.community)[i % 3],
            state=("approved", "in_review", "supplement_requested", "refused")[i % 4],
            accepted=i % 4 != 3,
            rounds=(0, 1, 2)[i % 3],
            answered=(1,) if i % 2 else (),
            visits=i % 3,
            agency=(None, h.agency_a, h.agency_b)[i % 3],
            company=h.company if i % 3 == 0 else None,
            applicant=None if i % 3 == 0 else h.person,
            submitted=at(day, hour, 30),
            decided=at(day + dt.timedelta(days=12), 10) if i % 4 == 0 else None,
            promised_due=day + dt.timedelta(days=7),
            overdue=i % 5 == 0,
            channel=("window", "online", "street")[i % 3],
        )
        if i % 4 != 1:
            Rating.objects.create(case=case, score=1 + i % 5, at=at(day, hour, 45))
        for j in range(3):
            make_ticket(
                (h.queue_a, h.queue_b)[j % 2],
                wait_min=(7 * i + 13 * j) % 90,
                issued=at(day, hour, 5 + j),
                agency=h.agency_a if j == 2 else None,
            )
    worker_refresh()
    return h


PERIODS = [
    (None, None),
    (dt.date(2026, 10, 1), dt.date(2026, 10, 31)),  # one whole month
    (dt.date(2026, 9, 15), dt.date(2026, 11, 20)),  # edges and a whole month
    (dt.date(2026, 9, 1), dt.date(2026, 11, 30)),  # whole months only
    (dt.date(2026, 10, 12), dt.date(2026, 10, 12)),  # one day
    (dt.date(2026, 10, 31), None),  # open end
    (None, dt.date(2026, 9, 30)),  # open start
]


def _scopes(h):
    cuts = [
        {},
        {"point": h.district},
        {"point": h.street},
        {"department": h.dept},
        {"department": h.civil},
        {"matter": h.senior_card},
        {"matter": h.matter},
        {"agency": h.agency_a},
        {"kind": "company"},
        {"kind": "person"},
        {"channel": "online"},
        {"point": h.district, "department": h.dept, "kind": "company"},
    ]
    for since, until in PERIODS:
        start, end = M.period_bounds(since=since, until=until)
        for cut in cuts:
            yield M.Scope(district=h.district, since=start, until=end, **cut)


def test_every_figure_equals_the_raw_rows(spread):
    h = spread
    assert rollups_refresh() == 0  # the worker's refresh left nothing to do
    assert CaseMonth.objects.exists() and CaseDay.objects.exists() and RatingMonth.objects.exists()
    n = 0
    for scope in _scopes(h):
        got = M.reform_figures(scope, today=h.today)
        assert got["cases"] == raw.case_figures(scope, today=h.today), scope
        assert got["waits"] == raw.wait_figures(scope), scope
        assert got["satisfaction"] == raw.satisfaction_figures(scope), scope
        n += 1
    assert n == len(PERIODS) * 12


@pytest.mark.parametrize("by", M.BREAKDOWNS)
def test_every_breakdown_equals_the_raw_rows(spread, by):
    h = spread
    for since, until in PERIODS:
        start, end = M.period_bounds(since=since, until=until)
        scope = M.Scope(district=h.district, since=start, until=end)
        rows = {r["id"]: r for r in M.figures_by(by=by, scope=scope, today=h.today)}
        cases = raw.cases_by(by, scope, today=h.today)
        waits = raw.waits_by(by, scope)
        assert set(rows) == set(cases) | set(waits) | set(raw.ratings_by(by, scope))
        for gid, figures in cases.items():
            assert rows[gid]["cases"] == figures, (by, since, until, gid)
        for gid, figures in waits.items():
            assert rows[gid]["waits"] == figures, (by, since, until, gid)
        for gid, figures in raw.ratings_by(by, scope).items():
            assert rows[gid]["satisfaction"] == figures, (by, since, until, gid)


def test_p90_from_bins_stays_within_a_bin(spread, monkeypatch):
    """Above EXACT_P90_LIMIT the percentile comes from the bins: within one bin width of the
    exact value; count and average stay exact."""
    h = spread
    monkeypatch.setattr(M, "EXACT_P90_LIMIT", 0)
    for scope in _scopes(h):
        got, exact = M.wait_figures(scope), raw.wait_figures(scope)
        assert got["tickets"] == exact["tickets"]
        assert got["avg_wait_minutes"] == exact["avg_wait_minutes"]
        if exact["p90_wait_minutes"] is None:
            assert got["p90_wait_minutes"] is None
            continue
        waits = sorted(t.wait_seconds / 60 for t in raw.tickets_in_scope(scope))
        lo = int(0.9 * (len(waits) - 1))
        neighbours = waits[lo : lo + 2]
        width = max(bin_width(bin_of(w)) for w in neighbours)
        assert abs(got["p90_wait_minutes"] - exact["p90_wait_minutes"]) <= width + 0.1, scope


def test_bins():
    assert [bin_of(m) for m in (0, 0.5, 59.9, 60, 64.9, 65, 179, 180, 479, 480, 2000)] == [
        0,
        0,
        59,
        60,
        60,
        65,
        175,
        180,
        465,
        480,
        1440,
    ]
    assert (bin_width(3), bin_width(60), bin_width(195), bin_width(540), bin_width(1440)) == (
        1,
        5,
        15,
        60,
        0,
    )


def test_refresh_follows_changes(spread):
    """Each write of the platform adds a case event or ticket event (or a case, a visit, …):
    the refresh recomputes the days it touched and nothing else."""
    h = spread
    scope = M.Scope(district=h.district, since=h.since, until=h.until)
    before = M.reform_figures(scope, today=h.today)
    assert rollups_refresh() == 0  # nothing changed since the worker's refresh
    # c6 (in review) is approved: the case row changes and an event is appended
    Case.objects.filter(pk=h.c6.pk).update(
        state="approved", decided_at=at(dt.date(2026, 10, 13), 9)
    )
    CaseEvent.objects.create(
        case=h.c6, at=at(dt.date(2026, 10, 13), 9), action="approve", to_state="approved"
    )
    # a ticket of the 12th is called at last
    waiting = h.queue_b.tickets.filter(first_called_at__isnull=True).first()
    waiting.first_called_at = waiting.issued_at + dt.timedelta(minutes=42)
    waiting.save()
    TicketEvent.objects.create(ticket=waiting, at=waiting.first_called_at, action="call")
    assert rollups_refresh() == 2  # one case bucket, one ticket bucket
    after = M.reform_figures(scope, today=h.today)
    assert after["cases"] == raw.case_figures(scope, today=h.today)
    assert after["waits"] == raw.wait_figures(scope)
    assert after["cases"]["overdue"] == before["cases"]["overdue"] - 1  # c6 no longer running
    assert after["waits"]["tickets"] == before["waits"]["tickets"] + 1
    # a rating of c6, given on the 14th
    Rating.objects.create(case=h.c6, score=2, at=at(dt.date(2026, 10, 14), 9))
    assert rollups_refresh() >= 1  # its day, and the days of the ratings in the re-read margin
    assert M.satisfaction_figures(scope) == raw.satisfaction_figures(scope)
    assert M.satisfaction_figures(scope)["ratings"] == before["satisfaction"]["ratings"] + 1
    # a new case is found by its own id, by the next refresh (not by reading)
    new = make_case(h, matter=h.matter, point=h.street, company=h.company, visits=0)
    assert M.case_figures(scope, today=h.today)["cases"] == after["cases"]["cases"]
    assert rollups_refresh() >= 1  # its day (and those of the rows in the re-read margin)
    assert M.case_figures(scope, today=h.today)["cases"] == after["cases"]["cases"] + 1
    assert new.pk


def test_rebuild_command(spread, capsys):
    h = spread
    call_command("metrics_rebuild")
    out = capsys.readouterr().out
    assert "case_days" in out and "wait_months" in out
    days = CaseDay.objects.filter(district_id=h.district.pk)
    assert (
        sum(days.values_list("cases", flat=True))
        == raw.cases_in_scope(M.Scope(district=h.district)).count()
    )
    assert WaitDay.objects.filter(district_id=h.other_district.pk).exists()
    call_command("metrics_rebuild", "--district", "xh")
    assert sum(days.values_list("cases", flat=True)) > 0  # the other district left alone
    call_command("metrics_rebuild", "--refresh")
    assert "0 bucket" in capsys.readouterr().out.splitlines()[-1]


def test_weekly_trend_equals_the_raw_rows_week_by_week(spread):
    h = spread
    start, end = M.period_bounds(since=dt.date(2026, 9, 28), until=dt.date(2026, 11, 1))
    scope = M.Scope(district=h.district, since=start, until=end)
    trend = M.weekly_trend(scope, today=h.today)
    assert trend["weeks"] == ["2026-09-28", "2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26"]
    for i, monday in enumerate(trend["weeks"]):
        first = dt.date.fromisoformat(monday)
        since, until = M.period_bounds(since=first, until=first + dt.timedelta(days=6))
        week = M.Scope(district=h.district, since=since, until=until)
        cases = raw.case_figures(week, today=h.today)
        waits = raw.wait_figures(week)
        ratings = raw.satisfaction_figures(week)
        s = trend["series"]
        assert s["cases"][i] == cases["cases"]
        assert s["tickets"][i] == waits["tickets"]
        assert s["avg_wait_minutes"][i] == waits["avg_wait_minutes"]
        for key in (
            "first_pass_rate",
            "one_go_supplement_rate",
            "zero_visit_share",
            "overdue_rate",
        ):
            assert s[key][i] == cases[key], (monday, key)
        assert s["satisfied_share"][i] == ratings["satisfied_share"]
    assert trend["series"]["cases"][2] == 7  # the week of 12 October holds c1..c7


def test_a_state_change_schedules_one_refresh_a_minute(settings, monkeypatch):
    """The worker keeps the roll-ups: a committed state change enqueues a deferred refresh,
    at most one per DEBOUNCE seconds per process; the immediate backend (tests) enqueues none."""
    from django_tasks import task_backends

    from onetrip.cases.signals import case_state_changed
    from onetrip.metrics import tasks

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    task_backends._settings = None  # re-read TASKS
    monkeypatch.setattr(tasks, "_last_enqueued", 0.0)
    clock = iter([1000.0, 1010.0, 1061.0])
    monkeypatch.setattr(tasks.time, "monotonic", lambda: next(clock))
    try:
        backend = tasks.refresh_rollups.get_backend()
        backend.clear()
        assert any(r[0][0] == "metrics_refresh_rollups" for r in case_state_changed.receivers)
        for _ in range(3):
            tasks.schedule_refresh(case=None, from_state="", to_state="")
        results = backend.results
        assert len(results) == 2  # at 1000 and 1061, not at 1010
        assert all(r.task.func is tasks.refresh_rollups.func for r in results)
        assert all(r.task.run_after is not None for r in results)
    finally:
        task_backends._settings = None
