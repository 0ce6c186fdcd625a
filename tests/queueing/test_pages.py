import pytest

from onetrip.queueing import services
from onetrip.queueing.models import Ticket, Window

pytestmark = pytest.mark.django_db


def test_kiosk_issues_a_ticket_with_qr_to_its_status_page(client, hall):
    r = client.get("/points/sc/kiosk/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "企业自办" in html and "绿色通道" in html and "西湖自办" not in html
    r = client.post("/points/sc/kiosk/", {"queue": hall.qa.pk, "phone": "13812345678"})
    assert r.status_code == 302
    ticket = Ticket.objects.get()
    assert r["Location"] == f"/points/sc/kiosk/{ticket.token}/"
    slip = client.get(r["Location"]).content.decode()
    assert "A001" in slip and "<svg" in slip and f"/q/{ticket.token}/" in slip
    assert "13812345678" not in slip
    status = client.get(f"/q/{ticket.token}/").content.decode()
    assert "A001" in status and "等候中" in status and "13812345678" not in status
    assert "138****5678" not in status  # no personal data at all on the public page
    assert client.get("/q/not-a-token/").status_code == 404
    # a queue of another district cannot be used from this kiosk
    r = client.post("/points/sc/kiosk/", {"queue": hall.other_q.pk})
    assert r.status_code == 400 and Ticket.objects.count() == 1


def test_kiosk_refuses_duplicate_with_message(client, hall):
    client.post("/points/sc/kiosk/", {"queue": hall.qa.pk, "phone": "13812345678"})
    r = client.post("/points/sc/kiosk/", {"queue": hall.qa.pk, "phone": "13812345678"})
    assert r.status_code == 409  # the Conflict's own status
    assert "已有一个未办结的号码" in r.content.decode()
    assert Ticket.objects.count() == 1


def test_console_flow_with_htmx(client, hall):
    services.ticket_issue(queue=hall.qa, phone="13812345678")
    client.force_login(hall.clerk)
    hx = {"HTTP_HX_REQUEST": "true"}
    r = client.get("/console/windows/")
    assert r.status_code == 200 and f"/console/windows/{hall.w1.pk}/" in r.content.decode()
    assert f"/console/windows/{hall.other_w.pk}/" not in r.content.decode()
    r = client.get(f"/console/windows/{hall.w1.pk}/")
    assert r.status_code == 200 and "签到开窗" in r.content.decode()
    r = client.post(f"/console/windows/{hall.w1.pk}/call-next/", **hx)
    assert "窗口尚未开窗" in r.content.decode()
    client.post(f"/console/windows/{hall.w1.pk}/open/", **hx)
    r = client.post(f"/console/windows/{hall.w1.pk}/call-next/", **hx)
    html = r.content.decode()
    assert "A001" in html and "138****5678" in html and "13812345678" not in html
    client.post(f"/console/windows/{hall.w1.pk}/start/", **hx)
    r = client.post(f"/console/windows/{hall.w1.pk}/finish/", {"open_case": "1"}, **hx)
    assert r.status_code == 204
    ticket = Ticket.objects.get()
    assert r["HX-Redirect"] == f"/cases/new/?ticket={ticket.pk}"
    assert ticket.status == "done"
    # another district's window is invisible
    assert client.get(f"/console/windows/{hall.other_w.pk}/").status_code == 404
    assert client.post(f"/console/windows/{hall.other_w.pk}/open/").status_code == 404
    assert not Window.objects.get(pk=hall.other_w.pk).is_open


def test_console_requires_staff(client, hall):
    r = client.get(f"/console/windows/{hall.w1.pk}/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    client.force_login(hall.world.reviewer)
    assert client.get(f"/console/windows/{hall.w1.pk}/").status_code == 403
    assert client.post(f"/console/windows/{hall.w1.pk}/open/").status_code == 403
    assert not Window.objects.get(pk=hall.w1.pk).is_open


def test_board_page(client, hall):
    r = client.get("/points/sc/board/")
    assert r.status_code == 200
    html = r.content.decode()
    # the board's behaviour lives in board.js (the CSP allows no inline script)
    assert "/static/queueing/board.js" in html and 'data-voice="zh-CN"' in html
    from django.contrib.staticfiles import finders

    with open(finders.find("queueing/board.js"), encoding="utf-8") as fh:
        js = fh.read()
    assert "/api/v1/points/" in js and "speechSynthesis" in js
    assert client.get("/points/nowhere/board/").status_code == 404
