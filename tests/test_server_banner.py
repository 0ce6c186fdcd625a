"""Issue 15 item 7: no ``Server`` banner. gunicorn sent ``Server: gunicorn`` in every response;
``onetrip serve`` runs it with onetrip.web.gunicorn_conf, which drops the line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _headers(port: int) -> dict[str, str]:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/favicon.ico", timeout=5) as r:
                return dict(r.headers)
        except urllib.error.HTTPError as exc:  # any answer will do: its headers are checked
            return dict(exc.headers)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.mark.parametrize("with_config", [False, True])
def test_gunicorn_sends_no_server_banner_with_our_config(tmp_path: Path, with_config: bool):
    port = _free_port()
    env = {
        **os.environ,
        "SECRET_KEY": "banner-test-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "ONETRIP_VAR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "onetrip.settings",
    }
    config = ["--config", "python:onetrip.web.gunicorn_conf"] if with_config else []
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "onetrip.wsgi:application", *config,
         "--bind", f"127.0.0.1:{port}", "--workers", "1", "--log-level", "warning"],
        env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        headers = {k.lower(): v for k, v in _headers(port).items()}
    finally:
        server.terminate()
        server.wait(timeout=30)
    if with_config:
        assert "server" not in headers, headers
    else:  # the check can fail: plain gunicorn does send it
        assert headers.get("server", "").startswith("gunicorn")


def test_serve_passes_the_config():
    from onetrip.web.management.commands import serve

    source = Path(serve.__file__).read_text()
    assert '"python:onetrip.web.gunicorn_conf"' in source
