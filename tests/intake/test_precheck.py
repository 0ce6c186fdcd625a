from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from onetrip.audit.models import AuditEvent
from onetrip.errors import Forbidden, ValidationFailed
from onetrip.intake.models import PreCheck
from onetrip.intake.selectors import precheck_for_case, precheck_pass_rate
from onetrip.intake.services import precheck_link_case, precheck_run
from onetrip.people.services import applicant_register
from onetrip.sharing.models import ShareReadLog
from tests.factories import make_point, uscc_number

pytestmark = pytest.mark.django_db


def names(items):
    return [i["name"] for i in items]


def test_complete_when_everything_required_is_at_hand_or_held(senior):
    pc = precheck_run(
        matter=senior.matter,
        applicant_kind="person",
        holder_number=senior.person,
        materials_at_hand=[senior.photo.pk, senior.form.pk],
        actor=senior.guide,
    )
    assert pc.complete is True
    assert pc.missing == []
    assert names(pc.held) == ["居民身份证", "居民户口簿"]
    assert pc.later == []
    assert pc.point == senior.world.district  # the guide's point
    assert pc.self_service is False
    assert pc.holder_masked.endswith(senior.person[-4:]) and senior.person not in pc.holder_masked
    assert AuditEvent.objects.filter(subject_type="precheck", subject_id=str(pc.pk)).count() == 1


def test_missing_lists_everything_at_once_with_reasons(senior):
    pc = precheck_run(
        matter=senior.matter, applicant_kind="person", holder_number=None, materials_at_hand=[]
    )
    assert pc.complete is False
    reasons = {m["name"]: m["reason"] for m in pc.missing}
    # The photo (with its note) and the household register (cannot be looked up without a number).
    assert set(reasons) == {"一寸免冠彩色照片", "居民户口簿"}
    assert reasons["一寸免冠彩色照片"] == "近期一寸免冠彩色照片2张，白底"
    assert "未提供证件号码" in reasons["居民户口簿"]
    assert [m["count"] for m in pc.missing if m["name"] == "一寸免冠彩色照片"] == [2]
    # The optional material is never "missing"; the 容缺 form may come later.
    assert names(pc.later) == ["老年人优待证申请表"]
    assert names(pc.held) == ["居民身份证"]
    assert pc.self_service is True and pc.actor is None


def test_held_by_government_via_shared_data_is_logged(senior):
    pc = precheck_run(
        matter=senior.matter,
        applicant_kind="person",
        holder_number=senior.person,
        materials_at_hand=[],
        actor=senior.guide,
    )
    held = {m["name"]: m for m in pc.held}
    assert held["居民户口簿"]["number"] == "HK-330102-1"
    assert "上城公安分局" in held["居民户口簿"]["source"]
    assert names(pc.missing) == ["一寸免冠彩色照片"]
    log = ShareReadLog.objects.get()
    assert log.document == senior.hukou_doc and log.reader == senior.guide
    assert "预检" in log.purpose


def test_shared_record_not_found_is_missing_with_reason(senior):
    from tests.factories import ric_number

    stranger = ric_number(region="110101", birth="19480101")
    pc = precheck_run(
        matter=senior.matter,
        applicant_kind="person",
        holder_number=stranger,
        materials_at_hand=[senior.photo.pk],
        actor=senior.guide,
    )
    assert names(pc.missing) == ["居民户口簿"]
    assert "共享数据中未查到" in pc.missing[0]["reason"]
    assert ShareReadLog.objects.count() == 0


def test_bad_credit_applicant_gets_no_later_allowance(senior):
    applicant = applicant_register(name="赵某", id_number=senior.person)
    applicant.bad_credit = True
    applicant.save()
    pc = precheck_run(
        matter=senior.matter,
        applicant_kind="person",
        holder_number=senior.person,
        materials_at_hand=[senior.photo.pk],
        actor=senior.guide,
    )
    assert pc.later == []
    assert names(pc.missing) == ["老年人优待证申请表"]
    assert "失信" in pc.missing[0]["reason"]


