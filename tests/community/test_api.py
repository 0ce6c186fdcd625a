"""The community API: contract, error format, per-object permissions; a refused call writes
nothing."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from onetrip.audit.models import AuditEvent
from onetrip.community import services
from onetrip.community.models import Booking, Decision, Slot, Topic, TopicSupport
from onetrip.people.services import api_token_create
from tests.community.conftest import at

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    _token, key = api_token_create(user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def post(c: Client, url: str, body=None):
    return c.post(url, data=json.dumps(body or {}), content_type="application/json")


def counts():
    return (
        Booking.objects.count(),
        list(Slot.objects.order_by("pk").values_list("booked", "status")),
        Topic.objects.count(),
        TopicSupport.objects.count(),
        Decision.objects.count(),
        AuditEvent.objects.count(),
    )


def assert_error(resp, status: int, code: str):
    assert resp.status_code == status, resp.content
    body = resp.json()
    assert body["code"] == code and body["message"], body


def test_public_reads(cw):
    c = Client()
    lst = c.get("/api/v1/community/complexes").json()
    assert {x["code"] for x in lst} == {"sc-hubin-dongpo", "sc-qingbo-qb"}  # not the other district
    assert {x["code"] for x in c.get("/api/v1/community/complexes?district=xh").json()} == {
        "xh-bs-sl"
    }
    detail = c.get("/api/v1/community/complexes/sc-hubin-dongpo").json()
    kinds = [f["kind"] for f in detail["facilities"] if f["core"]]
    assert kinds == ["hall", "post", "workshop"]
    assert any(f["name"] == "老年食堂" and not f["core"] for f in detail["facilities"])
    hall = detail["facilities"][0]
    assert (hall["opens_at"], hall["closes_at"]) == ("08:30:00", "20:00:00")
    assert detail["slots"][0]["places_left"] == 2
    assert_error(c.get("/api/v1/community/complexes/nowhere"), 404, "complex_not_found")
    assert "/api/v1/community/bookings" in c.get("/api/openapi.json").json()["paths"]


def test_booking_flow_and_refusals(cw):
    r1, r2, r3 = client_for(cw.r1), client_for(cw.r2), client_for(cw.r3)
    url = "/api/v1/community/bookings"
    resp = post(r1, url, {"slot_id": cw.slot.pk})
    assert resp.status_code == 201, resp.content
    assert resp.json()["status"] == "confirmed" and resp.json()["slot"]["places_left"] == 1
    post(r2, url, {"slot_id": cw.slot.pk})
    before = counts()
    for client, body, status, code in [
        (r1, {"slot_id": cw.slot.pk}, 409, "already_booked"),
        (r3, {"slot_id": cw.slot.pk}, 409, "slot_full"),
        (r3, {"slot_id": 99999999}, 404, "slot_not_found"),
        (r3, {"slot_id": "abc"}, 422, "validation_failed"),
        (r3, {"slot_id": -1}, 422, "validation_failed"),
        (r3, {"slot_id": 2**70}, 422, "validation_failed"),
        (r3, {}, 422, "validation_failed"),
        (Client(), {"slot_id": cw.slot.pk}, 401, "not_authenticated"),
    ]:
        assert_error(post(client, url, body), status, code)
    bad_json = r3.post(url, data="{not json", content_type="application/json")
    assert bad_json.status_code == 400 and bad_json.json()["message"]
    assert counts() == before
    resp = post(r3, url, {"slot_id": cw.slot.pk, "waitlist": True})
    assert resp.status_code == 201 and resp.json()["status"] == "waiting"
    assert resp.json()["waiting_position"] == 1
    mine = r1.get(url).json()
    assert [b["status"] for b in mine] == ["confirmed"]
    # someone else's booking: not found; own: cancelled, the waiting one promoted
    bid = mine[0]["id"]
    assert_error(post(r2, f"{url}/{bid}/cancel"), 404, "booking_not_found")
    assert post(r1, f"{url}/{bid}/cancel").json()["status"] == "cancelled"
    assert r3.get(url).json()[0]["status"] == "confirmed"
    assert_error(post(r1, f"{url}/{bid}/cancel"), 409, "wrong_state")


def test_past_and_closed_slots(cw):
    r1 = client_for(cw.r1)
    services.slot_transition(slot=cw.slot, action="close", actor=cw.social)
    before = counts()
    assert_error(
        post(r1, "/api/v1/community/bookings", {"slot_id": cw.slot.pk}), 409, "slot_closed"
    )
    Slot.objects.filter(pk=cw.slot.pk).update(
        status="open", starts_at=at(-1, 10), ends_at=at(-1, 11)
    )
    assert_error(post(r1, "/api/v1/community/bookings", {"slot_id": cw.slot.pk}), 409, "slot_past")
    assert counts()[0] == before[0] and AuditEvent.objects.count() == before[-1]


def test_staff_publish_slot_per_complex(cw):
    url = "/api/v1/community/complexes/sc-hubin-dongpo/slots"
    body = {
        "facility_id": cw.classroom.pk,
        "kind": "activity",
        "title": "老年智能手机课",
        "starts_at": at(4, 9).isoformat(),
        "ends_at": at(4, 10).isoformat(),
        "capacity": 12,
    }
    social, social2, r1, xh = (client_for(u) for u in (cw.social, cw.social2, cw.r1, cw.xh_manager))
    before = counts()
    assert_error(post(social2, url, body), 403, "not_allowed")
    assert_error(post(r1, url, body), 403, "not_allowed")
    assert_error(post(xh, url, body), 403, "not_allowed")
    assert_error(post(social, url, {**body, "facility_id": 10**9}), 404, "facility_not_found")
    naive = {**body, "starts_at": "2001-01-01T09:00:00", "ends_at": "2001-01-01T10:00:00"}
    assert_error(post(social, url, naive), 422, "slot_past")
    assert counts() == before
    resp = post(social, url, body)
    assert resp.status_code == 201 and resp.json()["capacity"] == 12
    # a wall-clock time without offset means Asia/Shanghai
    local = {
        **body,
        "starts_at": at(5, 9).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": at(5, 10).strftime("%Y-%m-%dT%H:%M"),
    }
    assert post(social, url, local).status_code == 201


def test_topic_flow_via_api(cw):
    r1, r2, staff = client_for(cw.r1), client_for(cw.r2), client_for(cw.social)
    base = "/api/v1/community"
    resp = post(
        r1,
        f"{base}/complexes/sc-hubin-dongpo/topics",
        {"title": "加装楼道扶手", "body": "老楼没有电梯，老人上下楼需要扶手，建议统一加装。"},
    )
    assert resp.status_code == 201, resp.content
    tid = resp.json()["id"]
    # the minimum lengths are in the document now: pydantic refuses them, per field
    short = post(r1, f"{base}/complexes/sc-hubin-dongpo/topics", {"title": "短", "body": "x"})
    assert_error(short, 422, "validation_failed")
    assert {"title", "body"} <= short.json()["fields"].keys()
    # white space at the ends does not count (the service strips it), in the document too
    blank = {"title": "  短  ", "body": "          x"}
    assert_error(
        post(r1, f"{base}/complexes/sc-hubin-dongpo/topics", blank), 422, "validation_failed"
    )
    assert post(r2, f"{base}/topics/{tid}/support").json()["support_count"] == 1
    before = counts()
    assert_error(post(r2, f"{base}/topics/{tid}/support"), 409, "already_supported")
    assert_error(post(Client(), f"{base}/topics/{tid}/support"), 401, "not_authenticated")
    assert_error(
        post(r2, f"{base}/topics/{tid}/actions", {"action": "to_agenda"}), 403, "not_allowed"
    )
    assert counts() == before
    m = post(
        staff,
        f"{base}/complexes/sc-hubin-dongpo/meetings",
        {"title": "议事会", "starts_at": at(2, 19).isoformat()},
    )
    assert m.status_code == 201, m.content
    mid = m.json()["id"]
    t = post(
        staff, f"{base}/topics/{tid}/actions", {"action": "schedule", "meeting_id": mid}
    ).json()
    assert t["state"] == "scheduled"
    post(
        staff,
        f"{base}/meetings/{mid}/actions",
        {"action": "hold", "minutes": "到会 18 人，一致同意加装扶手。"},
    )
    t = post(
        staff,
        f"{base}/topics/{tid}/actions",
        {
            "action": "decide",
            "text": "为 3 幢加装楼道扶手",
            "owner_name": "社区居委会",
            "due_date": at(20, 9).date().isoformat(),
        },
    ).json()
    assert t["state"] == "decided" and t["decisions"][0]["owner_name"] == "社区居委会"
    did = t["decisions"][0]["id"]
    follow = Client().get(f"{base}/complexes/sc-hubin-dongpo").json()["followups"]
    assert [d["id"] for d in follow] == [did]
    assert_error(
        post(r2, f"{base}/decisions/{did}/actions", {"action": "finish", "note": "好了"}),
        403,
        "not_allowed",
    )
    d = post(
        staff, f"{base}/decisions/{did}/actions", {"action": "finish", "note": "已安装"}
    ).json()
    assert d["state"] == "done" and d["updates"][-1]["note"] == "已安装"
    assert Client().get(f"{base}/topics/{tid}").json()["state"] == "done"
    assert Client().get(f"{base}/complexes/sc-hubin-dongpo").json()["followups"] == []
    # the states are an enum of the document: the schema refuses another one
    weird = Client().get(f"{base}/complexes/sc-hubin-dongpo/topics?state=weird")
    assert_error(weird, 422, "validation_failed")
    assert "state" in weird.json()["fields"]
