"""Run Python in a fresh process on the production settings (``onetrip.settings``), to see
what they answer for a given environment: the test process's own settings are the test ones.

The child starts from this process's environment without the variables that decide what the
settings answer (a key, debug, demo, hosts, TLS, a replica), with ``./var`` and an SQLite
database under ``tmp_path``; each test passes the ones it is about.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

#: Variables the child never inherits from the test process: each changes the settings.
SETTINGS_VARS = frozenset({"SECRET_KEY", "DEBUG", "ONETRIP_DEMO", "ALLOWED_HOSTS", "ONETRIP_TLS"})
#: ... nor any variable with one of these prefixes.
SETTINGS_PREFIXES = ("ONETRIP_REPLICA",)
#: Set by tests/conftest.py for Playwright only.
TEST_ONLY_VARS = frozenset({"DJANGO_ALLOW_ASYNC_UNSAFE"})


def probe_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The child's environment: see the module docstring; ``extra`` is added last."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in SETTINGS_VARS | TEST_ONLY_VARS and not k.startswith(SETTINGS_PREFIXES)
    }
    env.update(
        DJANGO_SETTINGS_MODULE="onetrip.settings",
        ONETRIP_VAR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **extra,
    )
    return env


def run_python(tmp_path: Path, args: list[str], **extra: str) -> subprocess.CompletedProcess:
    """``python *args`` in ``tmp_path`` with :func:`probe_env` (``extra`` added)."""
    return subprocess.run(
        [sys.executable, *args],
        env=probe_env(tmp_path, **extra),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def probe_json(tmp_path: Path, code: str, **extra: str) -> Any:
    """Run ``code`` (which prints one JSON value last) and answer that value."""
    out = run_python(tmp_path, ["-c", code], **extra)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])
