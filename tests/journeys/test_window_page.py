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
