"""The routing-rule table (kind × place × time → platform, department, urgency, SLA) through
the real report service, and SLAs in working days across the National Day holiday."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from onetrip.audit.models import AuditEvent
from onetrip.safety.models import Incident
from onetrip.safety.services import incident_report
from onetrip.safety.services.routing import sla_due

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


# kind, cell, local time, → state, platform, department, urgency, SLA (amount, unit), due (local)
TABLE = [
    # 2025-10-15 is a Wednesday; five working days later is Wednesday 22nd
    ("dispute", "cell_a", "2025-10-15 10:00", "dispatched", "zongzhi", "sfj", "normal",
     (5, "workdays"), "2025-10-22 23:59:59"),
    # a Saturday in 清波: the off-day rule raises the urgency to 4 hours
    ("hazard", "cell_b", "2025-10-18 10:00", "dispatched", "enforcement", "cg", "urgent",
     (4, "hours"), "2025-10-18 14:00:00"),
    # Saturday 11 October 2025 is a shifted working day: the off-day rule does not apply
    ("hazard", "cell_b", "2025-10-11 10:00", "dispatched", "enforcement", "cg", "normal",
     (3, "workdays"), "2025-10-15 23:59:59"),
    # Thursday 2 October 2025 is a National Day holiday: an off day although a weekday
    ("hazard", "cell_b", "2025-10-02 10:00", "dispatched", "enforcement", "cg", "urgent",
     (4, "hours"), "2025-10-02 14:00:00"),
    # the off-day rule is for 清波 only: a Saturday hazard in 东坡 takes the general rule
    ("hazard", "cell_a", "2025-10-18 10:00", "dispatched", "enforcement", "cg", "normal",
     (3, "workdays"), "2025-10-22 23:59:59"),
    # environment at night (20:00–08:00) goes to enforcement, by day to the service platform
    ("environment", "cell_a", "2025-10-15 22:00", "dispatched", "enforcement", "cg", "normal",
     (2, "workdays"), "2025-10-17 23:59:59"),
    ("environment", "cell_a", "2025-10-15 07:59", "dispatched", "enforcement", "cg", "normal",
     (2, "workdays"), "2025-10-17 23:59:59"),
    ("environment", "cell_a", "2025-10-15 08:00", "dispatched", "service", "mz", "normal",
     (2, "workdays"), "2025-10-17 23:59:59"),
    ("order", "cell_b", "2025-10-15 10:00", "dispatched", "zongzhi", "gaj", "normal",
     (24, "hours"), "2025-10-16 10:00:00"),
    # a suggestion only (auto_dispatch off): stays reported, platform proposed to the operator;
    # no SLA row for other/normal: the built-in default of 5 working days
    ("other", "cell_a", "2025-10-15 10:00", "reported", "market", "scjg", "normal",
     (5, "workdays"), "2025-10-22 23:59:59"),
    # no rule at all: left for the operator to screen and dispatch by hand
    ("other", "cell_b", "2025-10-15 10:00", "reported", "", None, "normal",
     (5, "workdays"), "2025-10-22 23:59:59"),
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind,cell,when,state,platform,dept,urgency,sla,due",
    TABLE,
    ids=[f"{r[0]}-{r[1]}-{r[2]}" for r in TABLE],
)
def test_routing_table(grid, kind, cell, when, state, platform, dept, urgency, sla, due):
    incident = incident_report(
        district=grid.district,
        actor=grid.grid_a,
        kind=kind,
        description="测试上报的情况描述",
        cell_code=getattr(grid, cell).code,
        now=at(when),
    )
    incident.refresh_from_db()
    assert incident.state == state
    assert incident.platform == platform
    assert (incident.department.code if incident.department else None) == dept
    assert incident.urgency == urgency
    assert (incident.sla_amount, incident.sla_unit) == sla
    assert incident.due_at.astimezone(SH) == at(due)
    actions = list(
        AuditEvent.objects.filter(subject_type="incident", subject_id=incident.number)
        .order_by("id")
        .values_list("action", "role", "to_state")
    )
    expected = [("report", "grid_worker", "reported")]
    if state == "dispatched":
        expected.append(("dispatch", "system", "dispatched"))
        assert incident.rule is not None and incident.dispatched_at == at(when)
    assert actions == expected
    # the events carry the time of the change, not the time the test ran
    events = AuditEvent.objects.filter(subject_type="incident", subject_id=incident.number)
    assert set(events.values_list("at", flat=True)) == {at(when)}


@pytest.mark.django_db
def test_rule_order_and_inactive_rules(grid):
    """The first matching rule wins; a deactivated rule is skipped."""
    first = grid.rules[0]
    first.is_active = False
    first.save()
    incident = incident_report(
        district=grid.district, actor=grid.grid_a, kind="dispute", description="邻里噪音纠纷",
        cell_code=grid.cell_a.code, now=at("2025-10-15 10:00"),
    )  # fmt: skip
    assert incident.state == "reported" and incident.platform == ""
    grid.rules[2].position = 1  # "隐患归执法" now outranks the 清波 off-day rule
    grid.rules[2].save()
    incident = incident_report(
        district=grid.district, actor=grid.grid_b, kind="hazard", description="消防通道堵塞",
        cell_code=grid.cell_b.code, now=at("2025-10-18 10:00"),
    )  # fmt: skip
    assert incident.rule == grid.rules[2] and incident.urgency == "normal"


@pytest.mark.django_db
def test_sla_in_working_days_across_national_day():
    """Reported Tuesday 30 Sep 2025: 1–8 Oct are holidays, Sat 11 Oct is a working day.
    Five working days end on Tue 14 Oct (9, 10, 11, 13, 14), not on Tue 7 Oct."""
    due = sla_due(start=at("2025-09-30 10:00"), amount=5, unit="workdays")
    assert due.astimezone(SH) == at("2025-10-14 23:59:59")
    # hours run round the clock, holidays included
    due = sla_due(start=at("2025-10-01 22:00"), amount=4, unit="hours")
    assert due.astimezone(SH) == at("2025-10-02 02:00")


@pytest.mark.django_db
def test_dispute_sla_across_holiday_through_report(grid):
    incident = incident_report(
        district=grid.district, actor=grid.grid_a, kind="dispute", description="楼上漏水纠纷",
        cell_code=grid.cell_a.code, now=at("2025-09-30 10:00"),
    )  # fmt: skip
    assert incident.due_at.astimezone(SH) == at("2025-10-14 23:59:59")


@pytest.mark.django_db
def test_sla_in_unscheduled_year_is_not_guessed(grid):
    """No schedule for 2031: no deadline is invented (the report itself is still taken)."""
    incident = incident_report(
        district=grid.district, actor=grid.grid_a, kind="dispute", description="停车位纠纷",
        cell_code=grid.cell_a.code, now=at("2031-03-03 10:00"),
    )  # fmt: skip
    assert Incident.objects.get(pk=incident.pk).due_at is None
