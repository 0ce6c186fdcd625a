"""Every ONETRIP_* setting the apps read is declared in settings.py, and no app reads one from
the environment or with a fallback of its own."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

SRC = Path(__file__).resolve().parents[1] / "src" / "onetrip"


def _app_sources():
    for path in SRC.rglob("*.py"):
        if path.name != "settings.py" and "migrations" not in path.parts:
            yield path, path.read_text(encoding="utf-8")


def test_every_onetrip_setting_read_is_declared():
    read = set()
    for _path, text in _app_sources():
        read |= set(re.findall(r"settings\.(ONETRIP_[A-Z_]+)", text))
    assert read, "the apps read some ONETRIP_* settings"
    missing = sorted(name for name in read if not hasattr(settings, name))
    assert missing == []


def test_no_app_reads_them_by_getattr_or_from_the_environment():
    offenders = []
    for path, text in _app_sources():
        if re.search(r"getattr\(settings,\s*\"ONETRIP_", text):
            offenders.append(f"{path.name}: getattr(settings, 'ONETRIP_…')")
        if re.search(r"os\.environ(?:\.get)?[\[(]\s*[\"']ONETRIP_(?!BIND|THREADS)", text):
            offenders.append(f"{path.name}: os.environ ONETRIP_…")
    assert offenders == []
