"""The one-time notice at the window (issue 9, item 5): an incomplete window intake is not
refused — the clerk issues the notice (page, PDF, SMS with the tracking link) listing every
missing material at once; the applicant completes it from the tracking page without coming
back; the case is then accepted. A notice for a complete case is refused and writes nothing."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.test import Client

from onetrip.cases.models import Case, SupplementNotice
from onetrip.cases.services import case_open, case_transition
from onetrip.errors import DomainError
from onetrip.tracking.services import supplement_submit, supplement_upload
from tests.journeys.conftest import NOW, import_matter
from tests.journeys.journey import upload


def _open(p, matter, *, leave_out: tuple[str, ...] = ()):
    given = [
        {"material": m.pk, "status": "received"}
        for m in matter.materials.all()
        if m.required and not (m.government_held or m.agent_only) and m.name not in leave_out
    ]
    return case_open(
        actor=p.clerk,
        matter_code=matter.code,
        applicant_kind="founder",
        applicant_number=p.founder.id_number,
        applicant_name=p.founder.name,
        company_name=p.new_company_name,
        materials=given,
        submit=True,
        now=NOW,
    )


@pytest.mark.django_db
def test_incomplete_intake_gets_the_notice_and_completes_online(
    tmp_path, people, frozen, django_capture_on_commit_callbacks
):
    from onetrip.notices.models import Notice

    matter = import_matter("sc-scjg-0001", tmp_path)
    p = people(matter)
    case = _open(p, matter, leave_out=("公司章程", "住所使用证明"))
    assert case.state == "submitted" and case.visit_count == 1
    with pytest.raises(DomainError) as refused:  # the window cannot accept it as it is
        case_transition(case=case, action="accept", actor=p.clerk, now=NOW)
    assert refused.value.code == "materials_incomplete"

    client = Client()
    client.force_login(p.clerk)
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert "出具一次性告知书" in page

    with django_capture_on_commit_callbacks(execute=True):
        case = case_transition(
            case=Case.objects.get(pk=case.pk), action="notify_missing", actor=p.clerk, now=NOW
        )
    assert case.state == "supplement_requested" and case.supplement_rounds == 1
    notice = SupplementNotice.objects.get(case=case)
    assert {i["name"] for i in notice.items} == {"公司章程", "住所使用证明"}  # all at once
    sms = Notice.objects.filter(subject_id=case.number, template="supplement_needed").get()
    assert f"/t/{case.tracking_token}" in sms.text
    assert client.get(f"/cases/{case.number}/notice.pdf").content.startswith(b"%PDF")

    # From the tracking page, no second visit.
    for cm in case.materials.filter(status="missing", required=True):
        supplement_upload(
            token=case.tracking_token, case_material_id=cm.pk, upload=upload(), now=NOW
        )
    case = supplement_submit(token=case.tracking_token, now=NOW)
    assert case.state == "resubmitted"
    with pytest.raises(DomainError) as early:  # it is accepted before anyone reviews it
        case_transition(case=case, action="start_review", actor=p.reviewer, now=NOW)
    assert early.value.code == "not_accepted"
    case = case_transition(case=case, action="accept", actor=p.clerk, now=NOW)
    assert case.state == "accepted" and case.promised_due is not None
    assert Case.objects.get(pk=case.pk).visit_count == 1


@pytest.mark.django_db
def test_notice_for_a_complete_case_is_refused_and_writes_nothing(tmp_path, people, frozen):
    matter = import_matter("sc-scjg-0002", tmp_path)
    p = people(matter)
    case = case_open(
        actor=p.clerk,
        matter_code=matter.code,
        applicant_kind="company",
        applicant_number=p.company.credit_code,
        materials=[
            {"material": m.pk, "status": "received"}
            for m in matter.materials.all()
            if m.required and not m.government_held
        ],
        submit=True,
        now=NOW,
    )
    before = {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.app_label in ("cases", "audit", "notices")
    }
    with pytest.raises(DomainError) as refused:
        case_transition(case=case, action="notify_missing", actor=p.clerk, now=NOW)
    assert refused.value.code == "materials_complete" and refused.value.status == 422
    after = {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.app_label in ("cases", "audit", "notices")
    }
    assert after == before
    assert Case.objects.get(pk=case.pk).state == "submitted"


@pytest.mark.django_db
def test_a_case_accepted_after_the_notice_counts_in_first_pass_and_one_go(tmp_path, people, frozen):
    """Issue 9 (build 3): "the first-pass and one-go figures count it". A case completed after
    the window's one-time notice is not a first-submission pass, it is a supplement answered in
    one go; a complete intake beside it is the pass. Both the roll-ups (whole days) and the raw
    path (any period) agree."""
    import datetime as dt

    from onetrip.metrics.scope import Scope, scope_resolve
    from onetrip.metrics.selectors import case_figures

    matter = import_matter("sc-scjg-0001", tmp_path)
    p = people(matter)
    noticed = _open(p, matter, leave_out=("公司章程",))
    noticed = case_transition(case=noticed, action="notify_missing", actor=p.clerk, now=NOW)
    for cm in noticed.materials.filter(status="missing", required=True):
        supplement_upload(
            token=noticed.tracking_token, case_material_id=cm.pk, upload=upload(), now=NOW
        )
    noticed = supplement_submit(token=noticed.tracking_token, now=NOW)
    noticed = case_transition(case=noticed, action="accept", actor=p.clerk, now=NOW)
    assert noticed.state == "accepted" and noticed.supplement_rounds == 1
    complete = _open(p, matter)
    complete = case_transition(case=complete, action="accept", actor=p.clerk, now=NOW)
    assert complete.state == "accepted" and complete.supplement_rounds == 0

    # reading the figures never refreshes the roll-ups: the task worker does after writes
    from onetrip.metrics.tasks import refresh_rollups

    refresh_rollups.call()
    whole_day = scope_resolve(district=p.district, since=NOW.date(), until=NOW.date())
    any_period = Scope(
        district=p.district, since=NOW - dt.timedelta(hours=1), until=NOW + dt.timedelta(hours=1)
    )
    for scope in (whole_day, any_period):
        figures = case_figures(scope, today=NOW.date())
        assert figures["cases"] == 2 and figures["accepted"] == 2, figures
        assert figures["first_pass_rate"] == 0.5, figures
        assert figures["supplemented"] == 1, figures
        assert figures["one_go_supplement_rate"] == 1.0, figures
        assert figures["one_go_supplement_rate_companies"] == 1.0, figures
