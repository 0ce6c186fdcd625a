"""Fixtures for case tests: the shared two-district world plus applicants and a matter with a
secondary (容缺) material. Times are passed explicitly; nothing depends on today's date."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.catalogue.models import Material
from onetrip.people.models import Applicant, Company
from tests.factories import make_matter, make_user, ric_number, uscc_number

SH = dt.timezone(dt.timedelta(hours=8))


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    """A moment on ``day`` in Shanghai (stored as UTC by Django)."""
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SH)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cw(world):
    """The world, extended for cases."""
    w = world
    w.person_user = make_user("zhang", "applicant", display_name="张三")
    w.person = Applicant.objects.create(
        name="张三", id_number=ric_number(seq=11), phone="13800000001", user=w.person_user
    )
    w.other_user = make_user("li", "applicant")
    w.other_person = Applicant.objects.create(
        name="李四", id_number=ric_number(seq=12), user=w.other_user
    )
    w.company_user = make_user("boss", "applicant")
    w.company = Company.objects.create(name="杭州甲有限公司", credit_code=uscc_number(seq=21))
    w.company.users.add(w.company_user)
    w.permit = make_matter(
        w.district,
        w.civil,
        "sc-003",
        "居住证明办理",
        audience="individual",
        promised_limit_days=5,
        legal_limit_days=20,
        level_street=True,
        channel_online=True,
        online_depth=3,  # Ⅲ 网上受理: an application can be made online
    )
    w.form = Material.objects.create(matter=w.permit, position=1, name="申请表")
    w.lease = Material.objects.create(
        matter=w.permit, position=2, name="租赁合同", later_allowed=True, count=2
    )
    w.idcard = Material.objects.create(
        matter=w.permit, position=3, name="居民身份证", government_held=True
    )
    w.civil_reviewer = make_user(
        "reviewer2", "reviewer", point=w.district, department=w.civil, display_name="审批乙"
    )
    w.street_clerk = make_user("clerk2", "clerk", point=w.street)
    w.other_clerk = make_user("clerk-xh", "clerk", point=w.other_district)
    w.other_manager = make_user("manager-xh", "manager", point=w.other_district)
    return w


FROZEN_NOW = at(dt.date(2026, 3, 2))


@pytest.fixture
def frozen(monkeypatch):
    """Freeze the clock at Monday 2 March 2026, 10:00 Shanghai, so nothing depends on the real
    date (the calendar has no schedule after 2026)."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: FROZEN_NOW)
    return FROZEN_NOW
