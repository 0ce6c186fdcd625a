"""Bad input on the promise's journeys: a clear 4xx error with a stable code, and nothing
written (counted in the database before and after)."""

from __future__ import annotations

import pytest
from django.apps import apps

from onetrip.cases.services import case_open
from onetrip.errors import DomainError
from tests.journeys.conftest import NOW, import_matter

FOUNDING = "sc-scjg-0001"


def _counts() -> dict[str, int]:
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.app_label in ("cases", "people", "sharing", "audit", "queueing")
    }


@pytest.fixture
def founding(tmp_path, people, frozen):
    return people(import_matter(FOUNDING, tmp_path))


def _refused(code: str, status: int, **kwargs) -> DomainError:
    before = _counts()
    with pytest.raises(DomainError) as caught:
        case_open(now=NOW, **kwargs)
    assert caught.value.code == code, caught.value.as_dict()
    assert caught.value.status == status
    assert 400 <= caught.value.status < 500
    assert _counts() == before
    return caught.value


def _materials(p, *, later_signed: bool = True, authorisation: bool = False):
    out = []
    for m in p.matter.materials.all():
        if m.government_held or (m.agent_only and not authorisation):
            continue
        if m.later_allowed:
            out.append({"material": m.pk, "status": "later", "commitment_signed": later_signed})
        else:
            out.append({"material": m.pk, "status": "received"})
    return out


@pytest.mark.django_db
def test_founder_with_an_invalid_id_number_is_refused(founding):
    p = founding
    bad = p.founder.id_number[:-1] + ("0" if p.founder.id_number[-1] != "0" else "1")
    error = _refused(
        "invalid_id_number",
        422,
        actor=p.clerk,
        matter_code=FOUNDING,
        applicant_kind="founder",
        applicant_number=bad,
        applicant_name="新股东",
        company_name="杭州无效号码有限公司",
        materials=_materials(p),
        accept=True,
    )
    assert "公民身份号码" in str(error.message)


@pytest.mark.django_db
def test_founder_without_a_company_name_is_refused(founding):
    p = founding
    _refused(
        "company_name_required",
        422,
        actor=p.clerk,
        matter_code=FOUNDING,
        applicant_kind="founder",
        applicant_number=p.founder.id_number,
        applicant_name=p.founder.name,
        company_name="  ",
        materials=_materials(p),
        accept=True,
    )


@pytest.mark.django_db
def test_registered_company_cannot_apply_for_founding(founding):
    p = founding
    _refused(
        "audience_mismatch",
        422,
        actor=p.clerk,
        matter_code=FOUNDING,
        applicant_kind="company",
        applicant_number=p.company.credit_code,
        materials=_materials(p),
        accept=True,
    )


@pytest.mark.django_db
def test_agent_without_an_authorisation_is_refused(founding):
    """Founding through an agent: no standing authorisation can exist for a company not yet
    registered, so the one-off authorisation must be handed in."""
    p = founding
    _refused(
        "authorisation_required",
        403,
        actor=p.clerk,
        matter_code=FOUNDING,
        applicant_kind="agent",
        agent=p.agent,
        applicant_number=p.founder.id_number,
        applicant_name=p.founder.name,
        company_name=p.new_company_name,
        materials=_materials(p, authorisation=False),
        accept=True,
    )


@pytest.mark.django_db
def test_agent_for_a_company_not_on_its_books_is_refused(tmp_path, people, frozen):
    p = people(import_matter("sc-scjg-0002", tmp_path))
    p.agency.clients.remove(p.company)
    _refused(
        "authorisation_required",
        403,
        actor=p.agent,
        matter_code="sc-scjg-0002",
        applicant_kind="agent",
        channel="online",
        district=p.district,
        applicant_number=p.company.credit_code,
        materials=_materials(p),
    )


@pytest.mark.django_db
def test_later_without_the_signed_commitment_is_refused(founding):
    p = founding
    _refused(
        "commitment_required",
        422,
        actor=p.clerk,
        matter_code=FOUNDING,
        applicant_kind="founder",
        applicant_number=p.founder.id_number,
        applicant_name=p.founder.name,
        company_name=p.new_company_name,
        materials=_materials(p, later_signed=False),
        accept=True,
    )


@pytest.mark.django_db
def test_founding_with_realname_verification_is_refused_online(founding):
    p = founding
    _refused(
        "realname_onsite_required",
        422,
        actor=p.founder_user,
        matter_code=FOUNDING,
        applicant_kind="founder",
        channel="online",
        district=p.district,
        applicant_number=p.founder.id_number,
        applicant_name=p.founder.name,
        company_name=p.new_company_name,
        materials=_materials(p),
    )
