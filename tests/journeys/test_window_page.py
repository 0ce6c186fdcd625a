"""What was seen at the window (issue 9, items 1, 3 and 4), through the intake page: a founder
sets up a company with 住所使用证明 on 容缺, and a company's 法定代表人居民身份证 left on
自动核验 is resolved from shared data — accepted, not refused."""

from __future__ import annotations

import pytest
from django.test import Client

from onetrip.cases.models import Case
from onetrip.people.models import Company
from tests.journeys.conftest import import_matter


def _post(p, matter, **fields):
    client = Client()
    client.force_login(p.clerk)
    page = client.get(f"/cases/new/?matter={matter.pk}")
    assert page.status_code == 200
    body = {"matter": matter.pk, "do": "accept", **fields}
    for m in matter.materials.all():
        if m.later_allowed:
            body[f"material_{m.pk}"] = "later"
            body[f"commit_{m.pk}"] = "on"
        elif not m.government_held and not m.agent_only:
            body[f"material_{m.pk}"] = "received"
    return page, client.post(f"/cases/new/?matter={matter.pk}", body)


@pytest.mark.django_db
def test_founder_sets_up_a_company_at_the_window(tmp_path, people, frozen):
    matter = import_matter("sc-scjg-0001", tmp_path)
    p = people(matter)
    page, r = _post(
        p,
        matter,
        applicant_kind="founder",
        applicant_number=p.founder.id_number,
        applicant_name=p.founder.name,
        company_name=p.new_company_name,
    )
    html = page.content.decode()
    assert 'value="founder"' in html and 'value="company"' not in html
    assert 'id="realname-step"' in html
    assert r.status_code == 302, r.content.decode()[:2000]
    case = Case.objects.get()
    assert case.state == "accepted" and case.visit_count == 1
    company = Company.objects.get(name=p.new_company_name)
    assert case.company == company and company.credit_code is None
    assert company.founder == p.founder
    status = {cm.name: cm.status for cm in case.materials.all()}
    assert status["住所使用证明"] == "later"
    assert status["法定代表人居民身份证"] == "government_held"
    assert case.events.filter(action="create", data__realname_verified=True).exists()


@pytest.mark.django_db
def test_company_legal_rep_id_card_resolves_from_shared_data(tmp_path, people, frozen):
    matter = import_matter("sc-scjg-0002", tmp_path)  # 变更登记: a registered company
    p = people(matter)
    _page, r = _post(p, matter, applicant_kind="company", applicant_number=p.company.credit_code)
    assert r.status_code == 302, r.content.decode()[:2000]
    case = Case.objects.get()
    assert case.state == "accepted"
    held = {cm.name: cm for cm in case.materials.all() if cm.status == "government_held"}
    assert held, "some material of the change registration is government-held"
    assert all(cm.source for cm in held.values())


@pytest.mark.django_db
def test_agent_sees_the_case_applied_for_a_client(tmp_path, people, frozen):
    """Issue 9, item 6: agent1 applies for a company it holds the authorisation of, and finds
    the case under /my/cases/ (with the visits in words, not a bare number)."""
    from onetrip.cases.services import case_open

    matter = import_matter("sc-scjg-0002", tmp_path)
    p = people(matter)
    case = case_open(
        actor=p.agent,
        matter_code=matter.code,
        applicant_kind="agent",
        channel="online",
        district=p.district,
        applicant_number=p.company.credit_code,
        materials=[
            {"material": m.pk, "status": "received"}
            for m in matter.materials.all()
            if m.required and not m.government_held
        ],
    )
    assert case.agency == p.agency and case.agent == p.agent and case.channel == "agent"
    client = Client()
    client.force_login(p.agent)
    html = client.get("/my/cases/").content.decode()
    assert f'data-testid="row-{case.number}"' in html
    assert "跑动 0 次" in html


@pytest.mark.django_db
def test_timeline_says_material_statuses_in_words(tmp_path, people, frozen):
    from onetrip.cases.services import case_file_upload, case_transition
    from tests.journeys.journey import upload

    matter = import_matter("sc-scjg-0001", tmp_path)
    p = people(matter)
    _page, r = _post(
        p,
        matter,
        applicant_kind="founder",
        applicant_number=p.founder.id_number,
        applicant_name=p.founder.name,
        company_name=p.new_company_name,
    )
    case = Case.objects.get()
    case = case_transition(case=case, action="start_review", actor=p.reviewer)
    cm = case.materials.get(name="住所使用证明")
    case = case_transition(
        case=case,
        action="request_supplement",
        actor=p.reviewer,
        items=[{"material": cm.pk, "status": "defective", "reason": "复印件不清晰"}],
    )
    case_file_upload(
        case=case,
        case_material_id=cm.pk,
        actor=None,
        upload=upload(),
        tracking_token=case.tracking_token,
    )
    cm.refresh_from_db()
    assert cm.status == "received" and cm.reason == ""  # no "已收取：<old defect>"
    client = Client()
    client.force_login(p.clerk)
    html = client.get(f"/cases/{case.number}/").content.decode()
    timeline = html[html.index('id="timeline"') :]
    timeline = timeline[: timeline.index("</ul>")]
    for code in ("received", "missing", "defective", "later"):
        assert code not in timeline, code
    assert "不符合要求 → 已收取" in timeline