def test_next_step_ticket_with_the_right_queue(senior):
    from onetrip.queueing.models import Queue

    world = senior.world
    general = Queue.objects.create(point=world.district, code="A", name="综合自办", position=1)
    civil = Queue.objects.create(
        point=world.district, code="M", name="民政自办", department=world.civil, position=2
    )
    Queue.objects.create(point=world.district, code="D", name="中介代办", applicant_type="agent")
    pc = precheck_run(
        matter=senior.matter, applicant_kind="person", materials_at_hand=[], actor=senior.guide
    )
    assert pc.next_step == "ticket"
    assert pc.next_detail["queue"]["code"] == "M"  # department queue beats the general one
    assert pc.next_detail["queue_kind"] == "self"
    assert pc.next_detail["point"]["code"] == "sc"
    assert {p["code"] for p in pc.next_detail["also_at"]} == {"sc-hubin", "sc-hubin-dongpo"}
    civil.matters.add(senior.matter)
    general.matters.add(senior.matter)
    civil.is_open = False
    civil.save()
    pc = precheck_run(
        matter=senior.matter, applicant_kind="person", materials_at_hand=[], actor=senior.guide
    )
    assert pc.next_detail["queue"]["code"] == "A"  # closed queues are not offered


def test_next_step_agent_queue_for_intermediaries(world):
    from onetrip.queueing.models import Queue

    Queue.objects.create(point=world.district, code="A", name="企业自办")
    Queue.objects.create(point=world.district, code="D", name="中介代办", applicant_type="agent")
    own = precheck_run(
        matter=world.matter, applicant_kind="company", materials_at_hand=[], point=world.district
    )
    agent = precheck_run(
        matter=world.matter, applicant_kind="agent", materials_at_hand=[], point=world.district
    )
    assert own.next_detail["queue"]["code"] == "A"
    assert agent.next_detail["queue"]["code"] == "D" and agent.next_detail["queue_kind"] == "agent"


def test_next_step_online(online_matter):
    pc = precheck_run(matter=online_matter, applicant_kind="company", materials_at_hand=[])
    assert pc.next_step == "online"
    assert pc.next_detail["url"] == "/matters/sc-003/form/"


def test_next_step_nearest_point_lists_street_and_community(world, street_matter):
    make_point("xh-street", "西湖某街道", "street", world.other_district)
    pc = precheck_run(
        matter=street_matter, applicant_kind="person", materials_at_hand=[], point=world.district
    )
    assert pc.next_step == "nearest_point"
    codes = [p["code"] for p in pc.next_detail["points"]]
    assert codes == ["sc-hubin", "sc-hubin-dongpo"]  # nothing of the other district
    assert pc.next_detail["points"][1]["hours"] == "08:30–20:00"
    # At the street itself the matter is accepted: take a ticket there.
    here = precheck_run(
        matter=street_matter, applicant_kind="person", materials_at_hand=[], point=world.street
    )
    assert here.next_step == "ticket" and here.next_detail["point"]["code"] == "sc-hubin"


