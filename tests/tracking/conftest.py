"""Tracking fixtures: the two-district world plus an online (five-star) company matter that
needs the business licence from shared data, an individual filing, applicants with accounts and
phones, and a frozen clock (Monday 2 March 2026, 10:00 Shanghai)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from onetrip.catalogue.models import Department, Material
from onetrip.people.models import Applicant, Company
from onetrip.sharing.services import shared_document_issue
from tests.factories import make_matter, make_user, ric_number, uscc_number

SH = dt.timezone(dt.timedelta(hours=8))
FROZEN_NOW = dt.datetime(2026, 3, 2, 10, tzinfo=SH)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def pdf_file(name: str = "scan.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def raw_pdf() -> io.BytesIO:
    return io.BytesIO(PDF)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frozen(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: FROZEN_NOW)
    return FROZEN_NOW


def extend_world(w):
    """Add what the tracking tests need to a make_world() world."""
    w.culture = Department.objects.create(district=w.district, code="wgly", name="文化和旅游局")
    w.perf = make_matter(
        w.district,
        w.culture,
        "sc-wgly-0001",
        "营业性演出许可",
        audience="company",
        visits_needed=0,
        visits_reason="",
        promised_limit_days=1,
        legal_limit_days=3,
        channel_window=False,
        channel_online=True,
        online_depth=4,
        result_type="approval",
        result_name="营业性演出准予许可决定书",
    )
    w.perf_form = Material.objects.create(
        matter=w.perf, position=1, name="营业性演出申请登记表", form="electronic"
    )
    w.perf_licence = Material.objects.create(
        matter=w.perf,
        position=2,
        name="营业执照",
        government_held=True,
        issuing_department=w.dept,
        shared_kind="business_licence",
    )
    w.perf_safety = Material.objects.create(
        matter=w.perf, position=3, name="安全保卫工作方案", form="electronic"
    )
    w.filing = make_matter(
        w.district,
        w.culture,
        "sc-wgly-0002",
        "营业性演出备案",
        audience="individual",
        kind="instant",
        visits_needed=0,
        visits_reason="",
        promised_limit_days=1,
        legal_limit_days=3,
        channel_online=True,
        online_depth=4,
        result_type="filing",
    )
    w.filing_form = Material.objects.create(matter=w.filing, position=1, name="个体演员备案表")
    w.filing_id = Material.objects.create(
        matter=w.filing, position=2, name="居民身份证", government_held=True
    )
    w.xh_online = make_matter(
        w.other_district,
        w.other_dept,
        "xh-009",
        "西湖网上备案",
        audience="company",
        visits_needed=0,
        visits_reason="",
        channel_online=True,
        online_depth=4,
    )
    # Applicants with accounts and phones.
    w.person_user = make_user("13800000001", "applicant", display_name="张三")
    w.person = Applicant.objects.create(
        name="张三丰", id_number=ric_number(seq=31), phone="13800000001", user=w.person_user
    )
    w.boss = make_user("13900000002", "applicant", display_name="王五")
    w.boss_person = Applicant.objects.create(
        name="王五", id_number=ric_number(seq=32), phone="13900000002", user=w.boss
    )
    w.company = Company.objects.create(
        name="杭州湖滨演艺有限公司",
        credit_code=uscc_number(seq=41),
        legal_representative="王五",
        phone="13900000002",
        address="杭州市上城区解放路 100 号",
    )
    w.company.users.add(w.boss)
    w.licence = shared_document_issue(
        kind="business_licence",
        holder_number=w.company.credit_code,
        title="营业执照",
        number=w.company.credit_code,
        source_department=w.dept,
        issued_on=dt.date(2018, 5, 1),
    )
    w.culture_reviewer = make_user(
        "reviewer-wg", "reviewer", point=w.district, department=w.culture, display_name="审批丙"
    )
    w.other_clerk = make_user("clerk-xh", "clerk", point=w.other_district)
    w.other_reviewer = make_user(
        "reviewer-xh", "reviewer", point=w.other_district, department=w.other_dept
    )
    return w


@pytest.fixture
def tw(world):
    return extend_world(world)


def company_form(w) -> dict[str, str]:
    return {
        "company_name": w.company.name,
        "credit_code": w.company.credit_code,
        "legal_representative": "王五",
        "contact_name": "王五",
        "contact_id_number": w.boss_person.id_number,
        "phone": "13900000002",
        "address": "杭州市上城区解放路 100 号",
        "request_date": "2026-03-02",
    }


def person_form(w) -> dict[str, str]:
    return {
        "applicant_name": w.person.name,
        "id_number": w.person.id_number,
        "phone": "13800000001",
        "request_date": "2026-03-02",
    }


def online_case(w, *, now=FROZEN_NOW):
    """A performance-licence case submitted online by the company."""
    from onetrip.intake.apply_services import online_apply

    return online_apply(
        actor=w.boss,
        matter=w.perf,
        holder_key=f"company-{w.company.pk}",
        form_data=company_form(w),
        delivery="e_certificate",
        uploads={w.perf_form.pk: pdf_file(), w.perf_safety.pk: pdf_file()},
        now=now,
    )


def supplement_case(w, *, now=FROZEN_NOW):
    """Online case accepted by the manager, then the reviewer asks for the safety plan again."""
    from onetrip.cases.services import case_transition

    case = online_case(w, now=now)
    case = case_transition(case=case, action="accept", actor=w.manager, now=now)
    case = case_transition(case=case, action="start_review", actor=w.culture_reviewer, now=now)
    cm = case.materials.get(material=w.perf_safety)
    return case_transition(
        case=case,
        action="request_supplement",
        actor=w.culture_reviewer,
        now=now,
        items=[{"material": cm.pk, "status": "defective", "reason": "缺少应急疏散路线图"}],
    )
