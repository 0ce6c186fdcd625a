"""The online application (``/apply/``, ``intake.apply_services.online_apply``) reads the one
rule set: a founder applies without a credit code, an agent for a client it is authorised for
(on the letter's dates), government-held materials come from shared data (a company's legal
representative's 居民身份证 included), 容缺 materials follow on the signed commitment, and a
matter whose first registration needs real-name verification is told as the one visit.
Bad input writes nothing."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from onetrip.cases.models import Case, MaterialStatus
from onetrip.catalogue.rules import Handling, matter_rules
from onetrip.errors import DomainError, Forbidden, ValidationFailed
from onetrip.intake.apply_selectors import (
    form_fields_for_holder,
    form_initial,
    holders_for,
    material_plan,
)
from onetrip.intake.apply_services import online_apply
from onetrip.intake.models import OnlineApplication
from onetrip.people.models import Company
from tests.journeys.conftest import NOW, import_matter
from tests.journeys.journey import upload

pytestmark = pytest.mark.django_db


def written() -> tuple[int, int, int]:
    return Case.objects.count(), OnlineApplication.objects.count(), Company.objects.count()


def form_for(p, matter, user, key, **extra) -> dict[str, str]:
    holder = {h["key"]: h for h in holders_for(user=user, on=NOW.date())}[key]
    initial = form_initial(holder=holder, user=user) | extra
    return {
        f["name"]: initial.get(f["name"]) or (f["sample"] if f["required"] else "")
        for f in form_fields_for_holder(matter=matter, holder=holder)
    }


def hand_in(matter, kind) -> dict[int, object]:
    rules = matter_rules(matter=matter, applicant_kind=kind)
    return {m.id: upload() for m in rules.materials if m.handling == Handling.HAND_IN}


def later_ids(matter, kind) -> list[int]:
    rules = matter_rules(matter=matter, applicant_kind=kind)
    return [m.id for m in rules.materials if m.handling == Handling.LATER]


@pytest.fixture
def founding(tmp_path, people, frozen):
    """``founding(code, company_name)``: the matter ``code`` imported, its people, the founder's
    complete form for a company of that name (default: the people's new company), and ``apply(**changes)``: the founder's online
    application with that form and the files to hand in (delivered as an e-certificate),
    ``changes`` added or replacing."""

    def start(code: str, company_name: str | None = None) -> SimpleNamespace:
        matter = import_matter(code, tmp_path)
        p = people(matter)
        name = p.new_company_name if company_name is None else company_name
        form = form_for(p, matter, p.founder_user, "found", company_name=name)

        def apply(**changes):
            base = {
                "actor": p.founder_user,
                "matter": matter,
                "holder_key": "found",
                "form_data": form,
                "delivery": "e_certificate",
                "uploads": hand_in(matter, "founder"),
                "now": NOW,
            }
            return online_apply(**(base | changes))

        return SimpleNamespace(p=p, matter=matter, form=form, apply=apply)

    return start


def test_founder_applies_online_without_a_credit_code(founding):
    f = founding("sc-mz-0012")  # 社会团体成立登记: founding, fully online
    assert "credit_code" not in f.form  # a company being founded has none
    later_id = later_ids(f.matter, "founder")[0]
    case = f.apply(
        delivery="post",
        delivery_address="杭州市上城区解放路 1 号",
        later=[later_id],
        commitment_signed=True,
    )
    assert case.state == "submitted" and case.channel == "online" and case.visit_count == 0
    company = case.company
    assert company.name == f.p.new_company_name and company.credit_code is None
    assert company.founder == f.p.founder and f.p.founder_user in company.users.all()
    later = case.materials.get(material_id=later_id)
    assert later.status == MaterialStatus.LATER and later.commitment_signed and later.later_due


def test_later_without_the_commitment_writes_nothing(founding):
    f = founding("sc-mz-0012", "甲协会")
    later = later_ids(f.matter, "founder")
    before = written()
    with pytest.raises(ValidationFailed) as err:
        f.apply(later=later, commitment_signed=False)
    assert "commitment_signed" in err.value.fields and err.value.status == 422
    # the 容缺 material neither uploaded nor left for later: asked for by name
    with pytest.raises(ValidationFailed) as err:
        f.apply()
    assert f"material_{later[0]}" in err.value.fields
    # a founder without the company's name
    with pytest.raises(ValidationFailed) as err:
        f.apply(form_data=f.form | {"company_name": ""}, later=later, commitment_signed=True)
    assert "form.company_name" in err.value.fields
    assert written() == before


def test_realname_onsite_is_the_one_visit(founding, client):
    f = founding("sc-scjg-0001", "乙公司")  # 有限责任公司设立登记
    p = f.p
    before = written()
    with pytest.raises(ValidationFailed) as err:
        f.apply(delivery="post", delivery_address="x")
    assert err.value.code == "realname_onsite_required"
    assert written() == before
    client.force_login(p.founder_user)
    listing = client.get(f"/apply/?district={p.district.code}").content.decode()
    assert 'data-testid="visit-sc-scjg-0001"' in listing
    assert 'data-testid="apply-sc-scjg-0001"' not in listing
    page = client.get(f"/apply/sc-scjg-0001/?district={p.district.code}").content.decode()
    assert 'data-testid="one-visit"' in page and "现场实名核验" in page
    assert 'data-testid="apply-form"' not in page


def test_company_legal_representative_id_is_government_held_and_later_accepted(
    tmp_path, people, frozen
):
    matter = import_matter("sc-wjw-0001", tmp_path)  # 公共场所卫生许可
    p = people(matter)
    key = f"company-{p.company.pk}"
    holder = {h["key"]: h for h in holders_for(user=p.company_user)}[key]
    plan = {i["material"].name: i for i in material_plan(matter=matter, holder=holder)}
    rep_id = plan["法定代表人居民身份证"]
    assert rep_id["upload"] is False and rep_id["source"]  # 政府已有: the representative's
    case = online_apply(
        actor=p.company_user,
        matter=matter,
        holder_key=key,
        form_data=form_for(p, matter, p.company_user, key),
        delivery="e_certificate",
        uploads=hand_in(matter, "company"),
        later=later_ids(matter, "company"),
        commitment_signed=True,
        now=NOW,
    )
    statuses = {cm.name: cm.status for cm in case.materials.all()}
    assert statuses["法定代表人居民身份证"] == MaterialStatus.GOVERNMENT_HELD
    assert statuses["营业执照"] == MaterialStatus.GOVERNMENT_HELD
    assert MaterialStatus.LATER in statuses.values()


def test_agent_applies_for_an_authorised_client_on_the_letters_dates(tmp_path, people, frozen):
    from onetrip.agencies.models import Authorisation

    matter = import_matter("sc-wjw-0001", tmp_path)
    p = people(matter)
    key = f"client-{p.company.pk}"
    p.agency.clients.remove(p.company)
    letter = Authorisation.objects.create(
        agency=p.agency,
        company=p.company,
        valid_from=NOW.date() - dt.timedelta(days=400),
        valid_until=NOW.date() - dt.timedelta(days=1),  # expired yesterday
    )
    assert key not in {h["key"] for h in holders_for(user=p.agent, on=NOW.date())}
    args = {
        "actor": p.agent,
        "matter": matter,
        "holder_key": key,
        "delivery": "e_certificate",
        "later": later_ids(matter, "agent"),
        "commitment_signed": True,
        "now": NOW,
    }
    form = form_for_company(p, matter)
    before = written()
    with pytest.raises(Forbidden) as err:
        online_apply(form_data=form, uploads=hand_in(matter, "agent"), **args)
    assert err.value.code == "authorisation_required" and err.value.status == 403
    # a letter that starts tomorrow does not authorise today either
    letter.valid_from = NOW.date() + dt.timedelta(days=1)
    letter.valid_until = NOW.date() + dt.timedelta(days=300)
    letter.save()
    with pytest.raises(DomainError):
        online_apply(form_data=form, uploads=hand_in(matter, "agent"), **args)
    assert written() == before
    # valid today: the agent applies; the case is the agency's, no visit
    letter.valid_from = NOW.date() - dt.timedelta(days=1)
    letter.save()
    case = online_apply(form_data=form, uploads=hand_in(matter, "agent"), **args)
    assert case.company == p.company and case.agent == p.agent and case.agency == p.agency
    assert case.state == "submitted" and case.visit_count == 0


def form_for_company(p, matter) -> dict[str, str]:
    """The agent's form for the client: the company's details, the agent as the contact."""
    fields = form_fields_for_holder(
        matter=matter, holder={"kind": "agent", "company": p.company, "applicant": None}
    )
    initial = form_initial(
        holder={"kind": "agent", "company": p.company, "applicant": None}, user=p.agent
    )
    return {
        f["name"]: initial.get(f["name"]) or (f["sample"] if f["required"] else "") for f in fields
    }


def test_apply_page_offers_founding_and_agent_routes(tmp_path, people, frozen, client):
    matter = import_matter("sc-wjw-0001", tmp_path)
    p = people(matter)
    client.force_login(p.agent)
    listing = client.get(f"/apply/?district={p.district.code}").content.decode()
    assert 'data-testid="apply-sc-wjw-0001"' in listing
    page = client.get(f"/apply/sc-wjw-0001/?district={p.district.code}").content.decode()
    assert f'value="client-{p.company.pk}"' in page
    assert "政府已有，无需上传" in page
    assert 'data-testid="commitment"' in page and 'name="later"' in page
