"""A service hall in the first district of make_world(), open around the clock for tests."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from onetrip.catalogue.models import ServicePoint
from tests.factories import make_user


def build_hall(world) -> SimpleNamespace:
    from onetrip.queueing.services import queue_create, window_create

    ServicePoint.objects.filter(pk__in=[world.district.pk, world.other_district.pk]).update(
        opens_at=dt.time(0, 0),
        closes_at=dt.time(23, 59, 59),
        open_weekdays="1234567",
        open_on_holidays=True,
    )
    world.district.refresh_from_db()
    world.other_district.refresh_from_db()
    h = SimpleNamespace(world=world, point=world.district)
    h.qa = queue_create(point=h.point, code="A", name="企业自办", department=world.dept)
    h.qd = queue_create(point=h.point, code="D", name="中介代办", applicant_type="agent")
    h.qg = queue_create(point=h.point, code="G", name="绿色通道", applicant_type="priority")
    h.w0 = window_create(point=h.point, number="0", name="导办", kind="guide", queues=[h.qa, h.qd])
    h.w1 = window_create(point=h.point, number="1", kind="self", queues=[h.qa, h.qg])
    h.w2 = window_create(point=h.point, number="2", kind="self", queues=[h.qa, h.qg])
    h.w5 = window_create(point=h.point, number="5", kind="agent", queues=[h.qd, h.qa])
    h.clerk = world.clerk
    h.clerk2 = make_user("clerk2", "clerk", point=h.point, display_name="窗口乙")
    h.guide = make_user("guide1", "guide", point=h.point, display_name="导办员")
    # The other district's hall: nothing of it may leak into the first.
    h.other_point = world.other_district
    h.other_q = queue_create(point=h.other_point, code="A", name="西湖自办")
    h.other_w = window_create(point=h.other_point, number="1", kind="self", queues=[h.other_q])
    h.other_clerk = make_user("xh-clerk", "clerk", point=h.other_point)
    return h


@pytest.fixture
def hall(world):
    return build_hall(world)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # PBKDF2 at full strength costs ~0.5 s per user; the hall makes several.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def ensure_role_groups() -> None:
    """Transactional tests flush the database, data-migration rows included (the role groups):
    put them back so make_world() works in any order."""
    from django.contrib.auth.models import Group

    from onetrip.people.models import Role

    for role in Role.values:
        Group.objects.get_or_create(name=role)


@pytest.fixture
def tworld(transactional_db):
    """make_world() for tests that run with transaction=True (threads, live server)."""
    from tests.factories import make_world

    ensure_role_groups()
    return make_world()
