"""The community demo extension: every community gets its 3+X, a week of activities and a
workshop; loading twice changes nothing."""

from __future__ import annotations

import pytest
from django.apps import apps

from onetrip.audit.models import AuditEvent
from onetrip.community.models import Complex, Decision, Facility, Slot, Topic
from onetrip.demo.community import load_community
from onetrip.notices.models import Notice
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _counts():
    models = apps.get_app_config("community").get_models()
    return {
        **{m._meta.label: m.objects.count() for m in models},
        "audit": AuditEvent.objects.count(),
        "notices": Notice.objects.count(),
    }


def test_demo_twice_changes_nothing(world):
    make_user("social-hubin", "social_worker", point=world.community)
    make_user("citizen", "applicant", phone="13857100001")
    make_user("senior", "applicant", phone="13857100002")
    make_user("grid", "grid_worker", point=world.community)
    first = load_community(district=world.district)
    after_first = _counts()
    assert first["complexes"] == 1 and first["slots"] >= 4 and first["topics"] == 3
    complex = Complex.objects.get(point=world.community)
    kinds = set(Facility.objects.filter(complex=complex).values_list("kind", flat=True))
    assert {"hall", "post", "workshop", "elder_canteen", "elder_day_care"} <= kinds
    assert Slot.objects.filter(complex=complex, booked__gte=1).exists()
    decision = Decision.objects.get(complex=complex)
    assert decision.state == "in_progress" and decision.updates.count() == 1
    assert Topic.objects.get(title="东门路灯维修").raiser_kind == "observer"
    # another district's communities are untouched
    assert not Complex.objects.exclude(district=world.district).exists()
    second = load_community(district=world.district)
    assert second == {}
    assert _counts() == after_first
