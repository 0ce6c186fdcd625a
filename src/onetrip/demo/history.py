"""A season of demo history (``onetrip demo`` extension "history"): eight weeks before the demo's
today, spanning the day window zero opened, telling the reform's story as the simulator tells it.

The district centre's tickets and cases come from the hall simulator (``history_sim``): the
``before-reform`` layout until window zero opens, the ``after-reform`` layout from that day, one
simulated applicant journey in ``sample`` (20) written with its simulated times. So the centre's
figures are the simulator's (commercial registration waits over an hour, then under half an
hour; the first-submission pass rate about 30%, then 60%; one-go supplements over 97% once
the QR follow-up exists; agents' batches on their own windows), and a test holds the dashboard's
figures against the simulator's counts. Around it, generated here: five-star matters applied
for online with no visit, street and community points with their own few tickets and cases, a
few cases running late, and ratings.

How it is written:

- Cases go through the real services (``case_create``, ``case_transition``,
  ``case_material_update``, ``visit_record``, ``intake.services.precheck_run``/
  ``precheck_link_case``, ``metrics.services.rating_submit``) with explicit historical
  ``now=``/``today=``, so states, deadlines (working days), visits and the audit trail are what
  the platform itself produces. The only timestamps patched afterwards by a queryset update
  (demo-only) are fields the services stamp with the wall clock: ``PreCheck.at`` and
  ``Case.created_at``.
- Tickets are written with ``bulk_create`` (tickets and their issue/call/start/finish events):
  thousands of them through the calling services would take minutes. Demo-only; no audit
  events are written for these historical tickets.
- The applicants and companies of the history are generated (valid check digits, no phone
  numbers, accounts that cannot sign in), so no notification is sent for historical cases and
  the demo's own accounts keep a clean inbox.
- All dates lie in 2026 (the last year chinese-calendar knows), ending the day before today
  (or on 2026-11-27 when today is not in 2026).

Idempotent: a marker audit event (subject ``demo.history``/district code) is written once; later
runs find it and change nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction

from onetrip.audit.models import AuditEvent
from onetrip.audit.services import audit_record
from onetrip.cases.models import Case, CaseMaterial, Channel, DeliveryMethod
from onetrip.cases.services import case_create, case_transition
from onetrip.catalogue.models import Matter, PointLevel, ServicePoint
from onetrip.clock import local_today
from onetrip.demo.history_people import _holders, _staff
from onetrip.demo.history_season import SH, Season, _at, sites_of
from onetrip.demo.history_sim import journey_matters, sim_cases_write, sim_counts
from onetrip.demo.history_story import (
    _materials,
    _owner_user_of,
    _precheck,
    _Story,
    client_for,
    decide,
    supplement_answer,
    supplement_request,
)
from onetrip.demo.history_tickets import sim_tickets_write
from onetrip.demo.registry import demo_extension
from onetrip.errors import DomainError
from onetrip.workdays.selectors import WorkdayCalendar

MARKER = "demo.history"
LAST_DAY = dt.date(2026, 11, 27)  # deadlines of the last cases still fall within 2026

REFUSE_NOTES = ["申请材料不齐全，已一次性告知所缺材料", "申请书填写不规范，签字缺失"]


# -- the period ------------------------------------------------------------------------------


def history_period(*, today: dt.date, weeks: int = 8) -> tuple[dt.date, dt.date, dt.date]:
    """(first day, the day window zero opened, last day): ``weeks`` weeks ending yesterday,
    kept inside 2026 so every deadline is computed from the published calendar."""
    end = today - dt.timedelta(days=1)
    if end.year != 2026 or end > LAST_DAY:
        end = LAST_DAY
    start = max(end - dt.timedelta(weeks=weeks) + dt.timedelta(days=1), dt.date(2026, 1, 5))
    switch = start + (end - start) / 2
    return start, switch, end


def _lifecycle(
    s: _Story,
    *,
    mode: str,
    matter: Matter,
    point: ServicePoint,
    holder,
    at: dt.datetime,
    fail: str,
    second_round: bool,
    late: bool,
    stall: bool,
    agent=None,
    ticket=None,
    prechecked: bool = False,
) -> Case | None:
    """One case from application to closing (or as far as the history reaches)."""
    rng = s.rng
    day = at.astimezone(SH).date()
    person = holder if holder.__class__.__name__ == "Applicant" else None
    company = None if person is not None else holder
    clerk = s.front(point)
    online = mode == "online"
    if online:
        creator, channel = _owner_user_of(holder), Channel.ONLINE
    elif mode == "agent":
        creator, channel = agent, Channel.AGENT
        company = holder = client_for(agent=agent, company=company, on=day)
    else:
        creator = clerk
        at_level: dict[str, Channel] = {
            PointLevel.DISTRICT: Channel.WINDOW,
            PointLevel.STREET: Channel.STREET,
            PointLevel.COMMUNITY: Channel.COMMUNITY,
        }
        channel = at_level[point.level]
    precheck = None
    if prechecked and s.staff["guide"] is not None:
        precheck = _precheck(s, matter=matter, holder=holder, at=at - dt.timedelta(minutes=25))
    # Window intake accepts on the spot; online and agency applications are accepted later.
    spot = channel in (Channel.WINDOW, Channel.STREET, Channel.COMMUNITY)
    case = case_create(
        matter=matter,
        actor=creator,
        channel=channel,
        point=point if not online else None,
        applicant=person,
        company=company,
        ticket=ticket,
        materials=_materials(matter, missing=fail == "refuse"),
        submit=True,
        accept=spot and fail != "refuse",
        now=at,
        today=day,
    )
    Case.objects.filter(pk=case.pk).update(created_at=at)  # demo-only: auto_now_add stamp
    if precheck is not None:
        from onetrip.intake.services import precheck_link_case

        precheck_link_case(precheck=precheck, case_number=case.number, actor=s.staff["guide"])
    s.counts["cases"] += 1

    def step(when: dt.datetime) -> bool:
        return when <= s.end_at

    front_clerk = s.front(case.point)
    if not spot:
        when = (
            _at(s.wd(day, 1), rng.uniform(10, 120))
            if at.hour >= 14
            else at + dt.timedelta(minutes=rng.uniform(30, 120))
        )
        if not step(when):
            return case
        action = "refuse" if fail == "refuse" else "accept"
        case = case_transition(
            case=case,
            action=action,
            actor=front_clerk,
            note=rng.choice(REFUSE_NOTES) if action == "refuse" else "",
            now=when,
            today=when.astimezone(SH).date(),
        )
        at, day = when, when.astimezone(SH).date()
    elif fail == "refuse":
        when = at + dt.timedelta(minutes=10)
        case = case_transition(
            case=case, action="refuse", actor=clerk, note=rng.choice(REFUSE_NOTES), now=when
        )
        s.counts["refused"] += 1
        return case
    if case.state == "refused":
        s.counts["refused"] += 1
        return case

    reviewer = s.back(case)
    instant = matter.promised_limit_days == 0
    when = at
    if not instant:
        when = _at(s.wd(day, 1), rng.uniform(0, 420))
        if not step(when):
            return case
        case = case_transition(case=case, action="start_review", actor=reviewer, now=when)
        if stall:
            return case  # still in review: runs past its promised date
    if fail == "supplement" and case.materials.exists():
        for rnd in (1, 2) if second_round else (1,):
            when = when + dt.timedelta(minutes=rng.uniform(20, 90))
            if not step(when):
                return case
            asked = supplement_request(s, case, rng=rng, reviewer=reviewer, rnd=rnd, now=when)
            if asked is None:  # the materials exist (checked above): never
                return case
            case, chosen = asked
            when = _at(
                s.wd(when.astimezone(SH).date(), rng.choice((1, 1, 2, 3))), rng.uniform(0, 400)
            )
            if not step(when):
                return case
            owner = _owner_user_of(holder) if mode == "online" else (agent or front_clerk)
            case = supplement_answer(case, chosen, actor=owner, now=when)
            if not instant:
                when = when + dt.timedelta(minutes=rng.uniform(30, 120))
                if not step(when):
                    return case
                case = case_transition(case=case, action="start_review", actor=reviewer, now=when)
    if instant:
        when = when + dt.timedelta(minutes=rng.uniform(10, 40))
    else:
        due = case.promised_due
        assert due is not None  # an accepted case of a committed matter has its promised date
        rday = when.astimezone(SH).date()
        if late:
            dday = s.wd(due, rng.choice((1, 2, 3)))
        else:
            span = max(min(matter.promised_limit_days - 1, 4), 0)
            dday = min(s.wd(rday, rng.randint(0, span)), due)
        when = max(_at(dday, rng.uniform(0, 420)), when + dt.timedelta(minutes=15))
    if not step(when):
        return case
    case = decide(case, rng=rng, reviewer=reviewer, now=when)
    if (
        case.state == "approved"
        and case.promised_due
        and when.astimezone(SH).date() > case.promised_due
    ):
        s.counts["late"] += 1
    # delivery
    if online or mode == "agent":
        method = DeliveryMethod.E_CERTIFICATE if rng.random() < 0.6 else DeliveryMethod.POST
    elif point.level == PointLevel.COMMUNITY:
        method = DeliveryMethod.HOME if rng.random() < 0.5 else DeliveryMethod.WINDOW
    elif instant:
        method = DeliveryMethod.WINDOW
    else:
        method = rng.choices(
            [DeliveryMethod.E_CERTIFICATE, DeliveryMethod.POST, DeliveryMethod.WINDOW],
            weights=[5, 4, 1],
        )[0]
    if instant and method == DeliveryMethod.WINDOW:
        # handed over at the same sitting: not a second visit, so no pickup is recorded
        method = (
            DeliveryMethod.E_CERTIFICATE if matter.result_type != "card" else DeliveryMethod.HOME
        )
    dwhen = when + dt.timedelta(minutes=rng.uniform(20, 90))
    if method in (DeliveryMethod.POST, DeliveryMethod.WINDOW, DeliveryMethod.HOME):
        dwhen = _at(s.wd(when.astimezone(SH).date(), 1), rng.uniform(0, 420))
    if not step(dwhen):
        return case
    deliverer = front_clerk if method in (DeliveryMethod.WINDOW, DeliveryMethod.HOME) else reviewer
    case = case_transition(case=case, action="deliver", actor=deliverer, method=method, now=dwhen)
    cwhen = _at(s.wd(dwhen.astimezone(SH).date(), 1), rng.uniform(400, 470))
    if step(cwhen):
        case = case_transition(case=case, action="close", actor=None, now=cwhen)
    rwhen = dwhen + dt.timedelta(hours=rng.uniform(1, 30))
    if step(rwhen) and rng.random() < 0.45:
        from onetrip.demo.history_sim import rate

        rate(s, case=case, holder=holder, at=rwhen, after=dwhen.astimezone(SH).date() >= s.switch)
    return case


def _matter_pools(district: ServicePoint) -> dict[str, list[Matter]]:
    from onetrip.catalogue.rules import Route, routes

    # The history's applicants are residents and registered companies: founding matters (a
    # company not yet registered applies) are left to the founders' own journeys.
    matters = list(
        Matter.objects.filter(district=district, is_active=True, founding=False)
        .select_related("department")
        .prefetch_related("materials")
        .order_by("code")
    )
    return {
        "online": [m for m in matters if Route.ONLINE in routes(m) and m.visits_needed == 0],
        "window": [m for m in matters if m.level_district and m.channel_window],
        "street": [m for m in matters if m.level_street and m.channel_window],
        "community": [m for m in matters if m.level_community and m.channel_window],
        "agent": [
            m
            for m in matters
            if m.level_district and m.channel_window and m.audience in ("company", "both")
        ],
        "commercial": [
            m
            for m in matters
            if m.department.code == "scjg"
            and m.audience in ("company", "both")
            and m.level_district
        ],
        # the simulator's other matters (history_sim), by the matter key of its layouts
        "personal": [
            m
            for m in matters
            if m.level_district and m.channel_window and m.audience in ("individual", "both")
        ],
        "construction": [
            m
            for m in matters
            if m.level_district
            and m.channel_window
            and m.audience == "company"
            and m.department.code != "scjg"
        ],
        "all": matters,
    }


def _holder_for(s: _Story, matter: Matter):
    if matter.audience == "company" or (matter.audience == "both" and s.rng.random() < 0.5):
        return s.rng.choice(s.firms)
    return s.rng.choice(s.persons)


def _fail_mode(s: _Story, *, after: bool, prechecked: bool, online: bool) -> str:
    p_fail = 0.70 if not after else (0.30 if prechecked or online else 0.50)
    roll = s.rng.random()
    if roll >= p_fail:
        return "pass"
    return "refuse" if roll < p_fail * 0.35 else "supplement"


def _cases_load(s: _Story, *, days: list[dt.date], per_day: float) -> None:
    """Five-star matters applied for online from home (no visit, no ticket), around the
    simulated points."""
    pools = _matter_pools(s.district)
    rng = s.rng
    if not pools["online"]:
        return
    for day in days:
        after = day >= s.switch
        n = max(int(round(rng.gauss(per_day, per_day * 0.2))), 1)
        for _ in range(n):
            matter = rng.choice(pools["online"])
            holder = _holder_for(s, matter)
            if _owner_user_of(holder) is None:
                continue
            fail = _fail_mode(s, after=after, prechecked=False, online=True)
            company = holder.__class__.__name__ == "Company"
            _one(
                s,
                mode="online",
                matter=matter,
                point=s.district,
                holder=holder,
                at=_at(day, rng.uniform(10, 440)),
                fail=fail,
                # online answers need no visit, like the QR follow-up: one-go as the layouts say
                second_round=rng.random() < (0.025 if after else (0.05 if company else 0.1)),
                late=rng.random() < (0.02 if after else 0.05),
                stall=rng.random() < (0.005 if after else 0.015),
            )


def _one(s: _Story, **kw) -> None:
    try:
        with transaction.atomic():
            _lifecycle(s, **kw)
    except DomainError as exc:  # a story the rules refuse is skipped, never half-written
        s.counts["stories_refused"] += 1
        s.counts.setdefault("first_skip", str(exc))  # type: ignore[arg-type]


# -- entry points ----------------------------------------------------------------------------


def _shared_records_ensure(*, district: ServicePoint) -> None:
    """Give the generated holders their shared records (licences, ID cards) now, through the
    sharing app's own idempotent demo loader, so a second ``onetrip demo`` finds nothing to add."""
    try:
        from onetrip.demo.shared import load_shared_documents
    except ImportError:  # pragma: no cover - the sharing app is part of the platform
        return
    load_shared_documents(district=district, stdout=None)


