"""The demo history extension: written through the real services, idempotent, scoped, and it
tells the reform's before/after story in the figures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count

from onetrip.audit.models import AuditEvent
from onetrip.cases.models import Case, CaseEvent, Visit
from onetrip.catalogue.models import Material
from onetrip.demo.history import history_counts, history_load, history_period
from onetrip.demo.queues import load_queues
from onetrip.demo.registry import demo_extensions_ordered
from onetrip.metrics import selectors as M
from onetrip.people.models import Agency
from tests.factories import make_matter, make_user, uscc_number

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 27)


@pytest.fixture
def demo_world(world):
    w = world
    load_queues(district=w.district)
    w.online = make_matter(
        w.district,
        w.dept,
        "sc-010",
        "营业性演出备案",
        audience="company",
        visits_needed=0,
        visits_reason="",
        online_depth=4,
        channel_online=True,
        promised_limit_days=3,
    )
    Material.objects.create(matter=w.online, position=1, name="演出备案表")
    w.matter.level_street = True
    w.matter.save()
    make_user("guide1", "guide", point=w.district)
    make_user("clerk-hubin", "clerk", point=w.street)
    agency = Agency.objects.create(district=w.district, name="恒信代理", credit_code=uscc_number())
    make_user("agent1", "agent", agency=agency)
    return w


def load(w):
    return history_load(
        district=w.district,
        today=TODAY,
        weeks=2,
        cases_per_day=4,
        people=6,
        companies=6,
    )


def test_period_stays_in_2026():
    start, switch, end = history_period(today=TODAY)
    assert (start, end) == (dt.date(2026, 10, 2), dt.date(2026, 11, 26))
    assert start < switch < end
    start, switch, end = history_period(today=dt.date(2027, 3, 1))
    assert end == dt.date(2026, 11, 27) and start.year == 2026


@pytest.mark.slow
def test_history_is_idempotent_and_consistent(demo_world):
    w = demo_world
    first = load(w)
    assert "stories_refused" not in first, first.get("first_skip")
    counts = history_counts(district=w.district)
    assert counts["cases"] >= 30 and counts["tickets"] >= 100
    again = load(w)
    assert again["skipped"] == "already loaded"
    assert history_counts(district=w.district) == counts
    assert AuditEvent.objects.filter(subject_type="demo.history").count() == 1
    # nothing in the other district
    assert history_counts(district=w.other_district) == {
        "cases": 0,
        "tickets": 0,
        "ratings": 0,
        "case_materials": 0,
    }

    cases = Case.objects.filter(district=w.district)
    start, switch, end = history_period(today=TODAY, weeks=2)
    # every case came through the services: a create event, visits equal to those recorded
    assert CaseEvent.objects.filter(case__in=cases, action="create").count() == cases.count()
    visits = dict(Visit.objects.values("case").annotate(n=Count("id")).values_list("case", "n"))
    assert all(c.visit_count == visits.get(c.pk, 0) for c in cases)
    assert cases.filter(channel="online", visit_count=0).exists()
    assert cases.filter(channel="window", visit_count__gte=1).exists()
    assert cases.filter(channel="agent").exists()
    assert cases.filter(ticket__isnull=False).exists()
    assert not cases.filter(submitted_at__date__gt=end).exists()
    assert not CaseEvent.objects.filter(case__in=cases, at__date__gt=end).exists()
    assert cases.filter(supplement_rounds__gte=1).exists()
    assert cases.filter(state="refused").exists()
    assert cases.exclude(promised_due=None).filter(promised_due__year=2026).exists()

    # the story: commercial registration waits fall after window zero opened
    def centre(first, last):
        since, until = M.period_bounds(since=first, until=last)
        return M.Scope(
            district=w.district, point=w.district, department=w.dept, since=since, until=until
        )

    before = M.wait_figures(centre(start, switch - dt.timedelta(days=1)))
    after = M.wait_figures(centre(switch, end))
    assert before["avg_wait_minutes"] > 45 > 35 > after["avg_wait_minutes"]


def test_registered_as_demo_extension():
    assert any(e.name == "history" and e.order == 50 for e in demo_extensions_ordered())
