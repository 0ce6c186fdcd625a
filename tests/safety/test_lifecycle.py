"""The life of an incident through the pages: report with a photo, dispatch by hand, accept,
mediation record, close, the reporter's confirmation, reopening; every change audited."""

from __future__ import annotations

import pytest
from django.test import Client

from onetrip.audit.models import AuditEvent
from onetrip.safety.models import Incident, IncidentPhoto, Mediation
from onetrip.safety.services import incident_report, incident_transition
from onetrip.safety.services.incidents import IllegalTransition
from tests.safety.conftest import photo


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def actions_of(incident):
    return list(
        AuditEvent.objects.filter(subject_type="incident", subject_id=incident.number)
        .order_by("id")
        .values_list("action", "role", "from_state", "to_state")
    )


@pytest.mark.django_db
def test_dispute_from_volunteer_report_to_confirmation(grid):
    grid.rules[0].delete()  # no dispute rule: the operator dispatches by hand
    vol = login(grid.vol_user)
    page = vol.get("/safety/report/")
    assert page.status_code == 200 and "志愿者 王志愿" in page.content.decode()
    r = vol.post(
        "/safety/report/",
        {
            "kind": "dispute",
            "urgency": "normal",
            "description": "两户居民因楼道堆物发生争吵",
            "cell": grid.cell_a.code,
            "photos": photo(),
        },
    )
    assert r.status_code == 302
    incident = Incident.objects.get()
    assert r["Location"] == f"/safety/r/{incident.token}/"
    assert incident.state == "reported" and incident.reporter_kind == "volunteer"
    assert incident.volunteer == grid.volunteer
    assert IncidentPhoto.objects.get().width == 8

    op = login(grid.operator)
    detail = op.get(f"/safety/incidents/{incident.number}/").content.decode()
    assert "分拨" in detail and "志愿者" in detail
    r = op.post(
        f"/safety/incidents/{incident.number}/act/",
        {
            "action": "dispatch",
            "platform": "zongzhi",
            "department": grid.sfj.pk,
            "mediator": grid.mediator.pk,
        },
    )
    assert r.status_code == 302
    incident.refresh_from_db()
    assert (incident.state, incident.platform, incident.department, incident.mediator) == (
        "dispatched", "zongzhi", grid.sfj, grid.mediator
    )  # fmt: skip

    med = login(grid.med_user)
    assert med.get(f"/safety/incidents/{incident.number}/").status_code == 200
    med.post(f"/safety/incidents/{incident.number}/act/", {"action": "accept"})
    # closing a dispute without a mediation record is refused
    med.post(f"/safety/incidents/{incident.number}/act/", {"action": "close", "note": "已处理"})
    incident.refresh_from_db()
    assert incident.state == "accepted"
    med.post(
        f"/safety/incidents/{incident.number}/act/",
        {
            "action": "mediate",
            "parties": "301室 张某\n401室 李某",
            "mediator_name": "李调解",
            "agreement": "三日内清理楼道堆物，互不追究",
            "agreed": "1",
        },
    )
    assert Mediation.objects.get(incident=incident).party_list() == ["301室 张某", "401室 李某"]
    med.post(
        f"/safety/incidents/{incident.number}/act/",
        {"action": "close", "note": "双方达成调解协议，楼道已清理"},
    )
    incident.refresh_from_db()
    assert incident.state == "closed" and incident.result.startswith("双方")

    vol.post(f"/safety/r/{incident.token}/act/", {"action": "confirm"})
    incident.refresh_from_db()
    assert incident.state == "confirmed" and incident.confirmed_at is not None

    record = vol.get("/safety/volunteer/").content.decode()
    assert 'id="reports-confirmed">1<' in record and 'id="reports-total">1<' in record

    assert [a[0] for a in actions_of(incident)] == [
        "report", "dispatch", "accept", "mediate", "close", "confirm",
    ]  # fmt: skip
    assert actions_of(incident)[1][1] == "operator"
    assert actions_of(incident)[2][1] == "mediator"


@pytest.mark.django_db
def test_reopen_and_illegal_moves(grid):
    incident = incident_report(
        district=grid.district, actor=grid.grid_a, kind="hazard", description="井盖缺失",
        cell_code=grid.cell_a.code,
    )  # fmt: skip
    assert incident.state == "dispatched" and incident.department == grid.cg
    with pytest.raises(IllegalTransition):
        incident_transition(incident=incident, action="confirm", actor=grid.grid_a)
    from onetrip.errors import Forbidden

    with pytest.raises(Forbidden):  # another department may not accept
        incident_transition(incident=incident, action="accept", actor=grid.handler_sfj)
    before = actions_of(incident)
    incident_transition(incident=incident, action="accept", actor=grid.handler_cg)
    incident_transition(incident=incident, action="close", actor=grid.handler_cg, note="已补装井盖")
    incident_transition(incident=incident, action="reopen", actor=grid.grid_a, note="井盖又丢了")
    incident.refresh_from_db()
    assert incident.state == "dispatched" and incident.reopen_count == 1
    assert incident.closed_at is None
    assert len(actions_of(incident)) == len(before) + 3


@pytest.mark.django_db
def test_department_sends_back_and_operator_redispatches(grid):
    incident = incident_report(
        district=grid.district, actor=grid.grid_a, kind="environment", description="垃圾堆放",
        cell_code=grid.cell_a.code,
    )  # fmt: skip
    dept = incident.department
    handler = grid.handler_cg if dept == grid.cg else None
    if handler is None:  # by day the service platform (民政) takes it: give it a handler
        from tests.factories import make_user

        handler = make_user("h-mz", "reviewer", point=grid.district, department=dept)
    incident_transition(incident=incident, action="send_back", actor=handler, note="非本部门")
    incident.refresh_from_db()
    assert incident.state == "screened" and incident.department is None
    incident_transition(
        incident=incident, action="dispatch", actor=grid.operator,
        data={"platform": "enforcement", "department": grid.cg.pk},
    )  # fmt: skip
    incident.refresh_from_db()
    assert incident.department == grid.cg
