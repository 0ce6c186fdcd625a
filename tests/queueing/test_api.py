import pytest

from onetrip.audit.models import AuditEvent
from onetrip.people.services import api_token_create
from onetrip.queueing import services
from onetrip.queueing.models import DailyCounter, Ticket, TicketEvent, Window

pytestmark = pytest.mark.django_db


def bearer(user):
    _, key = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def post(client, url, data=None, **headers):
    return client.post(url, data=data or {}, content_type="application/json", **headers)


def snapshot():
    return (
        Ticket.objects.count(),
        TicketEvent.objects.count(),
        list(DailyCounter.objects.values_list("last", flat=True)),
        list(Ticket.objects.order_by("pk").values_list("status", "window_id")),
        list(Window.objects.order_by("pk").values_list("is_open", "clerk_id")),
    )


def test_issue_call_finish_through_the_api(client, hall):
    r = post(client, "/api/v1/tickets", {"point": "sc", "queue": "a", "phone": "13812345678"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["number"] == "A001" and body["status"] == "waiting"
    assert body["status_url"] == f"/q/{body['token']}/"
    assert "phone" not in body and "13812345678" not in r.content.decode()
    h = bearer(hall.clerk)
    assert post(client, f"/api/v1/windows/{hall.w1.pk}/open", **h).status_code == 200
    r = post(client, f"/api/v1/windows/{hall.w1.pk}/call-next", **h)
    assert r.status_code == 200 and r.json()["ticket"]["number"] == "A001"
    assert r.json()["ticket"]["phone"] == "138****5678"
    assert post(client, f"/api/v1/windows/{hall.w1.pk}/recall", **h).status_code == 200
    assert post(client, f"/api/v1/windows/{hall.w1.pk}/start", **h).status_code == 200
    r = post(client, f"/api/v1/windows/{hall.w1.pk}/finish", {"open_case": True}, **h)
    assert r.status_code == 200
    assert r.json()["case_url"] == f"/cases/new/?ticket={body['id']}"
    assert r.json()["ticket"]["status"] == "done"
    # public read by token; staff read without
    r = client.get(f"/api/v1/tickets/{body['id']}?token={body['token']}")
    assert r.status_code == 200 and r.json()["status"] == "done"
    assert client.get(f"/api/v1/tickets/{body['id']}").status_code == 404
    assert client.get(f"/api/v1/tickets/{body['id']}?token=guess").status_code == 404
    assert client.get(f"/api/v1/tickets/{body['id']}", **h).status_code == 200
    assert (
        client.get(f"/api/v1/tickets/{body['id']}", **bearer(hall.other_clerk)).status_code == 404
    )


def test_board_and_queues_endpoints(client, hall):
    services.ticket_issue(queue=hall.qa)
    services.ticket_issue(queue=hall.qa)
    services.window_open(window=hall.w2, user=hall.clerk)
    services.ticket_call_next(window=hall.w2, user=hall.clerk)
    r = client.get("/api/v1/points/sc/board")
    assert r.status_code == 200
    board = r.json()
    assert [(c["number"], c["window"]) for c in board["calls"]] == [("A001", "2")]
    assert board["waiting"] == {"A": 1}
    assert client.get("/api/v1/points/xh/board").json()["calls"] == []
    queues = {q["code"]: q for q in client.get("/api/v1/points/sc/queues").json()}
    assert queues["A"]["waiting"] == 1 and queues["A"]["estimated_wait_minutes"] == 8
    assert client.get("/api/v1/points/nowhere/board").status_code == 404


def test_transfer_park_resume_no_show_return_via_api(client, hall):
    t1 = services.ticket_issue(queue=hall.qa)
    t2 = services.ticket_issue(queue=hall.qa)
    h = bearer(hall.clerk)
    post(client, f"/api/v1/windows/{hall.w1.pk}/open", **h)
    post(client, f"/api/v1/windows/{hall.w1.pk}/call-next", **h)
    r = post(client, f"/api/v1/windows/{hall.w1.pk}/transfer", {"queue_code": "D"}, **h)
    assert r.status_code == 200 and r.json()["ticket"]["queue"] == "D"
    r = post(client, f"/api/v1/windows/{hall.w1.pk}/park", {"ticket": t2.pk, "note": "填表"}, **h)
    assert r.status_code == 200 and r.json()["ticket"]["status"] == "parked"
    r = post(client, f"/api/v1/windows/{hall.w1.pk}/resume", {"ticket": t2.pk}, **h)
    assert r.json()["ticket"]["status"] == "waiting"
    post(client, f"/api/v1/windows/{hall.w1.pk}/call", {"ticket": t2.pk}, **h)
    assert post(client, f"/api/v1/windows/{hall.w1.pk}/return", **h).status_code == 200
    post(client, f"/api/v1/windows/{hall.w1.pk}/call-next", **h)
    r = post(client, f"/api/v1/windows/{hall.w1.pk}/no-show", **h)
    assert r.json()["ticket"]["status"] == "no_show" and r.json()["ticket"]["number"] == t2.number
    r = client.get(f"/api/v1/windows/{hall.w1.pk}", **h)
    assert r.status_code == 200 and r.json()["current"] is None
    t1.refresh_from_db()
    assert (t1.queue_id, t1.status) == (hall.qd.pk, "waiting")


@pytest.mark.parametrize(
    "case",
    [
        "unknown_queue",
        "unknown_point",
        "closed_point",
        "closed_queue",
        "duplicate",
        "bad_phone",
        "priority_anon",
    ],
)
def test_bad_ticket_input_is_a_clear_4xx_and_changes_nothing(client, hall, case):
    services.ticket_issue(queue=hall.qa, phone="13812345678")
    data = {"point": "sc", "queue": "A", "phone": "13900000000"}
    expect = {
        "unknown_queue": (404, "queue_not_found"),
        "unknown_point": (404, "queue_not_found"),
        "closed_point": (409, "point_closed"),
        "closed_queue": (409, "queue_closed"),
        "duplicate": (409, "duplicate_live_ticket"),
        "bad_phone": (422, None),
        "priority_anon": (403, "priority_needs_guide"),
    }[case]
    if case == "unknown_queue":
        data["queue"] = "Z"
    elif case == "unknown_point":
        data["point"] = "nowhere"
    elif case == "closed_point":
        hall.point.open_weekdays = ""
        hall.point.save()
    elif case == "closed_queue":
        hall.qa.is_open = False
        hall.qa.save()
    elif case == "duplicate":
        data["phone"] = "13812345678"
    elif case == "bad_phone":
        data["phone"] = "12"
    elif case == "priority_anon":
        data["priority"] = True
    before = snapshot()
    audits = AuditEvent.objects.count()
    r = post(client, "/api/v1/tickets", data)
    assert r.status_code == expect[0], r.content
    body = r.json()
    assert set(body) >= {"code", "message"} and body["message"]
    if expect[1]:
        assert body["code"] == expect[1]
    assert snapshot() == before and AuditEvent.objects.count() == audits


def test_window_errors_are_4xx_and_change_nothing(client, hall):
    services.ticket_issue(queue=hall.qa)
    h = bearer(hall.clerk)
    before = snapshot()
    r = post(client, f"/api/v1/windows/{hall.w1.pk}/call-next", **h)
    assert r.status_code == 409 and r.json()["code"] == "window_closed"
    r = post(client, f"/api/v1/windows/{hall.w1.pk}/call-next")
    assert r.status_code == 401
    r = post(client, f"/api/v1/windows/{hall.w1.pk}/open", **bearer(hall.other_clerk))
    assert r.status_code == 403 and r.json()["code"] == "window_out_of_scope"
    r = post(client, f"/api/v1/windows/{hall.w1.pk}/open", **bearer(hall.world.reviewer))
    assert r.status_code == 403 and r.json()["code"] == "wrong_role"
    r = post(client, "/api/v1/windows/999999/call-next", **h)
    assert r.status_code == 404
    assert snapshot() == before
    post(client, f"/api/v1/windows/{hall.w1.pk}/open", **h)
    r = post(client, f"/api/v1/windows/{hall.w1.pk}/finish", **h)
    assert r.status_code == 409 and r.json()["code"] == "no_current_ticket"
    post(client, f"/api/v1/windows/{hall.w1.pk}/call-next", **h)
    r = post(client, f"/api/v1/windows/{hall.w1.pk}/finish", **h)
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    assert Ticket.objects.get().status == "called"
    r = post(client, f"/api/v1/windows/{hall.w1.pk}/call-next", **h)
    assert r.status_code == 409 and r.json()["code"] == "window_busy"
    r = post(client, f"/api/v1/windows/{hall.w1.pk}/return", **h)
    r = post(client, f"/api/v1/windows/{hall.w1.pk}/transfer", {"queue": hall.other_q.pk}, **h)
    assert r.status_code == 404
    # another district's ticket id is invisible from this window
    other = services.ticket_issue(queue=hall.other_q)
    r = post(client, f"/api/v1/windows/{hall.w1.pk}/call", {"ticket": other.pk}, **h)
    assert r.status_code == 404
    other.refresh_from_db()
    assert other.status == "waiting"
