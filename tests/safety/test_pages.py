"""Home links of the grid worker and the operator, the routing-rule editor, the volunteer
register (six roles), police-school attendance and patrol shifts in the volunteer's record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from onetrip.audit.models import AuditEvent
from onetrip.errors import Forbidden, ValidationFailed
from onetrip.safety.models import RoutingRule, TrainingSession, Volunteer
from onetrip.safety.services import (
    attendance_record,
    incident_report,
    shift_record,
    volunteer_register,
)


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.django_db
def test_home_leads_grid_worker_and_operator_to_their_workspaces(grid):
    home = login(grid.grid_a).get("/").content.decode()
    assert 'href="/safety/report/"' in home and 'href="/safety/"' in home
    assert 'href="/safety/board/"' not in home
    op = login(grid.operator)
    home = op.get("/").content.decode()
    assert 'href="/safety/"' in home and 'href="/safety/board/"' in home
    for url in ("/safety/", "/safety/board/", "/safety/rules/", "/safety/volunteers/"):
        assert op.get(url).status_code == 200, url
    g = login(grid.grid_a)
    assert g.get("/safety/").status_code == 200 and g.get("/safety/report/").status_code == 200
    assert g.get("/safety/rules/").status_code == 403
    assert 'href="/safety/volunteer/"' in login(grid.citizen).get("/").content.decode()


@pytest.mark.django_db
def test_operator_edits_routing_rules_and_the_next_report_follows(grid):
    op = login(grid.operator)
    form = {
        "position": "5", "name": "东坡二网格纠纷归城管（测试）", "kind": "dispute", "place": "",
        "cell": grid.cell_a2.pk, "day_type": "any", "hour_from": "0", "hour_to": "24",
        "platform": "enforcement", "department": grid.cg.pk, "urgency": "urgent",
        "auto_dispatch": "on", "is_active": "on",
    }  # fmt: skip
    r = op.post("/safety/rules/new/", form)
    assert r.status_code == 302
    rule = RoutingRule.objects.get(name=form["name"])
    assert AuditEvent.objects.filter(subject_type="routing_rule", action="create").exists()
    incident = incident_report(
        district=grid.district, actor=grid.grid_a, kind="dispute", description="停车纠纷",
        cell_code=grid.cell_a2.code,
    )  # fmt: skip
    assert incident.rule == rule and incident.department == grid.cg
    assert incident.urgency == "urgent"
    # a department of another district is refused, with nothing saved
    bad = op.post(
        "/safety/rules/new/", {**form, "name": "坏规则", "department": grid.other_dept.pk}
    )
    assert bad.status_code == 422 and not RoutingRule.objects.filter(name="坏规则").exists()
    bad = op.post(
        "/safety/rules/new/", {**form, "name": "坏时段", "hour_from": "8", "hour_to": "8"}
    )
    assert bad.status_code == 422 and not RoutingRule.objects.filter(name="坏时段").exists()
    # the other district's operator cannot open this district's rule
    assert login(grid.other_operator).get(f"/safety/rules/{rule.pk}/").status_code == 404
    assert login(grid.grid_a).post("/safety/rules/new/", form).status_code == 403
    op.post(f"/safety/rules/{rule.pk}/", {**form, "delete": "1"})
    assert not RoutingRule.objects.filter(pk=rule.pk).exists()


@pytest.mark.django_db
def test_volunteer_register_training_and_shifts(grid):
    c = login(grid.citizen)
    assert c.get("/safety/volunteer/").status_code == 302  # not yet a volunteer: register
    page = c.get("/safety/volunteer/register/").content.decode()
    for label in ("信息员", "巡查员", "调解员", "宣传员", "引导员", "巡逻员"):
        assert label in page
    bad = c.post("/safety/volunteer/register/", {"name": "张三丰", "community": grid.community.pk,
                                                  "roles": ["astronaut"]})  # fmt: skip
    assert bad.status_code == 422 and not Volunteer.objects.filter(user=grid.citizen).exists()
    r = c.post(
        "/safety/volunteer/register/",
        {"name": "张三丰", "community": grid.community.pk, "roles": ["patrol", "promoter"]},
    )
    assert r.status_code == 302
    v = Volunteer.objects.get(user=grid.citizen)
    assert sorted(v.roles.values_list("role", flat=True)) == ["patrol", "promoter"]
    with pytest.raises(ValidationFailed):
        volunteer_register(community=grid.community, name="", roles=["patrol"])

    session = TrainingSession.objects.create(
        district=grid.district, code="PS-1", title="防范电信诈骗", held_on="2026-03-01", hours=2
    )
    with pytest.raises(Forbidden):
        attendance_record(session=session, volunteer=v, attended=True, actor=grid.citizen)
    attendance_record(session=session, volunteer=v, attended=True, actor=grid.operator)
    start = timezone.now() - dt.timedelta(days=1)
    shift_record(volunteer=v, cell=grid.cell_a, starts_at=start,
                 ends_at=start + dt.timedelta(hours=3), done=True, actor=grid.grid_a)  # fmt: skip
    shift_record(volunteer=v, cell=grid.cell_a, starts_at=start + dt.timedelta(days=2),
                 ends_at=start + dt.timedelta(days=2, hours=2), actor=grid.grid_a)  # fmt: skip
    with pytest.raises(ValidationFailed):
        shift_record(volunteer=v, cell=grid.cell_a, starts_at=start, ends_at=start,
                     actor=grid.grid_a)  # fmt: skip
    record = c.get("/safety/volunteer/").content.decode()
    assert 'id="hours">5.0<' in record  # 2 h of training + 3 h of completed patrol
    assert "防范电信诈骗" in record
    overview = login(grid.operator).get("/safety/volunteers/").content.decode()
    assert "巡逻员" in overview


@pytest.mark.django_db
def test_report_page_and_board_in_english(grid):
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.cookies["django_language"] = "en"
    page = c.get("/safety/report/").content.decode()
    assert "Send report" in page and "Dispute" in page and "Use my location" in page
    op = login(grid.operator)
    op.cookies["django_language"] = "en"
    board = op.get("/safety/board/").content.decode()
    assert "Comprehensive governance" in board and "Time left" in board


@pytest.mark.django_db
def test_incident_figures_feed_the_metrics_dashboard(grid):
    from tests.factories import make_user

    incident = incident_report(
        district=grid.district, actor=grid.grid_a, kind="hazard", description="井盖缺失",
        cell_code=grid.cell_a.code,
    )  # fmt: skip
    from onetrip.safety.services import incident_transition

    incident_transition(incident=incident, action="accept", actor=grid.handler_cg)
    incident_transition(incident=incident, action="close", actor=grid.handler_cg, note="已补装")
    manager = make_user("mgr-safety", "manager", point=grid.district)
    today = timezone.localdate().isoformat()
    period = {"a_since": today, "a_until": today, "b_since": today, "b_until": today}
    page = login(manager).get("/metrics/", period).content.decode()
    table = page.split('data-testid="safety-figures"')[1].split("</table>")[0]
    row = table.split('data-platform="enforcement"')[1].split("</tr>")[0]
    assert "<td>1</td><td>1</td><td>1</td>" in row
    assert "湖滨街道" in table