def history_counts(*, district: ServicePoint) -> dict[str, int]:
    from onetrip.metrics.models import Rating
    from onetrip.queueing.models import Ticket

    return {
        "cases": Case.objects.filter(district=district).count(),
        "tickets": Ticket.objects.filter(point__district=district).count(),
        "ratings": Rating.objects.filter(case__district=district).count(),
        "case_materials": CaseMaterial.objects.filter(case__district=district).count(),
    }


def history_load(
    *,
    district: ServicePoint,
    today: dt.date | None = None,
    weeks: int = 8,
    cases_per_day: float = 6.0,
    people: int = 40,
    companies: int = 36,
    seed: int = 2018,  # docs/simulation.md: why not 2017
    sample: int = 20,
    sites: bool = True,
    stdout: Any = None,
) -> dict[str, Any]:
    """Write the season of history for ``district`` once (see the module docstring)."""
    if AuditEvent.objects.filter(subject_type=MARKER, subject_id=district.code).exists():
        return {"skipped": "already loaded", **history_counts(district=district)}
    today = today or local_today()
    start, switch, end = history_period(today=today, weeks=weeks)
    staff = _staff(district)
    if staff["manager"] is None or district.pk not in staff["front"]:
        return {"skipped": "no clerk and manager at the district centre"}
    rng = random.Random(f"{district.code}-{seed}")
    cal = WorkdayCalendar()
    days = []
    day = start
    while day <= end:
        if cal.is_workday(day):
            days.append(day)
        day += dt.timedelta(days=1)
    persons, firms = _holders(district, rng, people=people, companies=companies)
    _shared_records_ensure(district=district)
    # cases go on (reviewed, decided, delivered) up to yesterday, after the last arrival
    last_step = max(end, min(today - dt.timedelta(days=1), dt.date(2026, 12, 18)))
    end_at = dt.datetime.combine(last_step, dt.time(23, 59), tzinfo=SH)
    story = _Story(
        district=district,
        staff=staff,
        rng=rng,
        switch=switch,
        end_at=end_at,
        cal=cal,
        served={},
        persons=persons,
        firms=firms,
    )
    season = Season(
        before=[d for d in days if d < switch],
        after=[d for d in days if d >= switch],
        seed=seed,
        sample=sample,
        sites=sites_of(district) if sites else None,
    )
    agents = [a for a in staff["agents"] if a.agency_id]
    pools = _matter_pools(district)
    matters = journey_matters(story, season=season, pools=pools) if pools["window"] else {}
    written = sim_tickets_write(district=district, season=season, agents=agents, matters=matters)
    sim_cases_write(story, season=season, tickets=written, matters=matters)
    _cases_load(story, days=days, per_day=cases_per_day)
    simulated = sim_counts(season)
    # the figures' roll-ups, as the task worker keeps them after writes (reads never refresh)
    from onetrip.metrics.rollups import rollups_refresh

    rollups_refresh(wait=True)
    summary = {
        "period": f"{start.isoformat()}..{end.isoformat()}",
        "window_zero_opened": switch.isoformat(),
        **{k: v for k, v in story.counts.items()},
        **history_counts(district=district),
        "simulated_tickets": len(written),
    }
    audit_record(
        (MARKER, district.code),
        "load",
        actor=None,
        note=summary["period"],
        point=district,
        data={k: v for k, v in summary.items() if isinstance(v, int | str)},
    )
    if stdout is not None:
        stdout.write(
            f"history: {summary['period']} (window zero from {switch}): "
            f"{summary['cases']} cases, {summary['tickets']} tickets, "
            f"{summary['ratings']} ratings; figures at /metrics/\n"
        )
    return {**summary, "simulated": simulated}


@demo_extension(name="history", order=50)
def load_history(*, district: ServicePoint, stdout: Any = None, **_: Any) -> dict[str, Any]:
    return history_load(district=district, stdout=stdout)


__all__ = ["history_load", "history_period", "load_history"]
