"""One promise: for every matter and every kind of applicant it allows, what window zero's
pre-check promises (route, 容缺, government-held materials, on-site steps) is exactly what the
window intake and the online application accept."""

from __future__ import annotations

import pytest

from onetrip.cases.models import Case, MaterialStatus
from onetrip.cases.services import case_open
from onetrip.catalogue.rules import ApplicantKind, Handling, matter_rules
from onetrip.errors import DomainError
from onetrip.intake.services import precheck_run
from tests.journeys.conftest import NOW, PAIRS, import_matter
from tests.journeys.journey import applicant_args, holder_number


def _intake_point(p, matter):
    """Where a window takes it: the district centre when it accepts the matter, else the
    first street or community point."""
    if matter.level_district:
        return p.clerk
    level = "street" if matter.level_street else "community"
    code = next(c for c, sp in sorted(p.points.items()) if sp.level == level)
    return p.street_clerks[code]


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "kind"), PAIRS)
def test_precheck_promise_is_what_intake_accepts(code, kind, tmp_path, people, frozen):
    matter = import_matter(code, tmp_path)
    p = people(matter)
    rules = matter_rules(matter=matter, applicant_kind=kind)
    hand_in = [m.id for m in rules.handled(Handling.HAND_IN)]

    def check(at_hand):
        return precheck_run(
            matter=matter,
            applicant_kind=kind,
            holder_number=holder_number(p, kind),
            materials_at_hand=at_hand,
            actor=p.guide,
            on=NOW.date(),
        )

    pc = check(hand_in)
    # Still missing with everything to hand in at hand: only held materials the shared data
    # has no record of (the applicant brings the paper copy; the window takes it).
    unrecorded = [m["id"] for m in pc.missing]
    held = {m.id for m in rules.handled(Handling.HELD)}
    assert set(unrecorded) <= held, pc.missing
    hand_in += unrecorded
    pc = check(hand_in)
    # The pre-check's lists are the rule set's handling, and nothing else.
    assert pc.complete, pc.missing
    assert sorted(m["id"] for m in pc.later) == sorted(m.id for m in rules.handled(Handling.LATER))
    assert sorted(m["id"] for m in pc.held) == sorted(held - set(unrecorded))
    onsite = [s["code"] for s in pc.next_detail.get("onsite_steps", [])]
    assert onsite == list(rules.onsite_steps)
    assert pc.next_detail["visits_promised"] == matter.visits_needed

    # The window accepts exactly that: received, 容缺 on a signed commitment, held resolved.
    given = [{"material": pk, "status": "received"} for pk in hand_in] + [
        {"material": m["id"], "status": "later", "commitment_signed": True} for m in pc.later
    ]
    clerk = _intake_point(p, matter)
    channel = "window" if clerk.point.level == "district" else clerk.point.level
    case = case_open(
        actor=clerk,
        matter_code=code,
        channel=channel,
        materials=given,
        accept=True,
        now=NOW,
        **applicant_args(p, kind),
    )
    case = Case.objects.get(pk=case.pk)
    assert case.state == "accepted"
    status = {cm.material_id: cm.status for cm in case.materials.all()}
    for m in pc.held:
        assert status[m["id"]] == MaterialStatus.GOVERNMENT_HELD, m["name"]
    for m in pc.later:
        assert status[m["id"]] == MaterialStatus.LATER, m["name"]

    # Online: offered by the pre-check ⇔ accepted by the online application.
    online_actor = {
        ApplicantKind.PERSON: p.person_user,
        ApplicantKind.COMPANY: p.company_user,
        ApplicantKind.FOUNDER: p.founder_user,
        ApplicantKind.AGENT: p.agent,
    }[kind]
    args = applicant_args(p, kind) | {"agent": None}
    if kind == ApplicantKind.FOUNDER:
        args["company_name"] = "杭州网上设立有限公司"
    if kind == ApplicantKind.AGENT and matter.founding:
        args["company_name"] = "杭州代办设立有限公司"
    try:
        online = case_open(
            actor=online_actor,
            matter_code=code,
            channel="online",
            district=p.district,
            materials=given,
            submit=True,
            now=NOW,
            **args,
        )
    except DomainError as exc:
        online, refusal = None, exc.code
    else:
        refusal = ""
    if pc.next_step == "online":
        assert online is not None, refusal
        assert Case.objects.get(pk=online.pk).state == "submitted"
    else:
        assert online is None
        assert refusal in ("channel_not_offered", "realname_onsite_required"), refusal
