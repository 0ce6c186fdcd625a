"""Issue 9 item 9: pages printed an empty credit code for a company being founded (the case
page's "申请人 杭州一鸣新材料有限公司 " with nothing after it, "None" on a certificate, an empty
cell on the agency's list). A company being founded has no code yet: the pages say so, and the
code appears once the registration issues it."""

from __future__ import annotations

import pytest
from django.test import Client

from onetrip.cases.services import case_open
from tests.journeys.conftest import NOW, import_matter

FOUNDING = "设立中"


@pytest.mark.django_db
def test_case_page_says_the_company_is_being_founded(tmp_path, people, frozen):
    matter = import_matter("sc-scjg-0001", tmp_path)
    p = people(matter)
    case = case_open(
        actor=p.clerk,
        matter_code=matter.code,
        applicant_kind="founder",
        applicant_number=p.founder.id_number,
        applicant_name=p.founder.name,
        company_name=p.new_company_name,
        submit=True,
        now=NOW,
    )
    client = Client()
    client.force_login(p.clerk)
    html = client.get(f"/cases/{case.number}/").content.decode()
    assert "None" not in html
    line = html.split('data-testid="holder"', 1)[1].split("</dd>", 1)[0]
    assert p.new_company_name in line and FOUNDING in line
    api = client.get(f"/api/v1/cases/{case.number}").json()
    assert api["applicant_kind"] == "founder" and api["applicant_number"] == ""
