"""SQLite (the demo's default) under a small hall: 32 concurrent clients, no 5xx, p99 < 1 s.

    .venv/bin/python bench/sqlite_bench.py [--seconds 15] [--clients 32] [--windows 4]

What it does (bounded: at most 30 s of load):
1. migrates a scratch SQLite database in a temporary folder and sets up one service hall
   (as bench/queue_bench.py does);
2. measures the baseline in the same run: single-row INSERT transactions/s of SQLite itself
   (WAL, synchronous=NORMAL, one writer, no Django);
3. serves it as the demo does (``onetrip serve`` with its defaults, plus the task worker),
   first with Django's own SQLite backend, then with OneTrip's (``onetrip.dbsqlite``: writers
   in line, a locked BEGIN retried), on the same database (``--engine`` picks one);
4. runs --clients closed-loop clients for --seconds: (clients - windows) kiosks issue tickets,
   --windows clerks call-next → start → finish, no think time (a worst case for a hall);
5. prints requests/s, every status seen (5xx must be 0), p50/p99 per request kind and overall,
   the load average before and after, and whether the target is met (p99 < 1 s, no 5xx).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from queue_bench import SETUP, Client, free_port, pct, stop_process, wait_until_serving

ROOT = Path(__file__).resolve().parent.parent


def sqlite_baseline(folder: str, seconds: float = 3.0) -> float:
    """Single-row INSERT transactions/s with the demo's pragmas, one writer, no Django."""
    conn = sqlite3.connect(os.path.join(folder, "baseline.sqlite3"), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER, at TEXT)")
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (v, at) VALUES (1, datetime('now'))")
        conn.execute("COMMIT")
        n += 1
    conn.close()
    return n / (time.perf_counter() - t0)


ENGINES = {"django": "django.db.backends.sqlite3", "onetrip": "onetrip.dbsqlite"}


