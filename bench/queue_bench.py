"""Queue benchmark: issue and call tickets through the HTTP API under gunicorn on PostgreSQL.

    .venv/bin/python bench/queue_bench.py [--seconds 20] [--clients 16] [--windows 4]

What it does (bounded to roughly --seconds + 15 s):
1. creates a scratch PostgreSQL database on the private cluster (scripts/pg.sh), migrates it and
   sets up one service hall (a queue open around the clock, windows with clerks and API tokens);
2. measures the raw single-row INSERT rate of the same PostgreSQL with pgbench on its own scratch
   database (the baseline the result is read against);
3. starts gunicorn (gthread workers) on a free loopback port;
4. runs --clients concurrent clients for --seconds: (clients - windows) kiosks POST /api/v1/tickets,
   and --windows clerks loop call-next → start → finish on their own window;
5. prints issued tickets/s, served tickets/s, p50/p99 latency per request kind and overall, and
   checks that no ticket was called twice;
6. stops gunicorn and drops the scratch databases.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PGBIN = Path("/usr/lib/postgresql/15/bin")
DB = "onetrip_queue_bench"
PGBENCH_DB = "onetrip_queue_bench_pgbench"


def pg_base_url() -> str:
    url = (
        os.environ.get("BENCH_PG_URL")
        or subprocess.check_output([str(ROOT / "scripts/pg.sh"), "start"], text=True)
        .strip()
        .splitlines()[-1]
    )
    return url.rsplit("/", 1)[0]


def psql_admin(base: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(sql)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


# ---------------------------------------------------------------------------- set-up


SETUP = r"""
import datetime as dt, json, sys
import django
django.setup()
from django.contrib.auth.models import Group
from onetrip.catalogue.models import ServicePoint
from onetrip.people.models import User
from onetrip.people.services import api_token_create
from onetrip.queueing.services import queue_create, window_create

n_windows = int(sys.argv[1])
city = ServicePoint.objects.create(code="bench-city", name="城市", level="city")
point = ServicePoint.objects.create(code="bench", name="压测大厅", level="district", parent=city,
    opens_at=dt.time(0, 0), closes_at=dt.time(23, 59, 59), open_weekdays="1234567",
    open_on_holidays=True)
queue = queue_create(point=point, code="A", name="企业自办")
clerk_group = Group.objects.get(name="clerk")
windows = []
for i in range(n_windows):
    w = window_create(point=point, number=str(i + 1), kind="self", queues=[queue])
    u = User.objects.create_user(username=f"bench-clerk{i}", password="x" * 12, point=point)
    u.groups.add(clerk_group)
    _, key = api_token_create(user=u, name="bench")
    windows.append({"id": w.pk, "token": key})
