"""Abuse limits (onetrip.throttles): per client and per phone number for tickets (kiosk page and
API), appointments, SMS codes, pre-check look-ups, uploads and logins; 429 with Retry-After
(a localised page for pages, ``{"code", "message"}`` for the API); a body declared too large is
refused from its Content-Length before it is read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from onetrip.people import services as people_services
from onetrip.people.models import PhoneCode
from onetrip.queueing.models import Appointment, Ticket
from tests.queueing.conftest import build_hall
from tests.queueing.test_booking import make_slot

pytestmark = pytest.mark.django_db


@pytest.fixture
def hall(world):
    return build_hall(world)


@pytest.fixture
def rates(settings):
    """Set some scopes' rates for one test (the others keep their defaults)."""

    def set_rates(**scopes: str | None) -> None:
        settings.ONETRIP_THROTTLE_RATES = {**settings.ONETRIP_THROTTLE_RATES, **scopes}

    return set_rates


def client_at(address: str, **extra) -> Client:
    return Client(REMOTE_ADDR=address, **extra)


def assert_limited_page(response, *, english: bool = False) -> None:
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    text = response.content.decode()
    assert 'data-testid="throttled"' in text
    assert ("Too many requests" if english else "请求过于频繁") in text


def assert_limited_json(response) -> None:
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    body = response.json()
    assert body["code"] == "throttled" and body["message"]


# --- tickets ----------------------------------------------------------------------------------


def test_kiosk_tickets_per_client(hall, rates):
    rates(ticket="3/m")
    kiosk = client_at("10.0.0.1")
    for i in range(3):
        r = kiosk.post("/points/sc/kiosk/", {"queue": hall.qa.pk, "phone": f"1390000{i:04d}"})
        assert r.status_code == 302
    r = kiosk.post("/points/sc/kiosk/", {"queue": hall.qa.pk, "phone": "13900009999"})
    assert_limited_page(r)
    assert Ticket.objects.count() == 3
    # the page is localised
    r = client_at("10.0.0.1", HTTP_ACCEPT_LANGUAGE="en").post(
        "/points/sc/kiosk/", {"queue": hall.qa.pk}
    )
    assert_limited_page(r, english=True)
    # another kiosk is counted on its own
    r = client_at("10.0.0.2").post("/points/sc/kiosk/", {"queue": hall.qa.pk})
    assert r.status_code == 302


def test_api_tickets_per_client(hall, rates):
    rates(ticket="2/m")
    c = client_at("10.0.1.1")
    for i in range(2):
        r = c.post(
            "/api/v1/tickets",
            {"queue_id": hall.qa.pk, "phone": f"1380000{i:04d}"},
            content_type="application/json",
        )
        assert r.status_code == 201
    r = c.post("/api/v1/tickets", {"queue_id": hall.qa.pk}, content_type="application/json")
    assert_limited_json(r)
    assert Ticket.objects.count() == 2


def test_tickets_per_phone_number_across_clients(hall, rates):
    rates(ticket_phone="1/h")
    r = client_at("10.0.2.1").post(
        "/api/v1/tickets",
        {"queue_id": hall.qa.pk, "phone": "13700000001"},
        content_type="application/json",
    )
    assert r.status_code == 201
    # the same number from another client, another queue: refused by the number's count
    r = client_at("10.0.2.2").post(
        "/api/v1/tickets",
        {"queue_id": hall.qd.pk, "phone": "137 0000 0001"},
        content_type="application/json",
    )
    assert_limited_json(r)
    r = client_at("10.0.2.3").post(
        "/points/sc/kiosk/", {"queue": hall.qd.pk, "phone": "13700000001"}
    )
    assert_limited_page(r)
    assert Ticket.objects.count() == 1


# --- appointments ------------------------------------------------------------------------------


def test_appointments_per_client_and_per_phone(hall, rates):
    rates(appointment="2/m", appointment_phone="1/h")
    slot = make_slot(hall.qa, timezone.now() + dt.timedelta(hours=3), capacity=10)
    c = client_at("10.0.3.1")
    assert c.post("/points/sc/book/", {"slot": slot.pk, "phone": "13900000001"}).status_code == 302
    # same number, another client
    r = client_at("10.0.3.2").post("/points/sc/book/", {"slot": slot.pk, "phone": "13900000001"})
    assert_limited_page(r)
    assert c.post("/points/sc/book/", {"slot": slot.pk, "phone": "13900000002"}).status_code == 302
    r = c.post("/points/sc/book/", {"slot": slot.pk, "phone": "13900000003"})
    assert_limited_page(r)
    assert Appointment.objects.count() == 2


# --- SMS codes ---------------------------------------------------------------------------------


@pytest.fixture
def sms(monkeypatch):
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(
        people_services, "_send_sms_code", lambda *, phone, code: sent.append((phone, code))
    )
    return sent


