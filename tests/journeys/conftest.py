"""The sample catalogue, one matter at a time, and the people who apply: a resident, a
registered company (with its legal representative), a founder of a company not registered yet
and an agent of an agency holding the company's authorisation. Shared data holds what the
government issued them (居民身份证, 户口簿, 营业执照), so "政府已有" materials resolve."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from onetrip.catalogue.models import Department, Matter, ServicePoint
from onetrip.demo.files import CATALOGUE_YAML, load_catalogue_data
from onetrip.people.models import Agency, Applicant, Company
from tests.factories import make_user, ric_number, uscc_number

SH = dt.timezone(dt.timedelta(hours=8))
#: Monday 2 March 2026, 10:00 in Hangzhou: a working day inside the calendar's scheduled years
NOW = dt.datetime(2026, 3, 2, 10, tzinfo=SH)
CATALOGUE = load_catalogue_data(CATALOGUE_YAML)
PDF = b"%PDF-1.4\n% journey test upload\n"


def _kinds(m: dict) -> list[str]:
    from onetrip.catalogue.rules import applicant_kinds

    return applicant_kinds(
        SimpleNamespace(
            audience=m["audience"],
            founding=bool(m.get("founding")),
            materials=[SimpleNamespace(**x) for x in m["materials"]],
        )
    )


#: every (matter, kind of applicant) of the sample catalogue, generated from the file with the
#: platform's own ``catalogue.rules.applicant_kinds``
PAIRS = [
    pytest.param(m["code"], kind, id=f"{m['code']}-{kind}")
    for m in CATALOGUE["matters"]
    for kind in _kinds(m)
]


def import_matter(code: str, folder: Path) -> Matter:
    """Import the sample district's points, departments and the one matter ``code`` through
    the catalogue import (so its quality rules run), with placeholder files."""
    from onetrip.catalogue.interchange import catalogue_import

    doc = {**CATALOGUE, "matters": [m for m in CATALOGUE["matters"] if m["code"] == code]}
    assert len(doc["matters"]) == 1, code
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    (folder / "catalogue.yaml").write_text(text, encoding="utf-8")
    for rel in set(re.findall(r"(?:result_sample|sample|blank_form): (\S+)", text)):
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"%PDF placeholder " + rel.encode())
    catalogue_import(path=folder / "catalogue.yaml")
    return (
        Matter.objects.select_related("district", "department")
        .prefetch_related("materials")
        .get(code=code)
    )


def _issue(kind: str, holder: str, title: str, number: str, dept: Department) -> None:
    from onetrip.sharing.services import shared_document_issue

    shared_document_issue(
        kind=kind,
        holder_number=holder,
        title=title,
        number=number,
        source_department=dept,
        issued_on=dt.date(2020, 1, 2),
    )


@pytest.fixture
def frozen(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


@pytest.fixture
def people(db):
    """Staff of the sample district and the four kinds of applicant (call after the import)."""

    def build(matter: Matter) -> SimpleNamespace:
        from onetrip.queueing.services import queue_create, window_create, window_open

        district = matter.district
        p = SimpleNamespace(district=district, matter=matter)
        p.guide = make_user("guide", "guide", point=district)
        p.clerk = make_user("clerk", "clerk", point=district, display_name="窗口甲")
        p.reviewer = make_user("reviewer", "reviewer", point=district, department=matter.department)
        p.points = {sp.code: sp for sp in ServicePoint.objects.filter(district=district)}
        p.street_clerks = {
            code: make_user(f"clerk-{code}", "clerk", point=sp)
            for code, sp in p.points.items()
            if sp.level != "district"
        }
        gaj = Department.objects.get(district=district, code="gaj")
        scjg = Department.objects.get(district=district, code="scjg")
        # a resident
        p.person_user = make_user("citizen", "applicant", phone="13800000001")
        p.person = Applicant.objects.create(
            name="陈晓雯", id_number=ric_number(seq=1), phone="13800000001", user=p.person_user
        )
        _issue("resident_id", p.person.id_number, "居民身份证", "SFZ-1", gaj)
        _issue("household_register", p.person.id_number, "居民户口簿", "HK-1", gaj)
        # a registered company and its legal representative
        p.rep_number = ric_number(seq=2)
        p.company_user = make_user("company", "applicant", phone="13800000002")
        p.company = Company.objects.create(
            name="杭州湖滨数字科技有限公司",
            credit_code=uscc_number(seq=3),
            legal_representative="王立",
            legal_rep_id_number=p.rep_number,
            phone="13800000002",
        )
        p.company.users.add(p.company_user)
        _issue("resident_id", p.rep_number, "居民身份证", "SFZ-2", gaj)
        _issue("business_licence", p.company.credit_code, "营业执照", "YYZZ-3", scjg)
        # a founder: a resident about to set up a company (no credit code exists yet)
        p.founder_user = make_user("founder", "applicant", phone="13800000004")
        p.founder = Applicant.objects.create(
            name="赵一鸣", id_number=ric_number(seq=4), phone="13800000004", user=p.founder_user
        )
        _issue("resident_id", p.founder.id_number, "居民身份证", "SFZ-4", gaj)
        p.new_company_name = "杭州一鸣新材料有限公司"
        # an agency holding the company's authorisation, and its agent
        p.agency = Agency.objects.create(
            district=district, name="杭州速办企业服务有限公司", credit_code=uscc_number(seq=5)
        )
        p.agency.clients.add(p.company)
        p.agent = make_user("agent1", "agent", agency=p.agency, phone="13800000005")
        # the district centre's queues (self-service and agents) and one general window
        p.queues = [
            queue_create(point=district, code="A", name="综合自办", applicant_type="self"),
            queue_create(point=district, code="D", name="中介代办", applicant_type="agent"),
        ]
        p.window = window_create(
            point=district, number="1", kind="general", queues=p.queues, actor=None
        )
        window_open(window=p.window, user=p.clerk, now=NOW)
        return p

    return build
