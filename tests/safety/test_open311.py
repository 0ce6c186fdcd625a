"""Open311 GeoReport v2: the specification's field names and error format, api_key for POST,
jurisdiction_id, and a real client library (``georeport`` from PyPI) talking to the running
server. ``georeport`` 0.3.1 has no POST or token call, so those go through ``requests``
(installed with it) against the same live server."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from onetrip.audit.models import AuditEvent
from onetrip.people.services import api_token_create
from onetrip.safety.models import Incident
from onetrip.safety.services import incident_report, incident_transition
from tests.factories import make_user
from tests.safety.conftest import wait_for_request_threads

REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long",
    "media_url",
}  # fmt: skip
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords",
                  "group"}  # fmt: skip


@pytest.fixture
def api_key(grid):
    app = make_user("civic-app", display_name="随手拍 App")
    _token, key = api_token_create(user=app, name="civic app")
    return key


def _assert_error(response, status):
    assert response.status_code == status
    body = response.json()
    assert isinstance(body, list) and set(body[0]) == {"code", "description"}
    assert body[0]["code"] == status and body[0]["description"]


@pytest.mark.django_db
def test_services_and_definitions(grid):
    c = Client()
    services = c.get("/open311/v2/services.json", {"jurisdiction_id": "sc"}).json()
    assert {s["service_code"] for s in services} == {
        "hazard", "dispute", "order", "environment", "other",
    }  # fmt: skip
    for s in services:
        assert set(s) == SERVICE_FIELDS and s["metadata"] is False and s["type"] == "realtime"
    definition = c.get("/open311/v2/services/dispute.json", {"jurisdiction_id": "sc"}).json()
    assert definition == {"service_code": "dispute", "attributes": []}
    _assert_error(c.get("/open311/v2/services/ufo.json", {"jurisdiction_id": "sc"}), 404)
    _assert_error(c.get("/open311/v2/services.json", {"jurisdiction_id": "nowhere"}), 404)
    _assert_error(c.get("/open311/v2/services.xml", {"jurisdiction_id": "sc"}), 400)


@pytest.mark.django_db
def test_jurisdiction_required_when_two_districts_have_a_grid(grid):
    # the test world's second district has a grid cell too: the caller must say which
    _assert_error(Client().get("/open311/v2/services.json"), 400)


@pytest.mark.django_db
def test_post_requires_api_key_and_writes_nothing_on_error(grid, api_key):
    c = Client()
    form = {"jurisdiction_id": "sc", "service_code": "hazard", "description": "井盖缺失",
            "lat": "30.2601", "long": "120.1672"}  # fmt: skip
    before = (Incident.objects.count(), AuditEvent.objects.count())
    _assert_error(c.post("/open311/v2/requests.json", form), 403)
    _assert_error(c.post("/open311/v2/requests.json", {**form, "api_key": "ot_wrong"}), 403)
    bad = [
        ({"service_code": "ufo"}, 404),
        ({"service_code": ""}, 400),
        ({"lat": "", "long": ""}, 400),
        ({"lat": "39.9", "long": "116.4"}, 400),  # Beijing: outside the district
        ({"description": ""}, 400),
        ({"jurisdiction_id": "xx"}, 404),
    ]
    for change, status in bad:
        _assert_error(
            c.post("/open311/v2/requests.json", {**form, "api_key": api_key, **change}), status
        )
    assert (Incident.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.django_db
def test_post_then_get_with_spec_fields(grid, api_key):
    c = Client()
    r = c.post(
        "/open311/v2/requests.json",
        {"api_key": api_key, "jurisdiction_id": "sc", "service_code": "hazard",
         "description": "消防通道被电动车堵塞", "lat": "30.2601", "long": "120.1672",
         "first_name": "小明", "last_name": "周", "phone": "13900003333",
         "account_id": "acct-7"},
    )  # fmt: skip
    assert r.status_code == 201
    (created,) = r.json()
    assert set(created) == {"service_request_id", "token", "service_notice", "account_id"}
    assert created["account_id"] == "acct-7" and "工作日" in created["service_notice"]
    incident = Incident.objects.get(number=created["service_request_id"])
    assert incident.cell == grid.cell_a and incident.channel == "open311"
    assert incident.state == "dispatched" and incident.reporter_name == "周 小明"

    (one,) = c.get(f"/open311/v2/requests/{incident.number}.json", {"jurisdiction_id": "sc"}).json()
    assert set(one) == REQUEST_FIELDS
    assert one["status"] == "open" and one["service_code"] == "hazard"
    assert one["agency_responsible"] == "区城市管理局"
    assert one["lat"] == pytest.approx(30.2601) and one["address_id"] == grid.cell_a.code
    assert dt.datetime.fromisoformat(one["requested_datetime"]).utcoffset() == dt.timedelta(hours=8)
    assert "周" not in str(one) and "13900003333" not in str(one)  # nothing personal

    token = c.get(f"/open311/v2/tokens/{created['token']}.json", {"jurisdiction_id": "sc"}).json()
    assert token == [{"service_request_id": incident.number, "token": created["token"]}]
    _assert_error(c.get("/open311/v2/tokens/nope.json", {"jurisdiction_id": "sc"}), 404)
    _assert_error(c.get("/open311/v2/requests/PA0.json", {"jurisdiction_id": "sc"}), 404)

    # closed requests show as closed with the result as status_notes
    incident_transition(incident=incident, action="accept", actor=grid.handler_cg)
    incident_transition(incident=incident, action="close", actor=grid.handler_cg, note="已清理通道")
    listing = c.get("/open311/v2/requests.json", {"jurisdiction_id": "sc", "status": "closed"})
    assert [(x["service_request_id"], x["status_notes"]) for x in listing.json()] == [
        (incident.number, "已清理通道")
    ]
    assert (
        c.get("/open311/v2/requests.json", {"jurisdiction_id": "sc", "status": "open"}).json() == []
    )
    _assert_error(c.get("/open311/v2/requests.json", {"jurisdiction_id": "sc", "status": "x"}), 400)
    _assert_error(
        c.get("/open311/v2/requests.json",
              {"jurisdiction_id": "sc", "start_date": "2020-01-01T00:00:00Z",
               "end_date": "2020-12-31T00:00:00Z"}),
        400,
    )  # fmt: skip
    _assert_error(
        c.get("/open311/v2/requests.json", {"jurisdiction_id": "sc", "start_date": "yesterday"}),
        400,
    )


@pytest.mark.django_db
def test_disputes_and_anonymous_reports_are_not_exposed(grid, api_key):
    incident = incident_report(
        district=grid.district, actor=grid.citizen, kind="dispute", anonymous=True,
        description="张三丰与邻居因漏水争执", cell_code=grid.cell_b.code,
    )  # fmt: skip
    body = str(Client().get("/open311/v2/requests.json", {"jurisdiction_id": "sc"}).json())
    assert incident.number in body and "张三丰" not in body and "漏水" not in body
    # another district's incidents are not listed under this jurisdiction
    other = incident_report(
        district=grid.other_district, actor=grid.other_operator, kind="hazard",
        description="灵隐路井盖缺失", cell_code=grid.other_cell.code,
    )  # fmt: skip
    assert other.number not in body
    r = Client().post(
        "/open311/v2/requests.json",
        {"api_key": api_key, "jurisdiction_id": "sc", "service_code": "order",
         "description": "深夜有人砸车", "address_string": "清波街 3 号"},
    )  # fmt: skip
    assert r.status_code == 201
    assert Incident.objects.get(number=r.json()[0]["service_request_id"]).anonymous


@pytest.mark.django_db
def test_anonymous_flood_per_device_is_429_with_retry_after(grid, api_key, settings):
    settings.ONETRIP_THROTTLE_RATES = {**settings.ONETRIP_THROTTLE_RATES, "safety_anon": "2/10m"}
    form = {"api_key": api_key, "jurisdiction_id": "sc", "service_code": "order",
            "description": "深夜有人砸车", "address_string": "清波街 3 号", "device_id": "d1"}  # fmt: skip
    c = Client()
    assert [c.post("/open311/v2/requests.json", form).status_code for _ in range(2)] == [201, 201]
    before = Incident.objects.count()
    refused = c.post("/open311/v2/requests.json", form)
    _assert_error(refused, 429)
    assert 60 < int(refused["Retry-After"]) <= 600 and Incident.objects.count() == before
    # another device has a bucket of its own
    assert c.post("/open311/v2/requests.json", {**form, "device_id": "d2"}).status_code == 201


@pytest.mark.django_db(transaction=True)
def test_real_client_library_against_live_server(live_server, grid, api_key, monkeypatch):
    import requests
    from georeport import GeoReport

    # one request per connection: no keep-alive thread outlives the test on the server side
    real_request = requests.sessions.Session.request

    def request(self, method, url, **kwargs):
        kwargs["headers"] = {**(kwargs.get("headers") or {}), "Connection": "close"}
        return real_request(self, method, url, **kwargs)

    monkeypatch.setattr(requests.sessions.Session, "request", request)

    root = f"{live_server.url}/open311/v2"
    client = GeoReport(root, jurisdiction="sc", api_key=api_key)
    services = client.get_service_list()
    assert "dispute" in {s["service_code"] for s in services}
    assert client.get_service_definition("hazard")["service_code"] == "hazard"

    # georeport cannot POST: the same server, spec form fields, through requests
    r = requests.post(
        f"{root}/requests.json",
        data={"api_key": api_key, "jurisdiction_id": "sc", "service_code": "environment",
              "description": "河坊街垃圾桶满溢", "address_string": "河坊街 20 号"},
        timeout=10,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    number = r.json()[0]["service_request_id"]
    token = r.json()[0]["token"]

    found = client.get_service_request(number)
    assert found["service_request_id"] == number and found["status"] == "open"
    assert found["address_id"] == grid.cell_b.code
    listed = client.get_service_requests(service_code="environment", status="open")
    assert [x["service_request_id"] for x in listed] == [number]
    assert (
        client.get_service_requests(service_request_id=number)[0]["service_code"] == "environment"
    )
    t = requests.get(f"{root}/tokens/{token}.json", params={"jurisdiction_id": "sc"}, timeout=10)
    assert t.json() == [{"service_request_id": number, "token": token}]
    # errors come back in the spec's format, which the library surfaces as HTTP errors
    with pytest.raises(requests.HTTPError) as err:
        client.get_service_request("PA000000")
    assert err.value.response.status_code == 404
    assert err.value.response.json()[0]["code"] == 404
    wait_for_request_threads()
