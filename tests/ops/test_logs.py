"""Structured JSON logs with a request id, shared by the proxy, the response and every line."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.http import HttpResponse
from django.urls import path

from onetrip.ops.logs import JsonFormatter, RequestIdFilter, request_id_from

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_log():
    """The production handler (JSON formatter + request id filter) on the root logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


def test_every_request_gets_an_id_and_one_json_access_line(client, world, json_log):
    r = client.get("/matters/")
    rid = r["X-Request-ID"]
    assert len(rid) == 32
    lines = [e for e in json_log() if e["logger"] == "onetrip.request"]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == rid
    assert line["method"] == "GET" and line["status"] == 200
    assert line["route"] == "matters/" and line["duration_ms"] >= 0
    assert line["level"] == "INFO" and line["time"].endswith("+00:00")
    assert client.get("/matters/")["X-Request-ID"] != rid


def test_the_proxys_id_is_kept_when_well_formed(client, json_log):
    r = client.get("/health/live", HTTP_X_REQUEST_ID="haproxy-7f3a:42")
    assert r["X-Request-ID"] == "haproxy-7f3a:42"
    forged = 'x" level=ERROR\nfake line'
    r = client.get("/health/live", HTTP_X_REQUEST_ID=forged)
    assert r["X-Request-ID"] != forged and len(r["X-Request-ID"]) == 32
    assert [e["request_id"] for e in json_log()] == ["haproxy-7f3a:42", r["X-Request-ID"]]


def view_that_logs(request):
    logging.getLogger("onetrip.test").warning("inside %s", "the view", extra={"n": 3})
    return HttpResponse("ok")


urlpatterns = [path("logs/", view_that_logs)]


@pytest.mark.urls(__name__)
def test_lines_written_during_a_request_carry_its_id(client, json_log):
    r = client.get("/logs/")
    inside = [e for e in json_log() if e["logger"] == "onetrip.test"]
    assert len(inside) == 1
    assert inside[0]["request_id"] == r["X-Request-ID"]
    assert inside[0]["message"] == "inside the view" and inside[0]["n"] == 3
    assert inside[0]["level"] == "WARNING"


def test_paths_with_tokens_are_not_logged(client, json_log):
    client.get("/t/secret-tracking-token-123/")
    text = json.dumps(json_log())
    assert "secret-tracking-token-123" not in text


def test_formatter_outside_a_request_and_with_an_exception():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom %d", (1,), None)
    try:
        raise ValueError("bad")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    RequestIdFilter().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["request_id"] == "-" and entry["message"] == "boom 1"
    assert "ValueError: bad" in entry["exc"]


def test_request_id_from():
    assert request_id_from("abc-1") == "abc-1"
    assert len(request_id_from("a" * 65)) == 32
    assert len(request_id_from("")) == 32
    assert len(request_id_from(None)) == 32


def test_production_logs_are_json(settings):
    import subprocess
    import sys

    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.ONETRIP_LOG_FORMAT, settings.LOGGING['handlers']['console']['formatter'])",
        ],
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "onetrip.settings",
            "SECRET_KEY": "x" * 60,
            "ONETRIP_VAR": str(settings.VAR_DIR),
        },
        check=True,
    )
    assert out.stdout.split() == ["json", "json"]
