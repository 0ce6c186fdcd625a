"""The shared state of one demo-history load and the helpers both writers use (the generated
history in ``history`` and the simulated centre in ``history_sim``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from onetrip.cases.models import Case, MaterialStatus
from onetrip.cases.services import case_material_update, case_transition
from onetrip.catalogue.models import Matter, PointLevel, ServicePoint
from onetrip.demo.history_season import SH
from onetrip.workdays.selectors import working_days_after

if TYPE_CHECKING:
    import random

    from onetrip.people.models import User

DEFECTS = ["签字页缺失", "复印件不清晰", "与原件不一致", "填写内容不完整", "超过有效期"]


class _Story:
    """Shared state of one history load."""

    def __init__(self, *, district, staff, rng, switch, end_at, cal, served, persons, firms):
        self.district = district
        self.staff = staff
        self.rng = rng
        self.switch = switch
        self.end_at = end_at
        self.cal = cal
        self.served = served
        self.persons = persons
        self.firms = firms
        self.counts: dict[str, int] = defaultdict(int)

    def wd(self, day: dt.date, n: int) -> dt.date:
        return working_days_after(start=day, days=n, calendar=self.cal)

    def front(self, point: ServicePoint):
        """A clerk or social worker at the point or above it, else the manager."""
        p: ServicePoint | None = point
        while p is not None:
            if p.pk in self.staff["front"]:
                return self.staff["front"][p.pk]
            p = p.parent if p.level != PointLevel.DISTRICT else None
        return self.staff["manager"]

    def back(self, case: Case):
        return self.staff["reviewer"].get(case.department_id) or self.staff["manager"]


def _materials(matter: Matter, *, missing: bool) -> dict[int, dict[str, Any]]:
    given = {m.pk: {"status": MaterialStatus.RECEIVED} for m in matter.materials.all()}
    if missing and given:
        first = next(iter(given))
        given[first] = {"status": MaterialStatus.MISSING}
    return given


def _owner_user_of(holder):
    user = getattr(holder, "user", None)
    if user is not None:
        return user
    return holder.users.order_by("id").first()


def _precheck(s: _Story, *, matter: Matter, holder, at: dt.datetime):
    from onetrip.intake.models import PreCheck
    from onetrip.intake.services import precheck_run

    company = holder.__class__.__name__ == "Company"
    pc = precheck_run(
        matter=matter,
        applicant_kind="company" if company else "person",
        holder_number=holder.credit_code if company else holder.id_number,
        materials_at_hand=list(matter.materials.values_list("pk", flat=True)),
        actor=s.staff["guide"],
        point=s.district,
        on=at.astimezone(SH).date(),
    )
    PreCheck.objects.filter(pk=pc.pk).update(at=at)  # demo-only: auto_now_add stamp
    s.counts["prechecks"] += 1
    return pc


def client_for(*, agent, company, on: dt.date | None = None):
    """The company an agent applies for on ``on``: ``company`` when the agency holds its
    authorisation that day, or takes it on as a client (with a letter covering the history) when
    no letter between them is on file
    (the history's generated companies: no phone, so no SMS from the history); else one of the
    agency's clients authorised that day (an agent applies only with an authorisation on file,
    see ``cases.services.case_create``)."""
    from onetrip.people.services import agent_authorised

    if agent is None or company is None or agent_authorised(agent=agent, company=company, on=on):
        return company
    letters = getattr(company, "authorisations", None)
    if letters is None or not letters.filter(agency_id=agent.agency_id).exists():
        # taking a client on means a signed letter, as the agencies' workspace expects; the
        # history is not written in date order, so it covers its whole span (about 9 weeks)
        from onetrip.clock import local_today
        from onetrip.demo.services import letters_write

        day = on or local_today()
        agent.agency.clients.add(company)
        letters_write(
            agency_id=agent.agency_id,
            company_ids=[company.pk],
            valid_from=day - dt.timedelta(days=120),
            valid_until=day + dt.timedelta(days=365),
        )
        return company
    for client in agent.agency.clients.order_by("pk"):
        if agent_authorised(agent=agent, company=client, on=on):
            return client
    return company


def decide(case: Case, *, rng: random.Random, reviewer: User, now: dt.datetime) -> Case:
    """The reviewer's decision: about one case in 25 rejected, the rest approved."""
    reject = rng.random() < 0.04
    return case_transition(
        case=case,
        action="reject" if reject else "approve",
        actor=reviewer,
        note="不符合法定条件" if reject else "",
        now=now,
    )


def supplement_answer(case: Case, chosen: list[Any], *, actor: User, now: dt.datetime) -> Case:
    """The applicant hands in the materials asked for (each marked received) and resubmits."""
    for cm in chosen:
        case_material_update(
            case=case,
            case_material_id=cm.pk,
            actor=actor,
            status=MaterialStatus.RECEIVED,
            now=now,
        )
    return case_transition(case=case, action="resubmit", actor=actor, now=now)


def supplement_request(
    s: _Story, case: Case, *, rng: random.Random, reviewer: User, rnd: int, now: dt.datetime
) -> tuple[Case, list[Any]] | None:
    """The reviewer (the manager, on a second round) finds one or two materials defective and
    asks for them once: the case and the materials asked for; None when it has no materials."""
    cms = list(case.materials.all().order_by("position", "id"))
    if not cms:
        return None
    chosen = rng.sample(cms, k=min(len(cms), rng.choice((1, 1, 2))))
    case = case_transition(
        case=case,
        action="request_supplement",
        actor=reviewer if rnd == 1 else s.staff["manager"],
        note="" if rnd == 1 else "补正材料仍不符合要求，经管理者批准再次告知",
        items=[
            {"material": cm.pk, "status": "defective", "reason": rng.choice(DEFECTS)}
            for cm in chosen
        ],
        now=now,
    )
    return case, chosen
