"""/prometheus/metrics: django-prometheus request figures and the ticket and case counters."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from onetrip.people.services import api_token_create

pytestmark = pytest.mark.django_db


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one series in the exposition text (0 when absent)."""
    total = 0.0
    for line in text.splitlines():
        m = re.match(rf"^{name}(?:\{{(.*)\}})? (\S+)$", line)
        if not m:
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            total += float(m.group(2))
    return total


def scrape(client) -> str:
    r = client.get("/prometheus/metrics")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/plain")
    return r.content.decode()


def test_counts_requests_tickets_and_calls(client, hall, django_capture_on_commit_callbacks):
    before = scrape(client)
    with django_capture_on_commit_callbacks(execute=True):  # counted once committed
        r = client.post(
            "/api/v1/tickets",
            {"point": "sc", "queue": "a", "phone": "13812345678"},
            content_type="application/json",
        )
    assert r.status_code == 201, r.content
    _, key = api_token_create(user=hall.clerk, name="t")
    h = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    client.post(f"/api/v1/windows/{hall.w1.pk}/open", content_type="application/json", **h)
    r = client.post(f"/api/v1/windows/{hall.w1.pk}/call-next", content_type="application/json", **h)
    assert r.status_code == 200, r.content
    after = scrape(client)
    name = "onetrip_tickets_issued_total"
    assert sample(after, name, channel="kiosk") == sample(before, name, channel="kiosk") + 1
    name = "onetrip_tickets_called_total"
    assert sample(after, name) == sample(before, name) + 1
    name = "django_http_requests_total_by_method_total"
    assert sample(after, name, method="POST") >= sample(before, name, method="POST") + 3
    name = "django_http_responses_total_by_status_total"
    assert sample(after, name, status="201") >= sample(before, name, status="201") + 1
    # the latency by view (docs/deploy.md), one observation per request
    name = "django_http_requests_latency_seconds_by_view_method_count"
    assert sample(after, name, method="POST") >= sample(before, name, method="POST") + 3
    assert sample(after, name, view="api:ticket_create") > 0


def test_only_the_documented_request_series_are_recorded(client, hall):
    """The request middleware records what docs/deploy.md lists (by method, by status, latency
    by view; before/after totals) and not django-prometheus' other per-request series (body
    sizes, charsets, transports, status by view), which cost every request and nobody reads."""
    client.get("/")
    text = scrape(client)
    assert sample(text, "django_http_requests_total_by_method_total", method="GET") >= 1
    assert sample(text, "django_http_responses_total_by_status_total", status="200") >= 1
    for dropped in (
        "django_http_requests_total_by_transport_total",
        "django_http_requests_body_total_bytes_count",
        "django_http_responses_body_total_bytes_count",
        "django_http_responses_total_by_charset_total",
        "django_http_responses_total_by_status_view_method_total",
        "django_http_requests_total_by_view_transport_method_total",
    ):
        assert sample(text, dropped) == 0, dropped


def test_not_for_the_public(client, settings):
    # through the proxy (X-Forwarded-For) or from another host: 404 without the token
    assert client.get("/prometheus/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 404
    assert Client(REMOTE_ADDR="203.0.113.9").get("/prometheus/metrics").status_code == 404
    settings.ONETRIP_METRICS_TOKEN = "s3cret-scrape-token"
    assert client.get("/prometheus/metrics").status_code == 404  # loopback needs it too now
    ok = client.get(
        "/prometheus/metrics",
        HTTP_AUTHORIZATION="Bearer s3cret-scrape-token",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert ok.status_code == 200
    assert client.get("/prometheus/metrics", HTTP_AUTHORIZATION="Bearer é").status_code == 404
