"""Shared-data fixtures: a public-security department in each district and a few records."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from onetrip.catalogue.models import Department
from onetrip.sharing.services import shared_document_issue
from tests.factories import make_user, ric_number, uscc_number


@pytest.fixture
def shared(world):
    s = SimpleNamespace(world=world)
    s.gaj = Department.objects.create(district=world.district, code="gaj", name="上城公安分局")
    s.other_gaj = Department.objects.create(
        district=world.other_district, code="gaj", name="西湖公安分局"
    )
    s.person = ric_number(region="110101", birth="19500101")  # region codes of 1950
    s.company = uscc_number()
    s.licence = shared_document_issue(
        kind="business_licence",
        holder_number=s.company,
        title="营业执照",
        number=s.company,
        source_department=world.dept,
        issued_on=dt.date(2018, 5, 1),
    )
    s.hukou = shared_document_issue(
        kind="household_register",
        holder_number=s.person,
        title="居民户口簿",
        number="HK-0001",
        source_department=s.gaj,
        issued_on=dt.date(2010, 1, 1),
    )
    # The same person's record in the other district: must never show up in the first.
    s.other_hukou = shared_document_issue(
        kind="marriage_certificate",
        holder_number=s.person,
        title="结婚证",
        number="JH-XH-9",
        source_department=s.other_gaj,
        issued_on=dt.date(1975, 1, 1),
    )
    s.guide = make_user("guide1", "guide", point=world.district)
    s.other_guide = make_user("guide2", "guide", point=world.other_district)
    s.applicant_user = make_user("citizen1", "applicant")
    return s


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Tests create many users; the production hasher costs most of their setup time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
