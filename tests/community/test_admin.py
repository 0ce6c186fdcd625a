"""The community admin: every page opens for a superuser; others see only the complexes (and
their rows) they manage."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory

from onetrip.community import services
from onetrip.community.models import Booking, Complex, Slot, Topic
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _qs(model, user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return admin.site._registry[model].get_queryset(request)


def test_admin_scoped_per_complex(cw):
    services.booking_create(user=cw.r1, slot=cw.slot)
    services.topic_raise(
        complex=cw.complex2,
        actor=cw.r1,
        title="清波议题一",
        body="清波街社区的议题内容，十个字以上。",
    )
    assert set(_qs(Complex, cw.social)) == {cw.complex}
    assert set(_qs(Complex, cw.social2)) == {cw.complex2}
    assert set(_qs(Complex, cw.manager)) == {cw.complex, cw.complex2}  # the district's
    assert set(_qs(Complex, cw.xh_manager)) == {cw.xh_complex}
    assert list(_qs(Slot, cw.social2)) == [] and list(_qs(Slot, cw.social)) == [cw.slot]
    assert _qs(Booking, cw.social).count() == 1 and _qs(Booking, cw.social2).count() == 0
    assert _qs(Topic, cw.social).count() == 0 and _qs(Topic, cw.social2).count() == 1
    assert list(_qs(Complex, cw.r1)) == []


def test_admin_pages_open(cw):
    services.booking_create(user=cw.r1, slot=cw.slot)
    root = make_user("root", is_superuser=True, is_staff=True)
    c = Client()
    c.force_login(root)
    for model in ("complex", "slot", "booking", "topic", "meeting", "decision", "workshopmember"):
        assert c.get(f"/admin/community/{model}/").status_code == 200, model
    assert c.get(f"/admin/community/complex/{cw.complex.pk}/change/").status_code == 200
    assert c.get(f"/admin/community/slot/{cw.slot.pk}/change/").status_code == 200
    assert c.get("/admin/community/complex/add/").status_code == 200