print(json.dumps({"queue": queue.pk, "windows": windows}))
"""


# ---------------------------------------------------------------------------- clients


class Client:
    def __init__(self, port: int, token: str | None = None):
        self.port, self.token = port, token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def post(self, path: str, body: dict) -> tuple[int, dict, float]:
        data = json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        t0 = time.perf_counter()
        try:
            self.conn.request("POST", path, data, headers)
            resp = self.conn.getresponse()
            raw = resp.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            return 599, {}, time.perf_counter() - t0
        return resp.status, (json.loads(raw) if raw else {}), time.perf_counter() - t0


def run_load(port, setup, *, seconds, clients, n_windows):
    stop = threading.Event()
    lat: dict[str, list[float]] = {"issue": [], "call-next": [], "start": [], "finish": []}
    counts = {"issued": 0, "served": 0, "empty": 0, "errors": 0}
    called: list[int] = []
    lock = threading.Lock()

    def kiosk(i):
        c = Client(port)
        n = 0
        while not stop.is_set():
            n += 1
            phone = f"13{random.randint(0, 999999999):09d}"
            status, body, dt_ = c.post(
                "/api/v1/tickets", {"queue_id": setup["queue"], "phone": phone}
            )
            with lock:
                lat["issue"].append(dt_)
                if status == 201:
                    counts["issued"] += 1
                else:
                    counts["errors"] += 1

    def window(w):
        c = Client(port, w["token"])
        c.post(f"/api/v1/windows/{w['id']}/open", {})
        while not stop.is_set():
            status, body, d1 = c.post(f"/api/v1/windows/{w['id']}/call-next", {})
            with lock:
                lat["call-next"].append(d1)
            if status == 404:
                with lock:
                    counts["empty"] += 1
                time.sleep(0.01)
                continue
            if status != 200:
                with lock:
                    counts["errors"] += 1
                continue
            tid = body["ticket"]["id"]
            s2, _, d2 = c.post(f"/api/v1/windows/{w['id']}/start", {})
            s3, _, d3 = c.post(f"/api/v1/windows/{w['id']}/finish", {})
            with lock:
                called.append(tid)
                lat["start"].append(d2)
                lat["finish"].append(d3)
                if s2 == 200 and s3 == 200:
                    counts["served"] += 1
                else:
                    counts["errors"] += 1

    threads = [threading.Thread(target=kiosk, args=(i,)) for i in range(clients - n_windows)]
    threads += [threading.Thread(target=window, args=(w,)) for w in setup["windows"]]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    return lat, counts, called, elapsed


def pgbench_baseline(base: str, seconds: int, clients: int) -> float | None:
    exe = PGBIN / "pgbench"
    if not exe.exists():
        return None
    psql_admin(base, f"DROP DATABASE IF EXISTS {PGBENCH_DB}")
    psql_admin(base, f"CREATE DATABASE {PGBENCH_DB}")
    import psycopg

    with psycopg.connect(f"{base}/{PGBENCH_DB}", autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE t (id bigserial PRIMARY KEY, v int, at timestamptz default now())"
        )
    m = re.match(r"postgres(?:ql)?://([^@]+)@([^:/]+):(\d+)", base)
    user, host, port = m.group(1), m.group(2), m.group(3)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write("INSERT INTO t (v) VALUES (1);\n")
        script = f.name
    try:
        out = subprocess.run(
            [
                str(exe),
                "-n",
                "-h",
                host,
                "-p",
                port,
                "-U",
                user,
                "-c",
                str(clients),
                "-j",
                "2",
                "-T",
                str(seconds),
                "-f",
                script,
                PGBENCH_DB,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 30,
        ).stdout
    finally:
        os.unlink(script)
        psql_admin(base, f"DROP DATABASE IF EXISTS {PGBENCH_DB}")
    m = re.search(r"tps = ([\d.]+)", out)
    return float(m.group(1)) if m else None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--windows", type=int, default=4)
    ap.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", "4")))
    ap.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", "4")))
    ap.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = ap.parse_args()

    base = pg_base_url()
    url = f"{base}/{DB}"
    psql_admin(base, f"DROP DATABASE IF EXISTS {DB}")
    psql_admin(base, f"CREATE DATABASE {DB}")
    var = tempfile.mkdtemp(prefix="ot-queue-bench-")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "onetrip.settings",
        "ONETRIP_VAR": var,
        "CONN_MAX_AGE": "600",
        "DEBUG": "",
        "LOG_LEVEL": "WARNING",
        "ONETRIP_TASK_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
    }
    py = sys.executable
    gunicorn = None
    try:
        print(f"scratch database {DB}; migrating…", flush=True)
        subprocess.run([py, "-m", "django", "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
        setup = json.loads(
            subprocess.check_output([py, "-c", SETUP, str(args.windows)], env=env, cwd=ROOT)
            .decode()
            .strip()
            .splitlines()[-1]
        )
        print("pgbench baseline (single-row INSERT, same clients)…", flush=True)
        baseline = pgbench_baseline(base, 8, args.clients)
        port = free_port()
        gunicorn = subprocess.Popen(
            [
                py,
                "-m",
                "gunicorn",
                "onetrip.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
                "--worker-class",
                "gthread",
                "--log-level",
                "warning",
                "--backlog",
                "256",
            ],
            env=env,
            cwd=ROOT,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)

        # warm every worker (imports, connections)
        def warm_up():
            c = Client(port)
            for _ in range(5):
                c.post("/api/v1/tickets", {"queue_id": setup["queue"]})

        warmers = [threading.Thread(target=warm_up) for _ in range(args.clients)]
        for t in warmers:
            t.start()
        for t in warmers:
            t.join()
        print(
            f"load: {args.clients - args.windows} kiosks + {args.windows} windows for "
            f"{args.seconds} s against gunicorn ({args.workers} workers × {args.threads} threads)…",
            flush=True,
        )
        lat, counts, called, elapsed = run_load(
            port, setup, seconds=args.seconds, clients=args.clients, n_windows=args.windows
        )
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            try:
                gunicorn.wait(timeout=10)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        shutil.rmtree(var, ignore_errors=True)

    duplicates = len(called) - len(set(called))
    everything = [v for vals in lat.values() for v in vals]
    ms = lambda v: f"{v * 1000:7.1f}"  # noqa: E731
    print()
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end; "
        f"PostgreSQL {base.split('@')[-1]}"
    )
    print(f"duration               {elapsed:8.1f} s")
    print(
        f"tickets issued         {counts['issued']:8d}   {counts['issued'] / elapsed:8.1f} tickets/s"
    )
    print(
        f"tickets served         {counts['served']:8d}   {counts['served'] / elapsed:8.1f} /s (call-next+start+finish)"
    )
    print(f"requests               {len(everything):8d}   {len(everything) / elapsed:8.1f} req/s")
    print(f"errors                 {counts['errors']:8d}   empty-queue calls {counts['empty']}")
    print(f"tickets called twice   {duplicates:8d}")
    print(f"{'latency ms':22s}{'p50':>8s}{'p99':>8s}{'mean':>8s}{'n':>8s}")
    for name, vals in [*lat.items(), ("all requests", everything)]:
        if vals:
            print(
                f"{name:22s}{ms(pct(vals, 50))} {ms(pct(vals, 99))} {ms(statistics.fmean(vals))} {len(vals):7d}"
            )
    if baseline:
        print(
            f"pgbench single-row INSERT: {baseline:8.0f} tx/s  →  issued tickets/s = "
            f"{counts['issued'] / elapsed / baseline:.1%} of the raw insert rate"
        )
    else:
        print("pgbench baseline: not available")
    target_ok = pct(everything, 99) < 0.1 and counts["issued"] / elapsed >= 500
    print(f"target (p99 < 100 ms and ≥ 500 issued/s): {'met' if target_ok else 'NOT met'}")
    if not args.keep:
        psql_admin(base, f"DROP DATABASE IF EXISTS {DB}")
    return 1 if duplicates or counts["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
