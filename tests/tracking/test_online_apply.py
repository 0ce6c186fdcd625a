"""Zero-visit online service (网上办): apply, nothing saved on bad input, shared data spares the
upload, the five-star performance licence end to end with no visit, my cases, e-certificate."""

from __future__ import annotations

import pytest

from onetrip.cases.models import Case, CaseFile, MaterialStatus
from onetrip.cases.services import case_transition
from onetrip.errors import ValidationFailed
from onetrip.intake.apply_selectors import holders_for, material_plan
from onetrip.intake.apply_services import online_apply
from onetrip.intake.models import OnlineApplication
from onetrip.people.models import Company
from onetrip.sharing.models import ShareReadLog
from onetrip.tracking.selectors import e_certificate_ready
from tests.factories import uscc_number
from tests.tracking.conftest import company_form, online_case, pdf_file, person_form


def counts():
    return (Case.objects.count(), CaseFile.objects.count(), OnlineApplication.objects.count())


def holder(kind, *, company=None, applicant=None, number=""):
    return {"kind": kind, "company": company, "applicant": applicant, "number": number}


def test_material_plan_spares_shared_and_government_held(tw):
    plan = {
        p["material"].pk: p
        for p in material_plan(
            matter=tw.perf,
            holder=holder("company", company=tw.company, number=tw.company.credit_code),
        )
    }
    assert plan[tw.perf_licence.pk]["upload"] is False
    assert plan[tw.perf_licence.pk]["source"] == "市场监督管理局"
    assert plan[tw.perf_form.pk]["upload"] and plan[tw.perf_safety.pk]["required"]
    # A company without a licence in the registry must upload it.
    stranger = Company(name="x", credit_code=uscc_number(seq=98))
    other = material_plan(
        matter=tw.perf, holder=holder("company", company=stranger, number=stranger.credit_code)
    )
    assert {p["material"].pk: p["upload"] for p in other}[tw.perf_licence.pk] is True
    filing = {
        p["material"].pk: p
        for p in material_plan(
            matter=tw.filing,
            holder=holder("person", applicant=tw.person, number=tw.person.id_number),
        )
    }
    assert filing[tw.filing_id.pk]["upload"] is False


def test_holders_are_me_and_my_companies(tw):
    keys = [h["key"] for h in holders_for(user=tw.boss)]
    assert keys == ["me", f"company-{tw.company.pk}", "found"]
    assert [h["key"] for h in holders_for(user=tw.person_user)] == ["me", "found"]


