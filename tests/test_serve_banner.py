"""Issue 15: no ``Server`` banner when ``onetrip serve`` answers directly, under granian (the
default) and gunicorn: a real server on a loopback port, a real request. (HAProxy drops the
header in deploy/; this is the app server on its own.)"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _headers_of_a_served_request(tmp_path: Path, server: str) -> dict[str, str]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "ONETRIP_VAR": str(tmp_path / "var"),
        "SECRET_KEY": "banner-test-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "ONETRIP_LOG_FORMAT": "json",
        "WEB_CONCURRENCY": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    argv = [sys.executable, "-m", "onetrip.cli", "serve", "--no-migrate", "--server", server]
    proc = subprocess.Popen(
        [*argv, "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # stopped as a group: no worker outlives its server
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=5) as r:
                    assert r.status == 200
                    return {k.lower(): v for k, v in r.headers.items()}
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(proc.stderr.read().decode()[-2000:]) from None
                time.sleep(0.3)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.mark.parametrize("server", ["granian", "gunicorn"])
def test_serve_sends_no_server_banner(tmp_path, server):
    headers = _headers_of_a_served_request(tmp_path, server)
    assert "content-type" in headers  # a real response, with its headers
    assert headers.get("server", "") == "", headers  # no product name, no version