@pytest.mark.parametrize(
    "kwargs,code",
    [
        ({"applicant_kind": "company"}, "audience_mismatch"),
        ({"applicant_kind": "robot"}, "invalid_applicant_kind"),
        ({"applicant_kind": "person", "holder_number": "330102198503150000"}, "invalid_id_number"),
        ({"applicant_kind": "person", "materials_at_hand": [999999]}, "unknown_material"),
        ({"applicant_kind": "person", "materials_at_hand": ["x"]}, "invalid_material"),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(senior, kwargs, code):
    args = {"matter": senior.matter, "materials_at_hand": [], **kwargs}
    with pytest.raises(ValidationFailed) as err:
        precheck_run(**args)
    assert err.value.code == code
    assert PreCheck.objects.count() == 0
    assert not AuditEvent.objects.filter(subject_type="precheck").exists()


def test_material_of_another_matter_is_refused(senior, world):
    other_material = world.matter.materials.first()
    with pytest.raises(ValidationFailed):
        precheck_run(
            matter=senior.matter, applicant_kind="person", materials_at_hand=[other_material.pk]
        )


def test_point_of_another_district_is_refused(senior, world):
    with pytest.raises(Forbidden) as err:
        precheck_run(
            matter=senior.matter,
            applicant_kind="person",
            materials_at_hand=[],
            point=world.other_district,
        )
    assert err.value.code == "point_outside_district"
    assert PreCheck.objects.count() == 0


def test_company_number_checked_as_credit_code(world):
    pc = precheck_run(
        matter=world.matter,
        applicant_kind="company",
        holder_number=uscc_number(),
        materials_at_hand=[m.pk for m in world.matter.materials.all()],
    )
    assert pc.complete
    with pytest.raises(ValidationFailed) as err:
        precheck_run(
            matter=world.matter,
            applicant_kind="company",
            holder_number="91330102MA00000000",
            materials_at_hand=[],
        )
    assert err.value.code == "invalid_credit_code"


def test_pass_rate_and_case_link(senior, world):
    first = precheck_run(
        matter=senior.matter,
        applicant_kind="person",
        holder_number=senior.person,
        materials_at_hand=[],
    )
    precheck_run(  # the same person comes back complete: not a first check
        matter=senior.matter,
        applicant_kind="person",
        holder_number=senior.person,
        materials_at_hand=[senior.photo.pk],
        actor=senior.guide,  # the guide looks the register up
    )
    precheck_run(  # an anonymous complete check
        matter=senior.matter,
        applicant_kind="person",
        materials_at_hand=[senior.photo.pk, senior.hukou.pk],
    )
    precheck_run(matter=world.other_matter, applicant_kind="person", materials_at_hand=[])
    rate = precheck_pass_rate(district=world.district)
    assert rate["prechecks"] == 3
    assert rate["complete"] == 2
    assert rate["first_checks"] == 2 and rate["first_time_complete"] == 1
    assert rate["first_time_rate"] == pytest.approx(0.5)
    assert precheck_pass_rate(district=world.other_district)["prechecks"] == 1
    later = timezone.now() + dt.timedelta(hours=1)
    found = precheck_for_case(matter=senior.matter, holder_number=senior.person, before=later)
    assert found is not None and found.complete  # the latest one
    precheck_link_case(precheck=first, case_number="SC-20260302-00001")
    assert precheck_pass_rate(district=world.district)["linked_cases"] == 1
    assert precheck_pass_rate(district=world.district, since=later)["prechecks"] == 0


def test_anonymous_precheck_reveals_no_held_document_nor_credit_status(senior, client):
    """Issue 15: an anonymous pre-check was an oracle on government records (any ID number
    returned the held document's number and validity, and bad-credit status)."""
    applicant = applicant_register(name="赵某", id_number=senior.person)
    applicant.bad_credit = True
    applicant.save()
    resp = client.post(
        "/api/v1/precheck",
        data={
            "matter": "sc-002",
            "applicant": {"kind": "person", "number": senior.person},
            "materials_at_hand": [senior.photo.pk],
        },
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    text = resp.content.decode()
    assert "HK-330102-1" not in text and "失信" not in text
    body = resp.json()
    assert "居民户口簿" not in names(body["held_by_government"])
    assert "居民户口簿" in names(body["missing"])
    assert "登录" in {m["name"]: m["reason"] for m in body["missing"]}["居民户口簿"]
    assert names(body["later_allowed"]) == ["老年人优待证申请表"]  # same answer as for anyone
    assert ShareReadLog.objects.count() == 0  # nothing looked up
    page = client.get(f"/precheck/{body['token']}/").content.decode()
    assert "HK-330102-1" not in page and "失信" not in page


def test_signed_in_owner_sees_her_own_held_documents_others_do_not(senior):
    from tests.factories import make_user

    owner = make_user("zhao", "applicant")
    applicant = applicant_register(name="赵某", id_number=senior.person)
    applicant.user = owner
    applicant.save()
    stranger = make_user("qian", "applicant")
    mine = precheck_run(
        matter=senior.matter,
        applicant_kind="person",
        holder_number=senior.person,
        materials_at_hand=[],
        actor=owner,
    )
    assert {m["name"]: m["number"] for m in mine.held}["居民户口簿"] == "HK-330102-1"
    theirs = precheck_run(
        matter=senior.matter,
        applicant_kind="person",
        holder_number=senior.person,
        materials_at_hand=[],
        actor=stranger,
    )
    assert "居民户口簿" not in names(theirs.held)
    assert ShareReadLog.objects.get().reader == owner


def test_onsite_step_text_follows_the_language_shown():
    """The on-site step's text is a module-level table: it must be translated when shown, not
    once when the module was imported (it was always Chinese for English pages)."""
    from django.utils import translation

    from onetrip.catalogue.rules import OnsiteStep
    from onetrip.intake.services import ONSITE_TEXT

    with translation.override("en"):
        assert str(ONSITE_TEXT[OnsiteStep.REALNAME]).startswith("The legal representative")
    with translation.override("zh-hans"):
        assert str(ONSITE_TEXT[OnsiteStep.REALNAME]).startswith("需法定代表人")
