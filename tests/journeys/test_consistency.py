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

    # Online: offered by the pre-check ⇔ accepted by the online application (``/apply/``),
    # which asks for exactly what the pre-check does: the same held, 容缺 and hand-in lists.
    from onetrip.intake.apply_selectors import holder_fits, holders_for, material_plan
    from onetrip.intake.apply_services import online_apply
    from tests.journeys.journey import online_apply_as, upload

    online_actor, key = {
        ApplicantKind.PERSON: (p.person_user, "me"),
        ApplicantKind.COMPANY: (p.company_user, f"company-{p.company.pk}"),
        ApplicantKind.FOUNDER: (p.founder_user, "found"),
        ApplicantKind.AGENT: (p.agent, f"client-{p.company.pk}"),
    }[kind]
    holder = {h["key"]: h for h in holders_for(user=online_actor, on=NOW.date())}.get(key)
    offered = holder is not None and holder_fits(matter=matter, holder=holder)
    assert offered == (pc.next_step == "online"), (pc.next_step, offered)
    if offered:
        plan = material_plan(matter=matter, holder=holder, on=NOW.date())
        assert sorted(i["material"].pk for i in plan if not i["upload"]) == sorted(
            m["id"] for m in pc.held
        )
        assert sorted(i["material"].pk for i in plan if i["later"]) == sorted(
            m["id"] for m in pc.later
        )
        assert sorted(
            i["material"].pk for i in plan if i["upload"] and i["required"] and not i["later"]
        ) == sorted(hand_in)
        online = online_apply_as(
            p,
            kind,
            uploads={pk: upload() for pk in hand_in},
            later=[m["id"] for m in pc.later],
            now=NOW,
        )
        assert Case.objects.get(pk=online.pk).state == "submitted"
    elif holder is not None:
        with pytest.raises(DomainError) as refused:
            online_apply(
                actor=online_actor,
                matter=matter,
                holder_key=key,
                form_data={},
                delivery="post",
                now=NOW,
            )
        assert refused.value.code in (
            "channel_not_offered",
            "realname_onsite_required",
            "validation_failed",
        ), refused.value.code
