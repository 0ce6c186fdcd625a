"""Issue 15 item 6: API writes made with a browser session need the CSRF token; token clients
and anonymous callers are unaffected."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from onetrip.queueing.models import Ticket

pytestmark = pytest.mark.django_db


def _body(hall, **extra) -> str:
    return json.dumps({"queue_id": hall.qg.pk, "priority": True, **extra})


def test_a_cross_origin_text_plain_post_with_a_session_is_refused(hall):
    """What was seen: a form on another site posted text/plain JSON with the guide's session
    cookie and got a priority ticket."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(hall.guide)
    resp = browser.post(
        "/api/v1/tickets",
        data=_body(hall),
        content_type="text/plain",
        HTTP_ORIGIN="https://evil.example",
    )
    assert resp.status_code == 403
    assert resp.json()["code"] == "csrf_failed" and resp.json()["message"]
    # ... the same without an Origin header (no token) and with JSON: refused too
    resp = browser.post("/api/v1/tickets", data=_body(hall), content_type="application/json")
    assert resp.status_code == 403
    assert Ticket.objects.count() == 0


def test_the_same_session_with_its_csrf_token_may_write(hall):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(hall.guide)
    browser.get("/accounts/login/")  # any page with a form sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    resp = browser.post(
        "/api/v1/tickets",
        data=_body(hall),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert resp.status_code == 201, resp.content
    assert Ticket.objects.get().priority is True


def test_token_clients_and_anonymous_callers_need_no_csrf_token(hall):
    from onetrip.people.services import api_token_create

    _, key = api_token_create(user=hall.guide, name="window zero")
    client = Client(enforce_csrf_checks=True)
    resp = client.post(
        "/api/v1/tickets",
        data=_body(hall),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert resp.status_code == 201, resp.content
    anonymous = Client(enforce_csrf_checks=True)
    resp = anonymous.post(
        "/api/v1/tickets",
        data=json.dumps({"queue_id": hall.qa.pk}),
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    assert Ticket.objects.count() == 2
