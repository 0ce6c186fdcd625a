"""The clerk console shows the pre-check result with the ticket: window zero issues the ticket
its pre-check pointed to, and the window that calls it reads matter and missing materials."""

from __future__ import annotations

import pytest

from onetrip.intake.services import precheck_run
from onetrip.queueing import services
from onetrip.queueing.models import Ticket

pytestmark = pytest.mark.django_db


def _precheck(hall, *, at_hand=()):
    return precheck_run(
        matter=hall.world.matter,
        applicant_kind="company",
        materials_at_hand=list(at_hand),
        actor=hall.guide,
        point=hall.point,
    )


def test_guide_ticket_carries_the_precheck_to_the_console(client, hall):
    pc = _precheck(hall)
    assert pc.next_step == "ticket" and pc.next_detail["queue"]["id"] == hall.qa.pk
    client.force_login(hall.guide)
    page = client.get(f"/precheck/{pc.token}/")
    assert b'data-testid="guide-ticket"' in page.content
    r = client.post(
        "/points/sc/guide-ticket/",
        {"queue": hall.qa.pk, "precheck": pc.token, "phone": "13900000081"},
    )
    assert r.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.precheck_token == pc.token and ticket.channel == "guide"
    assert ticket.issued_by == hall.guide

    services.window_open(window=hall.w1, user=hall.clerk)
    services.ticket_call_next(window=hall.w1, user=hall.clerk)
    client.force_login(hall.clerk)
    console = client.get(f"/console/windows/{hall.w1.pk}/").content.decode()
    assert f"/precheck/{pc.token}/summary/" in console
    summary = client.get(f"/precheck/{pc.token}/summary/").content.decode()
    assert hall.world.matter.name in summary
    assert "还缺 2 项材料" in summary
    assert "公司登记（备案）申请书" in summary and "公司章程" in summary


def test_ticket_without_precheck_says_so(client, hall):
    services.ticket_issue(queue=hall.qa)
    services.window_open(window=hall.w1, user=hall.clerk)
    services.ticket_call_next(window=hall.w1, user=hall.clerk)
    client.force_login(hall.clerk)
    console = client.get(f"/console/windows/{hall.w1.pk}/").content.decode()
    assert 'data-testid="precheck-none"' in console


def test_precheck_summary_is_for_staff_only(client, hall):
    pc = _precheck(hall)
    assert client.get(f"/precheck/{pc.token}/summary/").status_code == 404
    from tests.factories import make_user

    client.force_login(make_user("resident-pc", "applicant"))
    assert client.get(f"/precheck/{pc.token}/summary/").status_code == 404
    client.force_login(hall.clerk)
    assert client.get(f"/precheck/{pc.token}/summary/").status_code == 200


def test_guide_ticket_bad_input_writes_nothing(client, hall):
    pc = _precheck(hall)
    # not signed in: to the login page, nothing issued
    r = client.post("/points/sc/guide-ticket/", {"queue": hall.qa.pk, "precheck": pc.token})
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    client.force_login(hall.guide)
    r = client.post("/points/sc/guide-ticket/", {"queue": hall.other_q.pk})
    assert r.status_code == 400
    r = client.post("/points/sc/guide-ticket/", {"queue": hall.qa.pk, "phone": "123"})
    assert r.status_code == 422
    client.force_login(hall.other_clerk)
    r = client.post("/points/sc/guide-ticket/", {"queue": hall.qa.pk})
    assert r.status_code == 403
    r = client.get("/points/sc/guide-ticket/")
    assert r.status_code == 405
    assert Ticket.objects.count() == 0
