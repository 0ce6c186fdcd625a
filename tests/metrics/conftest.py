"""A small hand-built history with known answers (see test_selectors for the arithmetic)."""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from onetrip.cases.models import Case, SupplementNotice
from onetrip.catalogue.models import Material
from onetrip.intake.models import PreCheck
from onetrip.metrics.models import Rating
from onetrip.people.models import Agency, Applicant, Company
from onetrip.queueing.models import Queue, Ticket
from tests.factories import make_matter, make_user, ric_number, uscc_number

SH = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 10, 12)
TODAY = dt.date(2026, 11, 27)
_n = itertools.count(1)


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=SH)


def make_ticket(queue, *, wait_min=None, issued=None, slot=None, agency=None):
    issued = issued or at(DAY, 9)
    seq = next(_n)
    start = slot or issued
    called = None if wait_min is None else start + dt.timedelta(minutes=wait_min)
    return Ticket.objects.create(
        queue=queue,
        point=queue.point,
        day=issued.date(),
        seq=seq,
        number=f"{queue.code}{seq:03d}",
        sort_at=start,
        issued_at=issued,
        slot_start=slot,
        first_called_at=called,
        called_at=called,
        status="done" if called else "waiting",
        agency=agency,
    )


def make_case(
    w,
    *,
    matter,
    point,
    state="approved",
    accepted=True,
    rounds=0,
    answered=(),
    visits=1,
    company=None,
    applicant=None,
    agency=None,
    submitted=None,
    decided=None,
    promised_due=None,
    overdue=False,
    district=None,
    channel="window",
):
    submitted = submitted or at(DAY, 10)
    case = Case.objects.create(
        number=f"T-{next(_n):05d}",
        district=district or w.district,
        matter=matter,
        department=matter.department,
        applicant=applicant,
        company=company,
        agency=agency,
        channel=channel,
        point=point,
        state=state,
        submitted_at=submitted if state != "draft" else None,
        accepted_at=submitted if accepted else None,
        accepted_on=submitted.date() if accepted else None,
        promised_due=promised_due or (dt.date(2026, 10, 20) if accepted else None),
        decided_at=decided,
        supplement_rounds=rounds,
        visit_count=visits,
        overdue_at=at(dt.date(2026, 10, 21), 1) if overdue else None,
    )
    for r in range(1, rounds + 1):
        SupplementNotice.objects.create(
            case=case, round=r, answered_at=at(DAY, 15) if r in answered else None
        )
    return case


@pytest.fixture
def history(world):
    w = world
    w.five_star = make_matter(
        w.district,
        w.dept,
        "sc-005",
        "营业性演出备案",
        audience="company",
        visits_needed=0,
        visits_reason="",
        online_depth=4,
        channel_online=True,
    )
    w.zero_not_five = make_matter(
        w.district,
        w.civil,
        "sc-006",
        "独生子女证明",
        visits_needed=0,
        visits_reason="",
        online_depth=3,
        channel_online=True,
    )
    Material.objects.create(matter=w.five_star, position=1, name="演出备案表")
    w.agency_a = Agency.objects.create(
        district=w.district, name="甲代办", credit_code=uscc_number()
    )
    w.agency_b = Agency.objects.create(
        district=w.district, name="乙代办", credit_code=uscc_number()
    )
    w.company = Company.objects.create(name="湖滨科技", credit_code=uscc_number())
    w.person_user = make_user("person1", "applicant")
    w.person = Applicant.objects.create(name="陈晓雯", id_number=ric_number(), user=w.person_user)

    # tickets: centre queue A (department scjg) waits 10, 20, 30, 40, 100 minutes
    w.queue_a = Queue.objects.create(point=w.district, code="A", name="企业开办", department=w.dept)
    w.queue_a.matters.add(w.matter)
    for m in (10, 20, 30, 40, 100):
        make_ticket(w.queue_a, wait_min=m)
    make_ticket(w.queue_a, wait_min=500, issued=at(dt.date(2026, 9, 1), 9))  # before the period
    # street queue B: two appointments (5 min after the slot; called 3 min early = 0), one never called
    w.queue_b = Queue.objects.create(point=w.street, code="B", name="个人事务")
    make_ticket(w.queue_b, wait_min=5, issued=at(DAY, 8), slot=at(DAY, 11), agency=w.agency_a)
    make_ticket(w.queue_b, wait_min=-3, issued=at(DAY, 8), slot=at(DAY, 14))
    make_ticket(w.queue_b)
    # the other district: one long wait that must never show up
    w.other_queue = Queue.objects.create(point=w.other_district, code="A", name="西湖企业")
    make_ticket(w.other_queue, wait_min=999)

    co, pe = {"company": w.company}, {"applicant": w.person}
    w.c1 = make_case(
        w, matter=w.matter, point=w.district, agency=w.agency_b, decided=at(DAY, 16), **co
    )
    w.c2 = make_case(
        w, matter=w.matter, point=w.district, rounds=1, answered=(1,), decided=at(DAY, 16), **co
    )
    w.c3 = make_case(
        w,
        matter=w.matter,
        point=w.district,
        rounds=2,
        answered=(1, 2),
        visits=2,
        agency=w.agency_a,
        overdue=True,
        decided=at(DAY, 16),
        **co,
    )
    w.c4 = make_case(
        w, matter=w.matter, point=w.street, state="refused", accepted=False, agency=w.agency_a, **co
    )
    w.c5 = make_case(
        w,
        matter=w.senior_card,
        point=w.district,
        channel="online",
        visits=0,
        decided=at(dt.date(2026, 10, 22), 10),
        **pe,
    )  # decided after 10-20: late
    w.c6 = make_case(w, matter=w.senior_card, point=w.community, state="in_review", **pe)
    w.c7 = make_case(
        w,
        matter=w.matter,
        point=w.district,
        state="supplement_requested",
        rounds=1,
        visits=0,
        agency=w.agency_a,
        **co,
    )
    # excluded: a draft, a case submitted before the period, a case of the other district
    make_case(w, matter=w.matter, point=w.district, state="draft", accepted=False, **co)
    make_case(w, matter=w.matter, point=w.district, submitted=at(dt.date(2026, 9, 1), 10), **co)
    other_co = Company.objects.create(name="西湖企业", credit_code=uscc_number())
    w.c9 = make_case(
        w,
        matter=w.other_matter,
        point=w.other_district,
        district=w.other_district,
        visits=3,
        company=other_co,
    )

    for case in (w.c1, w.c2):
        PreCheck.objects.create(
            district=w.district,
            matter=w.matter,
            applicant_kind="company",
            next_step="ticket",
            complete=True,
            case_number=case.number,
        )
    for case, score in ((w.c1, 5), (w.c2, 4), (w.c5, 2), (w.c9, 1)):
        Rating.objects.create(case=case, score=score, at=at(dt.date(2026, 10, 23), 10))
    w.since, w.until = at(dt.date(2026, 10, 1), 0), at(dt.date(2026, 11, 1), 0)
    w.today = TODAY
    worker_refresh()
    return SimpleNamespace(**vars(w))


def worker_refresh() -> None:
    """What the task worker does after writes (``metrics.tasks.refresh_rollups``): reading the
    figures never refreshes the roll-ups, so a test that writes rows refreshes them itself."""
    from onetrip.metrics.tasks import refresh_rollups

    refresh_rollups.call()
