"""Results as what they are: the decision per the matter's result (准予登记 for a company
registration, 予以办理 for a senior card — never 准予许可 for either), the documents issued, the
result letter, and the tracking page showing decision, documents, delivery method, postal
number and the applicant's own uploads."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client

from onetrip.catalogue.rules import decision_kind
from tests.journeys import journey
from tests.journeys.conftest import import_matter


@pytest.mark.django_db
def test_founding_result_on_tracking_page_and_letter(tmp_path, people, frozen):
    p = people(import_matter("sc-scjg-0001", tmp_path))
    case = journey.run(p, "founder").case
    code = case.company.credit_code
    assert case.decision == "registered" and case.get_decision_display() == "准予登记"
    page = Client().get(f"/t/{case.tracking_token}")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="decision">准予登记<' in html
    assert f'data-testid="document-credit_code">{code}<' in html
    assert 'data-testid="delivery">邮寄送达<' in html
    assert 'data-testid="delivery-note">EMS<' in html
    # the 容缺 material answered from this page is listed among the uploads
    assert 'data-testid="uploads"' in html and "住所使用证明" in html
    letter = render_to_string(
        "cases/print_result.html",
        {"case": case, "holder_name": case.holder_name, "decision_label": "准予登记"},
    )
    assert "准予登记" in letter and code in letter and "已送达" not in letter


@pytest.mark.django_db
def test_senior_card_is_issued_not_licensed(tmp_path, people, frozen):
    p = people(import_matter("sc-mz-0001", tmp_path))
    case = journey.run(p, "person").case
    assert case.decision == "done" and case.get_decision_display() == "予以办理"
    assert case.documents and case.documents[0]["kind"] == "card"
    assert case.documents[0]["number"].startswith("KZ")


@pytest.mark.django_db
def test_decision_kinds_follow_the_matter(tmp_path, people):
    registration = import_matter("sc-scjg-0002", tmp_path)  # 变更登记
    assert decision_kind(registration) == "registered"
    assert decision_kind(registration, approved=False) == "not_registered"


@pytest.mark.django_db
def test_result_pdf_states_the_decision(tmp_path, people, frozen):
    p = people(import_matter("sc-scjg-0001", tmp_path))
    case = journey.run(p, "founder").case
    client = Client()
    client.force_login(p.clerk)
    r = client.get(f"/cases/{case.number}/result.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