def test_performance_licence_end_to_end_without_a_visit(
    tw, frozen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = online_case(tw)
    assert case.state == "submitted" and case.channel == "online"
    assert case.company == tw.company and case.point == tw.district
    statuses = {cm.material_id: cm.status for cm in case.materials.all()}
    assert statuses[tw.perf_licence.pk] == MaterialStatus.GOVERNMENT_HELD
    assert statuses[tw.perf_form.pk] == statuses[tw.perf_safety.pk] == MaterialStatus.RECEIVED
    assert "市场监督管理局" in case.materials.get(material=tw.perf_licence).source
    assert ShareReadLog.objects.filter(case_ref=case.number).count() == 1
    assert CaseFile.objects.filter(case_material__case=case).count() == 2
    online = OnlineApplication.objects.get(case=case)
    assert (
        online.delivery == "e_certificate"
        and online.form_data["credit_code"] == tw.company.credit_code
    )

    with django_capture_on_commit_callbacks(execute=True):
        case = case_transition(case=case, action="accept", actor=tw.clerk)
        case = case_transition(case=case, action="start_review", actor=tw.culture_reviewer)
        case = case_transition(case=case, action="approve", actor=tw.culture_reviewer)
        case = case_transition(
            case=case, action="deliver", actor=tw.culture_reviewer, method="e_certificate"
        )
    case.refresh_from_db()
    assert case.state == "delivered" and case.delivery_method == "e_certificate"
    assert case.visit_count == 0 and not case.visits.exists()


def test_bad_input_saves_nothing_and_names_each_field(tw, frozen):
    before = counts()
    bad = company_form(tw) | {"credit_code": "91330102MA0000000X", "request_date": "2026-02-30"}
    with pytest.raises(ValidationFailed) as err:
        online_apply(
            actor=tw.boss,
            matter=tw.perf,
            holder_key=f"company-{tw.company.pk}",
            form_data=bad,
            delivery="post",
            delivery_address="",
            uploads={tw.perf_form.pk: pdf_file(content=b"MZ not a pdf")},
        )
    fields = err.value.fields
    assert {"form.credit_code", "form.request_date", "delivery_address"} <= set(fields)
    assert f"material_{tw.perf_form.pk}" in fields  # wrong file type
    assert f"material_{tw.perf_safety.pk}" in fields  # required upload missing
    assert f"material_{tw.perf_licence.pk}" not in fields  # held by government: never asked
    assert counts() == before


def test_wrong_holder_or_audience_refused(tw, frozen):
    before = counts()
    with pytest.raises(ValidationFailed) as err:  # not my company
        online_apply(
            actor=tw.person_user,
            matter=tw.perf,
            holder_key=f"company-{tw.company.pk}",
            form_data=company_form(tw),
            delivery="e_certificate",
        )
    assert "holder" in err.value.fields
    with pytest.raises(ValidationFailed) as err:  # a person applying for a company matter
        online_apply(
            actor=tw.boss,
            matter=tw.perf,
            holder_key="me",
            form_data=company_form(tw),
            delivery="e_certificate",
            uploads={tw.perf_form.pk: pdf_file(), tw.perf_safety.pk: pdf_file()},
        )
    assert err.value.code == "validation_failed" and "holder" in err.value.fields
    with pytest.raises(ValidationFailed):  # an upload for a government-held material
        online_apply(
            actor=tw.boss,
            matter=tw.perf,
            holder_key=f"company-{tw.company.pk}",
            form_data=company_form(tw),
            delivery="e_certificate",
            uploads={
                tw.perf_form.pk: pdf_file(),
                tw.perf_safety.pk: pdf_file(),
                tw.perf_licence.pk: pdf_file(),
            },
        )
    with pytest.raises(ValidationFailed) as err:  # credit code of another company
        online_apply(
            actor=tw.boss,
            matter=tw.perf,
            holder_key=f"company-{tw.company.pk}",
            form_data=company_form(tw) | {"credit_code": uscc_number(seq=99)},
            delivery="e_certificate",
            uploads={tw.perf_form.pk: pdf_file(), tw.perf_safety.pk: pdf_file()},
        )
    assert "form.credit_code" in err.value.fields
    assert counts() == before


def test_individual_filing_online(tw, frozen):
    case = online_apply(
        actor=tw.person_user,
        matter=tw.filing,
        holder_key="me",
        form_data=person_form(tw),
        delivery="home",
        delivery_address="杭州市上城区东坡路 1 号",
        uploads={tw.filing_form.pk: pdf_file()},
    )
    assert case.applicant == tw.person and case.state == "submitted" and case.visit_count == 0
    assert case.materials.get(material=tw.filing_id).status == MaterialStatus.GOVERNMENT_HELD


def test_apply_pages(client, tw, frozen):
    client.force_login(tw.boss)
    listing = client.get("/apply/?district=sc").content.decode()
    assert "营业性演出许可" in listing and "西湖网上备案" not in listing
    page = client.get(
        f"/apply/sc-wgly-0001/?district=sc&as=company-{tw.company.pk}"
    ).content.decode()
    assert "政府已有，无需上传" in page and "来源：市场监督管理局" in page
    assert f'name="material_{tw.perf_licence.pk}"' not in page
    assert f'name="material_{tw.perf_form.pk}"' in page
    assert 'value="杭州湖滨演艺有限公司"' in page  # prefilled
    # bad input: messages next to the fields, nothing saved
    before = counts()
    data = company_form(tw) | {
        "holder": f"company-{tw.company.pk}",
        "district": "sc",
        "credit_code": "123",
        "delivery": "post",
    }
    response = client.post("/apply/sc-wgly-0001/", data)
    assert response.status_code == 422
    body = response.content.decode()
    assert 'data-testid="err-credit_code"' in body and "统一社会信用代码" in body
    assert 'data-testid="err-delivery_address"' in body
    assert counts() == before
    # good input
    data = company_form(tw) | {
        "holder": f"company-{tw.company.pk}",
        "district": "sc",
        "delivery": "e_certificate",
        f"material_{tw.perf_form.pk}": pdf_file(),
        f"material_{tw.perf_safety.pk}": pdf_file(),
    }
    response = client.post("/apply/sc-wgly-0001/", data)
    assert response.status_code == 302 and response["Location"] == "/my/cases/"
    case = Case.objects.get()
    assert case.channel == "online" and case.company == tw.company
    mine = client.get("/my/cases/").content.decode()
    assert case.number in mine and "下载电子证照" not in mine
    # another applicant sees nothing of it
    client.force_login(tw.person_user)
    assert case.number not in client.get("/my/cases/").content.decode()
    assert client.get(f"/my/cases/{case.number}/certificate.pdf").status_code == 404
    # other district's matter is not offered under this district
    assert client.get("/apply/xh-009/?district=sc").status_code == 404


def test_e_certificate_download_after_approval(client, tw, frozen):
    case = online_case(tw)
    client.force_login(tw.boss)
    assert client.get(f"/my/cases/{case.number}/certificate.pdf").status_code == 404
    case = case_transition(case=case, action="accept", actor=tw.clerk)
    case = case_transition(case=case, action="approve", actor=tw.culture_reviewer)
    assert f"/my/cases/{case.number}/certificate.pdf" in client.get("/my/cases/").content.decode()
    response = client.get(f"/my/cases/{case.number}/certificate.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    # delivered as e-certificate: still offered
    case_transition(case=case, action="deliver", actor=tw.culture_reviewer, method="e_certificate")
    case.refresh_from_db()
    assert e_certificate_ready(case=case)


def test_apply_requires_login(client, tw):
    assert client.get("/apply/").status_code == 302
    assert client.get("/my/cases/").status_code == 302


def test_apply_list_offers_only_matters_the_user_can_apply_for(client, tw):
    """A resident was offered company-only matters; choosing one only ended in a refusal."""
    client.force_login(tw.person_user)
    html = client.get("/apply/?district=sc").content.decode()
    assert 'data-testid="apply-sc-wgly-0002"' in html  # individual filing
    assert 'data-testid="apply-sc-wgly-0001"' not in html  # company licence
    client.force_login(tw.boss)  # a resident who also acts for a company: both
    html = client.get("/apply/?district=sc").content.decode()
    assert 'data-testid="apply-sc-wgly-0002"' in html and 'data-testid="apply-sc-wgly-0001"' in html


def test_application_date_is_prefilled_with_today(client, tw, frozen):
    """A required date every applicant had to type by hand (a date picker on a phone)."""
    client.force_login(tw.person_user)
    page = client.get("/apply/sc-wgly-0002/?district=sc").content.decode()
    assert 'name="request_date" value="2026-03-02"' in page  # FROZEN_NOW in Asia/Shanghai
