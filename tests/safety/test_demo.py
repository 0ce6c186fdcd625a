"""The safety demo extension: the register at the source's scale (1/9 of Shangcheng's 80,000
volunteers and 600 sessions), the grid, rules, a month of incidents; loading twice changes
nothing."""

from __future__ import annotations

import pytest
from django.apps import apps

from onetrip.demo.safety import SESSIONS, VOLUNTEERS, load_safety
from onetrip.safety.models import (
    GridCell,
    Incident,
    TrainingAttendance,
    Volunteer,
    VolunteerRoleGrant,
)
from tests.factories import make_user


def _counts():
    return {m._meta.label: m.objects.count() for m in apps.get_app_config("safety").get_models()}


@pytest.mark.django_db
def test_safety_demo_twice_changes_nothing(world):
    make_user("grid", "grid_worker", point=world.community)
    make_user("operator", "operator", point=world.district)
    make_user("reviewer-mz", "reviewer", point=world.district, department=world.civil)
    make_user("volunteer", "applicant", point=world.community, display_name="平安志愿者（信息员）")
    first = load_safety(district=world.district)
    counts = _counts()
    assert first["volunteers"] == VOLUNTEERS == 8_889 and first["training_sessions"] == SESSIONS
    assert Volunteer.objects.filter(district=world.district).count() == VOLUNTEERS
    assert TrainingAttendance.objects.values("volunteer").distinct().count() == VOLUNTEERS
    roles = set(VolunteerRoleGrant.objects.values_list("role", flat=True))
    assert roles == {"informant", "inspector", "mediator", "promoter", "guide", "patrol"}
    assert GridCell.objects.filter(community=world.community).count() == 3
    assert GridCell.objects.get(code="sc-hubin-dongpo-01").workers.filter(username="grid").exists()
    assert first["incidents"] > 20
    assert Incident.objects.filter(state__in=["closed"]).exists()
    assert Incident.objects.filter(volunteer__user__username="volunteer").exists()
    # the board has something to show: open incidents, one of them about to breach
    from django.utils import timezone

    from onetrip.safety.selectors import board_rows

    rows = board_rows(district_id=world.district.pk, now=timezone.now())
    assert len(rows) == 4 and sum(r.breach_soon for r in rows) == 1
    second = load_safety(district=world.district)
    assert _counts() == counts
    assert second["incidents"] == 0 and second["cells"] == 0 and "volunteers" not in second
