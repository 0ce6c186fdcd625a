"""Case services: numbering, materials and 容缺, hooks, uploads, visits, one-time notices,
append-only events, the signal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onetrip.cases.models import Case, CaseEvent, CaseFile, SupplementNotice, Visit
from onetrip.cases.services import (
    case_create,
    case_file_upload,
    case_material_update,
    case_transition,
)
from onetrip.catalogue import resolvers as hooks
from onetrip.errors import DomainError
from tests.cases.conftest import at
from tests.cases.helpers import window_case

pytestmark = pytest.mark.usefixtures("frozen")

D = dt.date(2026, 3, 2)
PDF = b"%PDF-1.4\n%fake but sniffable\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def test_numbers_per_district_and_day(cw):
    a = window_case(cw, day=D)
    b = window_case(cw, day=D)
    c = window_case(cw, day=D + dt.timedelta(days=1))
    assert (a.number, b.number, c.number) == (
        "SC-20260302-00001",
        "SC-20260302-00002",
        "SC-20260303-00001",
    )
    assert len(a.tracking_token) >= 40 and a.tracking_token != b.tracking_token


def test_government_held_material_is_resolved_and_hook_registry_is_used(cw):
    case = window_case(cw, day=D)
    idcard = case.materials.get(name="居民身份证")
    assert idcard.status == "government_held" and idcard.source == "government-held"

    def shared(case, material):
        if material.name == "申请表":
            return hooks.ResolvedMaterial(source="民政局 共享", number="X-1")
        return None

    hooks.MATERIAL_RESOLVERS.add("test_shared", hooks.MaterialResolver(shared), first=True)
    try:
        case2 = window_case(cw, day=D, materials={cw.lease.pk: {"status": "received"}})
    finally:
        hooks.MATERIAL_RESOLVERS.remove("test_shared")
    form = case2.materials.get(name="申请表")
    assert form.status == "government_held" and "X-1" in form.source


def test_accept_refused_while_required_material_missing(cw):
    with pytest.raises(DomainError) as err:
        window_case(cw, day=D, materials={cw.form.pk: {"status": "received"}})
    assert err.value.code == "materials_incomplete"
    assert "租赁合同" in str(err.value)
    assert Case.objects.count() == 0


def test_later_material_rules(cw):
    later = {"status": "later", "commitment_signed": True}
    case = window_case(
        cw, day=D, materials={cw.form.pk: {"status": "received"}, cw.lease.pk: later}
    )
    lease = case.materials.get(name="租赁合同")
    assert case.state == "accepted"
    assert lease.status == "later" and lease.commitment_signed
    assert lease.later_due < case.promised_due
    # no commitment → refused
    with pytest.raises(DomainError) as err:
        window_case(
            cw,
            day=D,
            materials={cw.form.pk: {"status": "received"}, cw.lease.pk: {"status": "later"}},
        )
    assert err.value.code == "commitment_required"
    # not a secondary material → refused
    with pytest.raises(DomainError) as err:
        window_case(cw, day=D, materials={cw.form.pk: later, cw.lease.pk: {"status": "received"}})
    assert err.value.code == "later_not_allowed"
    # bad credit → refused
    cw.person.bad_credit = True
    cw.person.save()
    with pytest.raises(DomainError) as err:
        window_case(cw, day=D, materials={cw.form.pk: {"status": "received"}, cw.lease.pk: later})
    assert err.value.code == "later_refused_bad_credit"
    assert Case.objects.count() == 1
    # the later material can be handed in after acceptance
    cm = case_material_update(
        case=case, case_material_id=lease.pk, actor=cw.clerk, status="received", today=D
    )
    assert cm.status == "received" and cm.later_due is None


def test_scope_and_audience_checks(cw):
    with pytest.raises(DomainError) as err:
        window_case(cw, day=D, matter=cw.other_matter)
    assert err.value.code == "matter_out_of_scope"
    with pytest.raises(DomainError) as err:
        window_case(cw, day=D, matter=cw.matter)  # company matter, person applicant
    assert err.value.code == "audience_mismatch"
    # senior card is not offered online
    with pytest.raises(DomainError) as err:
        window_case(cw, day=D, matter=cw.senior_card, channel="online", actor=cw.person_user)
    assert err.value.code == "channel_not_offered"
    # a clerk of the other district cannot open a case at this district's point
    with pytest.raises(DomainError) as err:
        window_case(cw, day=D, actor=cw.other_clerk, point=cw.district)
    assert err.value.code == "wrong_role"
    assert Case.objects.count() == 0


def test_visits_counted(cw):
    online = case_create(
        matter=cw.permit,
        actor=cw.person_user,
        channel="online",
        applicant=cw.person,
        materials={cw.form.pk: {"status": "received"}, cw.lease.pk: {"status": "received"}},
        now=at(D),
    )
    assert online.visit_count == 0 and online.state == "submitted"
    case = window_case(cw, day=D)
    assert case.visit_count == 1
    for action in ("approve",):
        case = case_transition(case=case, action=action, actor=cw.civil_reviewer, now=at(D))
    case = case_transition(case=case, action="deliver", actor=cw.clerk, method="window")
    assert case.visit_count == 2 == Visit.objects.filter(case=case).count()
    assert list(case.visits.values_list("kind", flat=True)) == ["window", "pickup"]


def test_one_time_notice_lists_everything_and_second_round_needs_manager(cw):
    case = window_case(cw, day=D)
    form = case.materials.get(name="申请表")
    lease = case.materials.get(name="租赁合同")
    case = case_transition(
        case=case,
        action="request_supplement",
        actor=cw.civil_reviewer,
        items=[
            {"material": form.pk, "status": "defective", "reason": "未签名"},
            {"material": lease.pk, "status": "missing"},
        ],
        now=at(D),
    )
    notice = SupplementNotice.objects.get(case=case)
    assert [i["name"] for i in notice.items] == ["申请表", "租赁合同"]
    assert notice.items[0]["reason"] == "未签名" and notice.items[1]["reason"]
    # resubmitting with materials still missing is refused
    with pytest.raises(DomainError) as err:
        case_transition(case=case, action="resubmit", actor=cw.person_user)
    assert err.value.code == "supplement_incomplete"
    for cm in (form, lease):
        case_file_upload(
            case=case,
            case_material_id=cm.pk,
            actor=cw.person_user,
            upload=SimpleUploadedFile("scan.pdf", PDF),
        )
    case = case_transition(case=case, action="resubmit", actor=cw.person_user, now=at(D))
    item = [{"material": form.pk, "status": "defective", "reason": "签名不清"}]
    with pytest.raises(DomainError) as err:
        case_transition(case=case, action="request_supplement", actor=cw.civil_reviewer, items=item)
    assert err.value.code == "second_supplement_needs_manager"
    with pytest.raises(DomainError) as err:
        case_transition(case=case, action="request_supplement", actor=cw.manager, items=item)
    assert err.value.code == "manager_reason_required"
    case = case_transition(
        case=case,
        action="request_supplement",
        actor=cw.manager,
        items=item,
        note="原件签名无法辨认，需重新签署",
    )
    assert case.supplement_rounds == 2
    assert SupplementNotice.objects.get(case=case, round=2).manager_reason


def test_uploads_sniffed_sized_and_renamed(cw, settings):
    case = window_case(cw, day=D, accept=False, materials={})
    form = case.materials.get(name="申请表")
    record = case_file_upload(
        case=case,
        case_material_id=form.pk,
        actor=cw.person_user,
        upload=SimpleUploadedFile("../../etc/我的申请.exe", PNG, content_type="text/plain"),
    )
    assert record.content_type == "image/png"
    assert record.file.name.endswith(".png") and "申请" not in record.file.name
    assert ".." not in record.file.name and len(record.file.name.rsplit("/", 1)[1]) == 36
    with pytest.raises(DomainError) as err:
        case_file_upload(
            case=case,
            case_material_id=form.pk,
            actor=cw.person_user,
            upload=SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf"),
        )
    assert err.value.code == "file_type_not_allowed" and err.value.status == 415
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024))
    with pytest.raises(DomainError) as err:
        case_file_upload(case=case, case_material_id=form.pk, actor=cw.person_user, upload=big)
    assert err.value.code == "file_too_large" and err.value.status == 413
    assert CaseFile.objects.count() == 1


def test_events_are_append_only(cw):
    case = window_case(cw, day=D)
    event = case.events.first()
    with pytest.raises(TypeError):
        event.note = "changed"
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        CaseEvent.objects.filter(case=case).update(note="x")
    with pytest.raises(TypeError):
        CaseEvent.objects.filter(case=case).delete()
    assert CaseEvent.objects.filter(case=case).count() == 3


def test_signal_sent_on_commit(cw, django_capture_on_commit_callbacks):
    from onetrip.cases.signals import case_state_changed
    from onetrip.cases.states import STATES

    seen = []

    def receiver(sender, case, from_state, to_state, action, actor, **kw):
        seen.append((from_state, to_state, action, actor, STATES[to_state].notify_template))

    case_state_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            window_case(cw, day=D)
        assert seen == []  # nothing before commit
        for cb in callbacks:
            cb()
    finally:
        case_state_changed.disconnect(receiver)
    assert seen == [
        ("draft", "submitted", "submit", cw.clerk, "case_submitted"),
        ("submitted", "accepted", "accept", cw.clerk, "case_accepted"),
    ]


def test_refuse_and_withdraw_need_reason_or_owner(cw):
    case = window_case(cw, day=D, accept=False)
    with pytest.raises(DomainError) as err:
        case_transition(case=case, action="refuse", actor=cw.clerk)
    assert err.value.code == "note_required"
    case = case_transition(case=case, action="refuse", actor=cw.clerk, note="不属于本机关职权")
    assert case.state == "refused" and case.refusal_reason
    other = window_case(cw, day=D)
    with pytest.raises(DomainError) as err:
        case_transition(case=other, action="withdraw", actor=cw.other_user)
    assert err.value.code == "case_not_found"
    other = case_transition(case=other, action="withdraw", actor=cw.person_user)
    assert other.state == "withdrawn"
