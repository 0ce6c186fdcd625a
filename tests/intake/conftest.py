"""Window-zero fixtures: the senior citizen card with a realistic material list."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from onetrip.catalogue.models import Department, Material
from onetrip.sharing.services import shared_document_issue
from tests.factories import make_matter, make_user, ric_number


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Tests create many users; the production hasher costs most of their setup time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def senior(world):
    return make_senior(world)


def make_senior(world):
    """老年人优待证: ID held by government, household register in shared data, a photo to bring,
    an application form that may come later (容缺)."""
    s = SimpleNamespace(world=world, matter=world.senior_card)
    # 容缺 needs a promised limit to hand the material in before the decision: an instant
    # matter cannot carry it (catalogue rule ``later_instant``), so this card is committed.
    world.senior_card.kind, world.senior_card.promised_limit_days = "committed", 5
    world.senior_card.save(update_fields=["kind", "promised_limit_days"])
    s.gaj = Department.objects.create(district=world.district, code="gaj", name="上城公安分局")
    s.id_card = world.senior_card.materials.get(name="居民身份证")
    s.hukou = Material.objects.create(
        matter=world.senior_card,
        position=2,
        name="居民户口簿",
        government_held=True,
        issuing_department=s.gaj,
        shared_kind="household_register",
    )
    s.photo = Material.objects.create(
        matter=world.senior_card,
        position=3,
        name="一寸免冠彩色照片",
        count=2,
        note="近期一寸免冠彩色照片2张，白底",
    )
    s.form = Material.objects.create(
        matter=world.senior_card,
        position=4,
        name="老年人优待证申请表",
        later_allowed=True,
        note="可受理后5个工作日内补交",
    )
    s.optional = Material.objects.create(
        matter=world.senior_card, position=5, name="户籍迁入证明", required=False
    )
    s.person = ric_number(region="110101", birth="19520304")
    s.hukou_doc = shared_document_issue(
        kind="household_register",
        holder_number=s.person,
        title="居民户口簿",
        number="HK-330102-1",
        source_department=s.gaj,
        issued_on=dt.date(2001, 1, 1),
    )
    s.guide = make_user("guide1", "guide", point=world.district, display_name="导办员")
    return s


@pytest.fixture
def online_matter(world):
    m = make_matter(
        world.district,
        world.dept,
        "sc-003",
        "营业性演出备案",
        audience="company",
        visits_needed=0,
        visits_reason="",
        channel_online=True,
        online_depth=4,
        result_type="filing",
    )
    Material.objects.create(matter=m, position=1, name="备案申请表")
    return m


@pytest.fixture
def street_matter(world):
    """Accepted only at street and community points (就近办)."""
    m = make_matter(
        world.district,
        world.civil,
        "sc-004",
        "居民最低生活保障申请",
        level_district=False,
        level_street=True,
        level_community=True,
    )
    Material.objects.create(matter=m, position=1, name="收入证明")
    return m
