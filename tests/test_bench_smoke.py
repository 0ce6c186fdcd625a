"""The benches still run: `make bench` stops at the first that fails, and nothing else starts
them (the catalogue bench answered 400 for weeks: the production settings refused its test
client's host). A tiny run of each that works on this database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _bench(name: str, *args: str, **env: str) -> str:
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / name), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert run.returncode == 0, (run.stdout[-2000:], run.stderr[-3000:])
    return run.stdout


def test_the_catalogue_bench_runs():
    # SQLite: a file of its own; PostgreSQL: a scratch database beside the test database
    out = _bench("catalogue_bench.py", BENCH_REQUESTS="3")
    assert "search median" in out and "target < 50 ms" in out


def test_the_steps_bench_runs_where_it_can():
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        with pytest.raises(AssertionError, match="needs DATABASE_URL"):
            _bench("steps_cpu_bench.py")  # refuses SQLite, saying so
        return
    out = _bench(
        "steps_cpu_bench.py", "--rounds", "1", "--noop", "5", "--tickets", "5", "--calls", "3",
        "--lifecycles", "3", BENCH_CASES_DB="onetrip_steps_smoke",
    )  # fmt: skip
    assert "create+accept" in out and "÷ noop" in out
