"""The command-centre board: order by urgency and time left, the cheap polling endpoint (204 when
nothing changed), escalation of incidents about to breach (once, audited, shown)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from onetrip.audit.models import AuditEvent
from onetrip.safety.selectors import board_rows
from onetrip.safety.services import incident_report


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.django_db
def test_board_order_feed_and_escalation(grid, django_assert_max_num_queries):
    now = timezone.now()
    # order: 24 h, reported 23.5 hours ago -> 30 minutes left: about to breach
    late = incident_report(
        district=grid.district, actor=grid.grid_b, kind="order", description="聚集喧哗",
        cell_code=grid.cell_b.code, now=now - dt.timedelta(hours=23, minutes=30),
    )  # fmt: skip
    calm = incident_report(
        district=grid.district, actor=grid.grid_a, kind="dispute", description="邻里纠纷",
        cell_code=grid.cell_a.code, now=now,
    )  # fmt: skip
    urgent = incident_report(
        district=grid.district, actor=grid.grid_a, kind="hazard", description="燃气泄漏味道",
        cell_code=grid.cell_a.code, urgency="critical", now=now,
    )  # fmt: skip
    rows = board_rows(district_id=grid.district.pk, now=now)
    assert [r.incident.number for r in rows] == [urgent.number, late.number, calm.number]
    assert [r.breach_soon for r in rows] == [False, True, False]
    assert rows[1].left_text == "29分" or rows[1].left_text == "30分"

    op = login(grid.operator)
    page = op.get("/safety/board/").content.decode()
    version = page.split('data-version="')[1].split('"')[0]
    with django_assert_max_num_queries(4):  # session, user, role names, one aggregate
        unchanged = op.get(f"/safety/board/feed/?v={version}")
    assert unchanged.status_code == 204 and unchanged.content == b""
    # a new report changes the fingerprint: the fragment comes back with it
    new = incident_report(
        district=grid.district, actor=grid.grid_a, kind="environment", description="垃圾满溢",
        cell_code=grid.cell_a.code,
    )  # fmt: skip
    changed = op.get(f"/safety/board/feed/?v={version}")
    assert changed.status_code == 200 and new.number in changed.content.decode()

    out = io.StringIO()
    call_command("safety_sweep", stdout=out)
    assert out.getvalue().strip() == "escalated 1"
    call_command("safety_sweep", stdout=io.StringIO())  # once only
    events = AuditEvent.objects.filter(subject_id=late.number, action="escalate")
    assert events.count() == 1 and events.get().role == "system"
    late.refresh_from_db()
    assert late.escalated_at is not None and late.state == "dispatched"
    assert 'class="urg-row-normal soon escalated"' in op.get("/safety/board/").content.decode()