def test_sms_codes_to_many_numbers_from_one_client(sms, rates):
    rates(sms_code="3/h")
    c = client_at("10.0.4.1")
    for i in range(3):
        r = c.post("/accounts/register/code/", {"phone": f"1350000{i:04d}"}, HTTP_HX_REQUEST="true")
        assert r.status_code == 200
    r = c.post("/accounts/register/code/", {"phone": "13500009999"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert 'data-testid="throttled"' in r.content.decode()  # an htmx fragment, not a page
    assert len(sms) == 3 and PhoneCode.objects.count() == 3


def test_sms_codes_per_phone_across_clients(sms, rates):
    rates(sms_code_phone="1/h")
    assert (
        client_at("10.0.5.1").post("/accounts/register/code/", {"phone": "13600000001"}).status_code
        == 200
    )
    r = client_at("10.0.5.2").post("/accounts/register/code/", {"phone": "13600000001"})
    assert_limited_page(r)
    assert len(sms) == 1


# --- pre-check look-ups --------------------------------------------------------------------------


def test_precheck_page_per_client(world, rates):
    rates(precheck="2/m")
    c = client_at("10.0.6.1")
    for _ in range(2):
        r = c.post(f"/guide/precheck/?district={world.district.code}", {"matter": "nope"})
        assert r.status_code != 429
    r = c.post(f"/guide/precheck/?district={world.district.code}", {"matter": "nope"})
    assert_limited_page(r)
    # reading the page is not counted
    assert c.get(f"/guide/precheck/?district={world.district.code}").status_code == 200


def test_precheck_api_per_client(world, rates):
    rates(precheck="1/m")
    c = client_at("10.0.6.2")
    body = {"matter": "nope", "applicant": {"kind": "person", "number": ""}}
    assert c.post("/api/v1/precheck", body, content_type="application/json").status_code != 429
    assert_limited_json(c.post("/api/v1/precheck", body, content_type="application/json"))


def test_signed_in_staff_are_counted_per_person(world, rates):
    """Guides at one hall share its address: each is counted on their own (``_token`` rate)."""
    from tests.factories import make_user

    rates(precheck="1/m", precheck_token="3/m")
    guides = [make_user(f"g{i}", "guide", point=world.district) for i in range(2)]
    for guide in guides:
        c = client_at("10.0.6.3")
        c.force_login(guide)
        for _ in range(3):
            r = c.post(f"/guide/precheck/?district={world.district.code}", {"matter": "x"})
            assert r.status_code != 429
        assert_limited_page(c.post(f"/guide/precheck/?district={world.district.code}", {}))


# --- uploads -------------------------------------------------------------------------------------


def test_tracking_uploads_per_client(rates):
    rates(upload="2/m")
    c = client_at("10.0.7.1")
    for _ in range(2):
        assert c.post("/t/no-such-token/upload/", {"material": "1"}).status_code != 429
    assert_limited_page(c.post("/t/no-such-token/upload/", {"material": "1"}))


def test_api_uploads_per_client(rates):
    rates(upload="1/m")
    c = client_at("10.0.7.2")
    r = c.post("/api/v1/track/no-such-token/files", {"material": "1"})
    assert r.status_code != 429
    assert_limited_json(c.post("/api/v1/track/no-such-token/files", {"material": "1"}))


@pytest.mark.parametrize(
    "path", ["/api/v1/track/tok/files", "/t/tok/upload/", "/points/sc/kiosk/", "/api/v1/tickets"]
)
def test_body_declared_too_large_is_refused_before_reading(path, settings):
    settings.ONETRIP_MAX_REQUEST_BYTES = 1024 * 1024
    declared = 200 * 1024 * 1024
    # The body actually sent is 10 bytes: reading the declared 200 MB from it would fail
    # loudly in the test client, so a 413 here means nothing read it.
    r = Client().generic(
        "POST",
        path,
        b"0123456789",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(declared),
    )
    assert r.status_code == 413
    if path.startswith("/api/"):
        assert r.json()["code"] == "too_large"
    else:
        assert "过大" in r.content.decode()


def test_a_body_within_the_limit_still_arrives(hall, settings):
    settings.ONETRIP_MAX_REQUEST_BYTES = 1024 * 1024
    r = Client().post("/points/sc/kiosk/", {"queue": hall.qa.pk})
    assert r.status_code == 302


# --- logins ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_password_guessing_across_usernames_per_client(url, rates, world):
    rates(login="3/10m")
    c = client_at("10.0.8.1")
    for i in range(3):
        r = c.post(url, {"username": f"nobody{i}", "password": "guess-guess-1"})
        assert r.status_code == 200  # the form again, with its error
    assert_limited_page(c.post(url, {"username": "nobody9", "password": "guess-guess-1"}))
    assert c.get(url).status_code == 200  # the form itself is still shown