def run_once(engine: str, env: dict, setup: dict, args) -> tuple[dict, collections.Counter, float]:
    """Serve with ``engine`` as the demo does and run the hall's load against it."""
    env = {**env, "ONETRIP_SQLITE_ENGINE": ENGINES[engine]}
    py = sys.executable
    port = free_port()
    lat: dict[str, list[float]] = collections.defaultdict(list)
    statuses: collections.Counter[int] = collections.Counter()
    server = subprocess.Popen(
        [py, "-m", "onetrip.cli", "serve", "--no-migrate", "--bind", f"127.0.0.1:{port}"]
        + (["--workers", str(args.workers)] if args.workers else [])
        + (["--threads", str(args.threads)] if args.threads else []),
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    worker = subprocess.Popen(
        [py, "-m", "onetrip.cli", "db_worker", "--interval", "1"], env=env, cwd=ROOT
    )
    try:
        wait_until_serving(port)

        def warm_up() -> None:  # every worker loaded and connected before the clock starts
            c = Client(port)
            for _ in range(3):
                c.post("/api/v1/tickets", {"queue_id": setup["queue"]})

        warmers = [threading.Thread(target=warm_up) for _ in range(args.clients)]
        for t in warmers:
            t.start()
        for t in warmers:
            t.join()
        stop = threading.Event()
        lock = threading.Lock()

        def record(kind: str, status: int, seconds: float) -> None:
            with lock:
                lat[kind].append(seconds)
                statuses[status] += 1

        def kiosk() -> None:
            c = Client(port)
            while not stop.is_set():
                phone = f"13{random.randint(0, 999999999):09d}"
                status, _, d = c.post(
                    "/api/v1/tickets", {"queue_id": setup["queue"], "phone": phone}
                )
                record("issue", status, d)

        def window(w: dict) -> None:
            c = Client(port, w["token"])
            c.post(f"/api/v1/windows/{w['id']}/open", {})
            while not stop.is_set():
                status, _, d = c.post(f"/api/v1/windows/{w['id']}/call-next", {})
                record("call-next", status, d)
                if status != 200:
                    time.sleep(0.05)
                    continue
                for action in ("start", "finish"):
                    status, _, d = c.post(f"/api/v1/windows/{w['id']}/{action}", {})
                    record(action, status, d)

        threads = [threading.Thread(target=kiosk) for _ in range(args.clients - args.windows)]
        threads += [threading.Thread(target=window, args=(w,)) for w in setup["windows"]]
        print(
            f"load on {ENGINES[engine]}: {args.clients - args.windows} kiosks + {args.windows} "
            f"windows, {args.seconds} s, no think time…",
            flush=True,
        )
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        time.sleep(args.seconds)
        stop.set()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
    finally:
        stop_process(server)  # its whole group: granian's workers too
        stop_process(worker)
    return lat, statuses, elapsed


def report(engine: str, lat: dict, statuses: collections.Counter, elapsed: float) -> bool:
    everything = [v for vals in lat.values() for v in vals]
    server_errors = sum(n for s, n in statuses.items() if s >= 500)
    print()
    print(f"== {ENGINES[engine]} ({elapsed:.1f} s)")
    print(f"requests {len(everything)}  {len(everything) / elapsed:.1f} req/s")
    print("statuses " + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())))
    print(f"{'latency ms':14s}{'p50':>8s}{'p99':>8s}{'max':>8s}{'n':>8s}")
    for kind, vals in [*lat.items(), ("all", everything)]:
        print(
            f"{kind:14s}{pct(vals, 50) * 1000:8.0f}{pct(vals, 99) * 1000:8.0f}"
            f"{max(vals) * 1000:8.0f}{len(vals):8d}"
        )
    ok = server_errors == 0 and pct(everything, 99) < 1.0
    print(
        f"target (no 5xx, p99 < 1 s): {'met' if ok else 'NOT met'} "
        f"(5xx {server_errors}, p99 {pct(everything, 99) * 1000:.0f} ms)"
    )
    return ok


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--windows", type=int, default=4)
    ap.add_argument("--workers", type=int, default=0, help="serve's --workers (0: its default)")
    ap.add_argument("--threads", type=int, default=0, help="serve's --threads (0: its default)")
    ap.add_argument(
        "--engine",
        choices=["django", "onetrip", "both"],
        default="both",
        help="Django's SQLite backend, OneTrip's (the default since issue 15), or both in turn",
    )
    args = ap.parse_args()
    args.seconds = min(args.seconds, 30)
    engines = ["django", "onetrip"] if args.engine == "both" else [args.engine]
    load_before = os.getloadavg()
    var = tempfile.mkdtemp(prefix="ot-sqlite-bench-")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{var}/onetrip.sqlite3",
        "DJANGO_SETTINGS_MODULE": "onetrip.settings",
        "ONETRIP_VAR": var,
        "SECRET_KEY": os.urandom(32).hex(),
        "LOG_LEVEL": "WARNING",
        "ONETRIP_ACCESS_LOG_LEVEL": "WARNING",
        # all kiosks share one loopback address: the per-client ticket limit would answer 429
        "ONETRIP_THROTTLE_TICKET": "",
    }
    env.pop("WEB_CONCURRENCY", None)
    env.pop("ONETRIP_THREADS", None)
    py = sys.executable
    results = {}
    try:
        print("scratch SQLite database; migrating…", flush=True)
        subprocess.run([py, "-m", "django", "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
        setup = json.loads(
            subprocess.check_output([py, "-c", SETUP, str(args.windows)], env=env, cwd=ROOT)
            .decode()
            .strip()
            .splitlines()[-1]
        )
        baseline = sqlite_baseline(var)
        for engine in engines:
            results[engine] = run_once(engine, env, setup, args)
    finally:
        shutil.rmtree(var, ignore_errors=True)

    print()
    print(
        f"machine: {os.cpu_count()} cores; load average {load_before[0]:.1f} before, "
        f"{os.getloadavg()[0]:.1f} at the end (other processes count too)"
    )
    print(f"SQLite demo server (onetrip serve defaults), {args.clients} clients")
    ok = {engine: report(engine, *result) for engine, result in results.items()}
    print()
    print(f"baseline: SQLite single-row INSERT, one writer, no Django: {baseline:.0f} tx/s")
    return 0 if ok.get("onetrip", True) and ok.get(engines[-1], False) else 1


if __name__ == "__main__":
    sys.exit(main())
