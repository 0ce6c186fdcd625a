"""Where the machine's cores went during a bench: CPU seconds per process kind, from /proc.

Shared by the benches (not a bench itself: ``make bench`` runs ``*_bench.py`` only)."""

from __future__ import annotations

import os
from pathlib import Path

KINDS = ("gunicorn", "worker", "postgres", "client", "other")


def cpu_seconds() -> dict[int, tuple[str, float]]:
    """Per process: its kind (one of ``KINDS``; the calling process is the client) and its CPU
    seconds (user + system) so far."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[int, tuple[str, float]] = {}
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        used = (int(fields[11]) + int(fields[12])) / tick
        pid = int(entry)
        if pid == me:
            kind = "client"
        elif "gunicorn" in cmd or "granian" in cmd:  # the web server, whichever it is
            kind = "gunicorn"
        elif "db_worker" in cmd:
            kind = "worker"
        elif cmd.startswith("postgres"):
            kind = "postgres"
        else:
            kind = "other"
        out[pid] = (kind, used)
    return out


def cpu_used(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]
) -> dict[str, float]:
    """CPU seconds per kind between two ``cpu_seconds`` samples (processes that ended in
    between are not counted; ones that started, or whose pid was reused, count from zero)."""
    out = dict.fromkeys(KINDS, 0.0)
    for pid, (kind, used) in after.items():
        prev = before.get(pid)
        out[kind] += used - (prev[1] if prev and prev[0] == kind else 0.0)
    return out
