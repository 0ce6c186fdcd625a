"""A community world: two complexes in the sample district, one in another district, their
staff, three residents with phones, a bookable classroom and an activity tomorrow."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from onetrip.catalogue.models import PointLevel
from onetrip.community import services
from onetrip.community.models import FacilityKind, Slot, SlotKind
from tests.factories import make_point, make_user


def at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    """A local (Asia/Shanghai) time ``days`` from today."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def make_slot(cw, *, capacity=2, title="书法兴趣班", days=1, hour=10, facility=None, kind=None):
    return services.slot_create(
        actor=cw.social,
        facility=facility or cw.classroom,
        kind=kind or SlotKind.ACTIVITY,
        title=title,
        starts_at=at(days, hour),
        ends_at=at(days, hour + 1),
        capacity=capacity,
    )


def build_community(w) -> SimpleNamespace:
    cw = w
    cw.complex = services.complex_ensure(point=w.community)
    cw.street2 = make_point("sc-qingbo", "清波街道", PointLevel.STREET, w.district)
    cw.community2 = make_point("sc-qingbo-qb", "清波街社区", PointLevel.COMMUNITY, cw.street2)
    cw.complex2 = services.complex_ensure(point=cw.community2)
    cw.xh_street = make_point("xh-bs", "北山街道", PointLevel.STREET, w.other_district)
    cw.xh_community = make_point("xh-bs-sl", "松木场社区", PointLevel.COMMUNITY, cw.xh_street)
    cw.xh_complex = services.complex_ensure(point=cw.xh_community)
    cw.social = make_user("social-dongpo", "social_worker", point=w.community)
    cw.social2 = make_user("social-qingbo", "social_worker", point=cw.community2)
    cw.xh_manager = make_user("xh-manager", "manager", point=w.other_district)
    cw.r1 = make_user("res1", "applicant", phone="13800000001", display_name="居民甲")
    cw.r2 = make_user("res2", "applicant", phone="13800000002", display_name="居民乙")
    cw.r3 = make_user("res3", "applicant", phone="13800000003", display_name="居民丙")
    cw.classroom = services.facility_ensure(
        complex=cw.complex,
        kind=FacilityKind.CLASSROOM,
        name="多功能活动室",
        capacity=20,
        bookable=True,
    )
    cw.canteen = services.facility_ensure(
        complex=cw.complex, kind=FacilityKind.ELDER_CANTEEN, name="老年食堂", capacity=40
    )
    cw.slot = make_slot(cw)
    return cw


@pytest.fixture
def cw(world):
    return build_community(world)


@pytest.fixture
def slot_full(cw) -> Slot:
    services.booking_create(user=cw.r1, slot=cw.slot)
    services.booking_create(user=cw.r2, slot=cw.slot)
    cw.slot.refresh_from_db()
    return cw.slot
