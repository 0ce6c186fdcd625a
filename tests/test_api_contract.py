"""Issue 15, schemathesis: the OpenAPI document says what the server accepts and sends, so a
request the document calls valid is accepted and one it calls invalid is refused.

Each behaviour schemathesis reported as off the document, kept by a test: fields a body does not
declare refused; strict JSON types (``until=0`` is no date, ``1`` no boolean); shape rules in
the schema (minimum lengths that ignore white space at the ends, enums of states and actions,
fields that must come together); local times sent as the document says; uploads' 413/415
documented; the platform-wide input limits (numbers, text length) written on every input; the
optional token auth declared; and the document built once per process."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from onetrip.apischema import MAX_INPUT_CHARS
from onetrip.db import MAX_ID

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def document():
    from onetrip.api import api

    return api.get_openapi_schema()


def _post(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def test_the_document_is_built_once_and_handed_out_as_copies(monkeypatch):
    from onetrip.api import OneTripAPI, api

    api.__dict__.pop("_openapi_cache", None)
    built = []
    real = OneTripAPI._build_openapi_schema

    def counting(self, prefix):
        built.append(prefix)
        return real(self, prefix)

    monkeypatch.setattr(OneTripAPI, "_build_openapi_schema", counting)
    first = api.get_openapi_schema()
    first["paths"].clear()  # a caller changing its copy changes nothing for the next one
    second = Client().get("/api/openapi.json", HTTP_HOST="localhost").json()
    third = api.get_openapi_schema()
    assert built == ["/api/"]
    assert len(third["paths"]) > 60 and set(second["paths"]) == set(third["paths"])


def test_optional_token_auth_is_declared(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert "OptionalAuth" not in schemes
    optional = document["paths"]["/api/v1/tickets"]["post"]["security"]
    assert optional == [{}, {"TokenAuth": []}]
    assert {"TokenAuth": []} in document["paths"]["/api/v1/cases"]["post"]["security"]
    # the hall board is public and ignores tokens: no security at all
    assert "security" not in document["paths"]["/api/v1/points/{code}/board"]["get"]


def test_input_limits_and_upload_statuses_are_documented(document):
    schemas = document["components"]["schemas"]
    assert schemas["TicketIn"]["additionalProperties"] is False
    assert schemas["TicketIn"]["properties"]["phone"]["maxLength"] == MAX_INPUT_CHARS
    path_id = next(
        p["schema"]
        for p in document["paths"]["/api/v1/windows/{window_id}"]["get"]["parameters"]
        if p["name"] == "window_id"
    )
    assert path_id["maximum"] == MAX_ID and path_id["minimum"] == -MAX_ID
    upload = document["paths"]["/api/v1/cases/{number}/materials"]["post"]["responses"]
    assert {413, 415} <= {int(s) for s in upload}
    # responses are not capped: a case's minutes may be longer than any one input
    assert "maxLength" not in schemas["FacilityOut"]["properties"]["name"]


def test_every_bound_is_json_schema(document):
    """A bound pydantic could not apply shows up as a raw ``ge``/``le`` key (schemathesis then
    generated 0 and negative ids as valid): none is left."""
    raw = []

    def walk(node, where):
        if isinstance(node, dict):
            raw.extend(f"{where}: {k}" for k in ("ge", "le", "gt", "lt") if k in node)
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")

    walk(document, "")
    assert raw == []
    slot = document["components"]["schemas"]["BookingIn"]["properties"]["slot_id"]
    assert (slot["minimum"], slot["maximum"]) == (1, MAX_ID)


def test_local_times_are_sent_as_the_document_says(document):
    from onetrip.community import services as community
    from tests.factories import make_world

    w = make_world()
    community.complex_ensure(point=w.community)
    spec = document["components"]["schemas"]["FacilityOut"]["properties"]["opens_at"]
    assert "format" not in spec
    body = Client().get(f"/api/v1/community/complexes/{w.community.code}").json()
    assert body["facilities"]
    for facility in body["facilities"]:
        for key in ("opens_at", "closes_at"):
            assert re.fullmatch(spec["pattern"], facility[key]), facility[key]


def test_unknown_fields_and_lax_types_are_refused_and_nothing_written(world):
    from onetrip.people.services import api_token_create
    from onetrip.queueing.models import Ticket
    from tests.queueing.conftest import build_hall

    hall = build_hall(world)
    _, key = api_token_create(user=world.manager, name="contract")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    client = Client()
    refused = [
        ("/api/v1/tickets", {"queue_id": hall.qa.pk, "unexpected": 1}, "unexpected"),
        ("/api/v1/tickets", {"queue_id": str(hall.qa.pk)}, "queue_id"),  # a string, not an id
        ("/api/v1/tickets", {"queue_id": hall.qa.pk, "priority": 1}, "priority"),
        ("/api/v1/tickets", {"queue_id": hall.qa.pk, "slot_start": 0}, "slot_start"),
        ("/api/v1/tickets", {"point": "", "queue": "A"}, "point"),
    ]
    for url, body, field in refused:
        resp = _post(client, url, body)
        assert resp.status_code == 422, (body, resp.content)
        assert resp.json()["code"] == "validation_failed"
        assert field in resp.json()["fields"], (body, resp.json())
    # neither queue_id nor point + queue: the document's anyOf, checked by the view
    neither = _post(client, "/api/v1/tickets", {"phone": "13800000000"})
    assert (neither.status_code, neither.json()["code"]) == (422, "queue_required")
    assert Ticket.objects.count() == 0
    ok = _post(client, "/api/v1/tickets", {"point": world.district.code, "queue": "A"})
    assert ok.status_code == 201, ok.content
    # 7.0 is an integer in JSON Schema; a phone number as the document's pattern allows it
    body = {"queue_id": float(hall.qa.pk), "phone": " +86 138-0000-0001 "}
    ok = _post(client, "/api/v1/tickets", body)
    assert ok.status_code == 201, ok.content
    assert (
        _post(client, "/api/v1/tickets", {"queue_id": hall.qa.pk, "phone": "  "}).status_code == 422
    )
    # a window call names its ticket (the schema requires it)
    call = _post(client, f"/api/v1/windows/{hall.w1.pk}/call", {}, **auth)
    assert call.status_code == 422 and "ticket" in call.json()["fields"]


def test_dates_only_in_iso_form(world):
    from onetrip.people.services import api_token_create

    _, key = api_token_create(user=world.manager, name="contract")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/metrics?until=2026-03-01").status_code == 200
    for bad in ("0", "20260301", "1700000000"):
        resp = client.get(f"/api/v1/metrics?until={bad}")
        assert resp.status_code == 422 and "until" in resp.json()["fields"], bad


def test_precheck_kinds_are_the_cases_codes(document):
    kinds = document["components"]["schemas"]["PreCheckApplicantIn"]["properties"]["kind"]
    assert kinds["enum"] == ["person", "company", "founder", "agent"]
    resp = _post(Client(), "/api/v1/precheck", {"matter": "x", "applicant": {"kind": "individual"}})
    assert resp.status_code == 422 and "applicant.kind" in resp.json()["fields"]


def test_one_of_two_identifiers_for_a_home_visit(document, world):
    spec = document["components"]["schemas"]["HomeVisitIn"]
    assert spec["oneOf"] == [
        {"required": ["applicant_id_number"]},
        {"required": ["company_credit_code"]},
    ]
    from onetrip.homevisits.models import HomeVisit
    from onetrip.people.services import api_token_create

    _, key = api_token_create(user=world.manager, name="contract")
    base = {"matter": world.senior_card.code, "reason": "senior", "address": "某路1号"}
    base["phone"] = "13800000001"
    both = base | {"applicant_id_number": "1", "company_credit_code": "2"}
    for body in (base, both):
        resp = _post(Client(), "/api/v1/home-visits", body, HTTP_AUTHORIZATION=f"Bearer {key}")
        assert resp.status_code == 422, resp.content
    assert HomeVisit.objects.count() == 0
