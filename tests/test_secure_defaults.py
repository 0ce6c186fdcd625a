"""Secure by default (issue 15): demo-only pages need the demo flag, production needs a real
secret key, `check --deploy` is clean in the documented production configuration, headers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.settings_probe import probe_json, run_python

ROOT = Path(__file__).resolve().parents[1]

#: Print the settings that matter here as JSON (or the error that loading them raised).
PROBE = """
import json, django
from django.conf import settings
try:
    django.setup()
    key = settings.SECRET_KEY
except Exception as exc:
    print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
else:
    print(json.dumps({
        "key": key, "hosts": settings.ALLOWED_HOSTS, "demo": settings.ONETRIP_DEMO,
        "session_secure": settings.SESSION_COOKIE_SECURE,
        "csrf_secure": settings.CSRF_COOKIE_SECURE, "hsts": settings.SECURE_HSTS_SECONDS,
    }))
"""


def _probe(tmp_path: Path, **extra: str) -> dict:
    return probe_json(tmp_path, PROBE, **extra)


def test_production_has_no_built_in_key_and_refuses_to_serve(tmp_path):
    assert "must not be empty" in _probe(tmp_path)["error"]
    wsgi = run_python(tmp_path, ["-c", "import onetrip.wsgi"])
    assert wsgi.returncode != 0 and "SECRET_KEY" in wsgi.stderr
    serve = run_python(tmp_path, ["-m", "onetrip.cli", "serve", "--no-migrate"])
    assert serve.returncode != 0 and "SECRET_KEY" in serve.stderr
    assert not (tmp_path / "var" / "secret_key").exists()


def test_demo_uses_a_generated_per_install_key(tmp_path):
    first = _probe(tmp_path, ONETRIP_DEMO="1")
    second = _probe(tmp_path, ONETRIP_DEMO="1")
    assert first["demo"] is True and len(first["key"]) >= 50
    assert first["key"] == second["key"]  # kept in ./var, so sessions survive a restart
    assert (tmp_path / "var" / "secret_key").read_text() == first["key"]
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o077 == 0
    assert "onetrip-demo" not in first["key"]
    other = tmp_path / "other"
    other.mkdir()
    assert _probe(other, ONETRIP_DEMO="1")["key"] != first["key"]  # per install


def test_production_defaults(tmp_path):
    prod = _probe(tmp_path, SECRET_KEY="x" * 60)
    assert prod["demo"] is False
    assert "testserver" not in prod["hosts"]
    assert prod["session_secure"] is False and prod["hsts"] == 0
    tls = _probe(tmp_path, SECRET_KEY="x" * 60, ONETRIP_TLS="1")
    assert tls["session_secure"] is True and tls["csrf_secure"] is True
    assert tls["hsts"] >= 365 * 24 * 3600


def test_check_deploy_is_clean_in_the_documented_production_configuration(tmp_path):
    key = "k3y-" + os.urandom(40).hex()
    out = run_python(
        tmp_path,
        ["-m", "onetrip.cli", "check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY=key,
        ALLOWED_HOSTS="onetrip.example.gov.cn",
        ONETRIP_TLS="1",
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout
    # ... and it is not clean without TLS: the check is not silenced.
    plain = run_python(
        tmp_path,
        ["-m", "onetrip.cli", "check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY=key,
        ALLOWED_HOSTS="onetrip.example.gov.cn",
    )
    assert plain.returncode != 0 and "security.W012" in plain.stderr + plain.stdout


@pytest.mark.django_db
def test_demo_sms_inbox_is_404_without_the_demo_flag(client, settings):
    settings.ONETRIP_DEMO = False
    assert client.get("/demo/sms/").status_code == 404
    assert client.get("/demo/sms/?phone=13900001111", HTTP_HX_REQUEST="true").status_code == 404
    assert "/demo/sms/" not in client.get("/").content.decode()
    settings.ONETRIP_DEMO = True
    assert client.get("/demo/sms/").status_code == 200
    assert "/demo/sms/" in client.get("/").content.decode()


def test_demo_command_sets_the_demo_flag(monkeypatch):
    from onetrip import cli

    seen = {}
    monkeypatch.delenv("ONETRIP_DEMO", raising=False)
    monkeypatch.setattr(
        "django.core.management.execute_from_command_line",
        lambda argv: seen.setdefault("flag", os.environ.get("ONETRIP_DEMO")),
    )
    cli.main(["demo", "--no-serve"])
    assert seen["flag"] == "1"


@pytest.mark.django_db
def test_security_headers(client):
    resp = client.get("/")
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert resp["Referrer-Policy"] == "same-origin"
    assert resp["X-Frame-Options"] == "DENY"
    policy = resp["Permissions-Policy"]
    assert "camera=()" in policy and "microphone=()" in policy
    api = client.get("/api/v1/does-not-exist")
    assert "Permissions-Policy" in api


@pytest.mark.django_db
def test_content_security_policy_allows_no_inline_script(client):
    resp = client.get("/")
    policy = resp["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert "Content-Security-Policy" in client.get("/api/v1/matters")


def test_no_template_carries_inline_script_or_handlers():
    """What the policy forbids, the templates do not use: page behaviours live in static files
    (onetrip/pages.js, queueing/board.js). JSON data blocks (json_script) are not scripts."""
    import re

    src = ROOT / "src" / "onetrip"
    script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>")
    handler = re.compile(r"\s(?:on[a-z]+|hx-on[:\w-]*)=\"", re.I)
    found = []
    for path in src.rglob("*.html"):
        text = path.read_text()
        found += [f"{path.relative_to(src)}: {m.group(0)}" for m in script.finditer(text)]
        found += [f"{path.relative_to(src)}: {m.group(0)}" for m in handler.finditer(text)]
    assert found == []


def _directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def test_content_security_policy_kept_per_process_is_django_csps(rf, settings):
    """The header text is built once (onetrip.web.middleware.CSPMiddleware) and is the text
    django-csp builds; a per-view policy and a nonce still get their own; new settings count."""
    from csp.utils import build_policy
    from django.http import HttpResponse

    from onetrip.web.middleware import CSPMiddleware

    middleware = CSPMiddleware(lambda request: HttpResponse("ok"))
    first = middleware(rf.get("/"))["Content-Security-Policy"]
    again = middleware(rf.get("/x"))["Content-Security-Policy"]
    assert first == again and _directives(first) == _directives(build_policy())
    assert "Content-Security-Policy-Report-Only" not in middleware(rf.get("/"))

    def updated(request):
        response = HttpResponse("ok")
        response._csp_update = {"img-src": ["https://maps.example"]}
        return response

    own = CSPMiddleware(updated)(rf.get("/"))["Content-Security-Policy"]
    assert _directives(own)["img-src"] == ["'self'", "data:", "blob:", "https://maps.example"]

    def with_nonce(request):
        str(request.csp_nonce)
        return HttpResponse("ok")

    request = rf.get("/")
    nonced = CSPMiddleware(with_nonce)(request)["Content-Security-Policy"]
    assert nonced == first  # the policy asks for no nonce: the same text

    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"script-src": ["'self'"]}}
    response = middleware(rf.get("/"))
    assert _directives(response["Content-Security-Policy"])["default-src"] == ["'none'"]
    report_only = _directives(response["Content-Security-Policy-Report-Only"])
    assert report_only == _directives(build_policy(report_only=True))
    assert report_only["script-src"] == ["'self'"]
