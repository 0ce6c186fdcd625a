"""Benchmark: full case lifecycles per second through the API on PostgreSQL.

``DATABASE_URL=postgres://… .venv/bin/python bench/cases_bench.py``

Creates a scratch database (``onetrip_cases_bench``, dropped afterwards), migrates it, builds a
small district (tests.factories.make_world plus one matter with two materials), gives a clerk, a
reviewer and a manager API tokens, starts gunicorn on a free loopback port (``BENCH_WORKERS``
× ``BENCH_THREADS`` gthread workers, default 2 × 4 for 2 cores), and lets ``BENCH_CLIENTS``
threads (default 8) run lifecycles for ``BENCH_SECONDS`` (default 20, at most 30), after
``BENCH_WARMUP`` seconds (default 3) of the same load that are not measured:

    POST /api/v1/cases (accept at the window)  → start_review → approve → deliver → close

Every applicant has a mobile number, so the states the state table marks as telling (submitted,
accepted, approved, delivered) each store a notice and queue its delivery as a task row of the
production task backend (django_tasks_db); no task worker runs during the bench: delivery is
background work, and the rows written are counted at the end.

Prints complete lifecycles/s and p50/p99 per step, CPU per request split between gunicorn,
PostgreSQL, the client and the rest of the machine (from /proc), beside two baselines measured
in the same run: single-row INSERT transactions/s over psycopg from the same number of
threads, and the same client threads (keep-alive http.client) against a do-nothing WSGI app
under the same gunicorn settings (what the client, loopback and gunicorn cost without Django).
Cleans up its database and files. Target (issue 4): ≥ 100 lifecycles/s on 2 cores.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from _common import create_scratch, drop_scratch, postgres_url
from proc_cpu import cpu_seconds, cpu_used

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
# its own scratch database; BENCH_CASES_DB names another (two at once on one cluster; not
# BENCH_DB, which names metrics_bench's, perhaps kept)
BENCH_DB = os.environ.get("BENCH_CASES_DB", "onetrip_cases_bench")
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
SECONDS = min(float(os.environ.get("BENCH_SECONDS", "20")), 30.0)
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "3"))
STEPS = ["create+accept", "start_review", "approve", "deliver", "close"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _world() -> dict:
    import datetime as dt

    from onetrip.catalogue.models import Material
    from onetrip.people.models import Applicant
    from onetrip.people.services import api_token_create
    from onetrip.workdays.models import ScheduleYear
    from tests.factories import make_matter, make_user, make_world, ric_number

    # A deadline reaching a year without a published schedule is refused; the bench may run
    # late in the last seeded year, so it adds a clearly labelled provisional next year.
    next_year = dt.date.today().year + 1
    if not ScheduleYear.objects.filter(year=next_year).exists():
        ScheduleYear.objects.create(year=next_year, source="demo-provisional", note="BENCH only")
    w = make_world()
    matter = make_matter(
        w.district, w.civil, "bench-001", "居住证明办理", promised_limit_days=5, legal_limit_days=20
    )
    Material.objects.create(matter=matter, position=1, name="申请表")
    Material.objects.create(matter=matter, position=2, name="租赁合同")
    reviewer = make_user("bench-reviewer", "reviewer", point=w.district, department=w.civil)
    from stdnum.cn import ric

    numbers = []
    i = 0
    while len(numbers) < CLIENTS * 4:
        i += 1
        number = ric_number(seq=i)
        if ric.is_valid(number):
            Applicant.objects.get_or_create(
                id_number=number, defaults={"name": f"申请人{i}", "phone": f"139{i:08d}"}
            )
            numbers.append(number)
    keys = {
        "clerk": api_token_create(user=w.clerk, name="bench")[1],
        "reviewer": api_token_create(user=reviewer, name="bench")[1],
    }
    materials = list(matter.materials.values_list("pk", flat=True))
    return {"keys": keys, "numbers": numbers, "materials": materials, "matter": matter.code}


def _baseline(url: str, seconds: float = 3.0) -> float:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_baseline (id bigserial, v int)")
    stop = time.perf_counter() + seconds
    counts = [0] * CLIENTS

    def run(i):
        with psycopg.connect(url, autocommit=True) as conn:
            while time.perf_counter() < stop:
                conn.execute("INSERT INTO bench_baseline (v) VALUES (%s)", (i,))
                counts[i] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / seconds


def _gunicorn(app: str, port: int, env: dict, extra_path: Path | None = None) -> subprocess.Popen:
    args = [
        str(ROOT / ".venv/bin/gunicorn"),
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--threads",
        str(THREADS),
        "--worker-class",
        "gthread" if THREADS > 1 else "sync",
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
        "--pythonpath",
        str(extra_path or ROOT / "src"),
    ]
    return subprocess.Popen(args, env=env, cwd=str(ROOT))


class _Response:
    def __init__(self, status_code: int, body: bytes):
        self.status_code, self.text = status_code, body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.text)


class _Http:
    """A keep-alive JSON client on http.client: the bench client must cost far less than the
    server it measures (httpx spends several times more CPU per request)."""

    def __init__(self, base: str, timeout: float = 30):
        parts = urlsplit(base)
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.conn.close()

    def request(self, method: str, path: str, body=None, headers=None) -> _Response:
        data = None if body is None else json.dumps(body).encode()
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        try:
            self.conn.request(method, path, data, all_headers)
            resp = self.conn.getresponse()
            return _Response(resp.status, resp.read())
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            raise

    def post(self, path: str, json=None, headers=None) -> _Response:  # noqa: A002
        return self.request("POST", path, json, headers)

    def get(self, path: str) -> _Response:
        return self.request("GET", path)


def _wait_up(base: str, path: str) -> bool:
    for _ in range(100):
        try:
            with _Http(base, timeout=2) as probe:
                if probe.get(path).status_code == 200:
                    return True
        except (http.client.HTTPException, OSError):
            time.sleep(0.2)
    return False


def _trivial_baseline(env: dict, seconds: float = 4.0) -> tuple[float, float, float]:
    """Requests/s, p50 and p99 (ms) of the same client threads against a do-nothing WSGI app
    under the same gunicorn settings: what client, loopback and gunicorn cost alone."""
    port = _free_port()
    server = _gunicorn("queue_bench:trivial_app", port, env, ROOT / "bench")
    lat: list[float] = []
    try:
        base = f"http://127.0.0.1:{port}"
        if not _wait_up(base, "/"):
            return float("nan"), float("nan"), float("nan")
        stop_at = time.perf_counter() + seconds

        def run():
            mine = []
            with _Http(base) as http:
                while time.perf_counter() < stop_at:
                    t = time.perf_counter()
                    http.post("/", json={"action": "noop"})
                    mine.append((time.perf_counter() - t) * 1000)
            lat.extend(mine)

        threads = [threading.Thread(target=run) for _ in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return len(lat) / seconds, _pct(lat, 50), _pct(lat, 99)


def _written() -> dict[str, int]:
    """Rows the run wrote: cases, events, audit events, notices, queued delivery tasks."""
    from django_tasks_db.models import DBTaskResult

    from onetrip.audit.models import AuditEvent
    from onetrip.cases.models import Case, CaseEvent
    from onetrip.notices.models import Notice

    out = {
        "cases": Case.objects.count(),
        "case events": CaseEvent.objects.count(),
        "audit events": AuditEvent.objects.filter(subject_type="case").count(),
        "notices": Notice.objects.count(),
        "delivery tasks": DBTaskResult.objects.count(),
    }
    return out


def _pct(samples: list[float], q: int) -> float:
    if len(samples) < 2:
        return samples[0] if samples else float("nan")
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def main() -> int:
    url = postgres_url("cases_bench")
    if url is None:
        return 2
    load_before = os.getloadavg()[0]
    tmp = Path(tempfile.mkdtemp(prefix="onetrip-cases-bench-"))
    admin, bench_url = create_scratch(url, BENCH_DB)
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "ONETRIP_VAR": str(tmp),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or os.urandom(32).hex(),  # production mode
        "DJANGO_SETTINGS_MODULE": "onetrip.settings",
        "CONN_MAX_AGE": "600",
        "LOG_LEVEL": "ERROR",
        # the production task backend: each notice's delivery is a task row, run later by a
        # worker (``manage.py db_worker``), which the bench does not start: delivery is
        # background work, not part of a request; its cost is not measured here
        "ONETRIP_TASK_BACKEND": "django_tasks_db.DatabaseBackend",
        # a gateway sender (not the inline console/outbox ones that send right after commit)
        "ONETRIP_SMS_BACKEND": "http",
        "ONETRIP_SMS_HTTP_URL": "http://127.0.0.1:9/unused",
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    server = None
    try:
        t0 = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"database: PostgreSQL {BENCH_DB}; migrated in {time.perf_counter() - t0:.1f} s")
        world = _world()
        connections.close_all()
        trivial = _trivial_baseline(env)
        port = _free_port()
        server = _gunicorn("onetrip.wsgi:application", port, env)

        base = f"http://127.0.0.1:{port}"
        if not _wait_up(base, "/api/openapi.json"):
            print("gunicorn did not start")
            return 2

        def client(i: int, stop_at: float, lat: dict, done: list, errors: list) -> None:
            clerk = {"Authorization": f"Bearer {world['keys']['clerk']}"}
            reviewer = {"Authorization": f"Bearer {world['keys']['reviewer']}"}
            mats = [{"material": m, "status": "received"} for m in world["materials"]]
            with _Http(base) as http:
                n = 0
                while time.perf_counter() < stop_at:
                    number = world["numbers"][(i * 4 + n) % len(world["numbers"])]
                    n += 1

                    def step(name, path, headers, body, expect):
                        t = time.perf_counter()
                        r = http.post(path, json=body, headers=headers)
                        lat[name].append((time.perf_counter() - t) * 1000)
                        if r.status_code != expect:
                            raise RuntimeError(f"{name}: {r.status_code} {r.text[:200]}")
                        return r.json()

                    try:
                        case = step(
                            "create+accept",
                            "/api/v1/cases",
                            clerk,
                            {
                                "matter": world["matter"],
                                "applicant": {"kind": "person", "number": number},
                                "materials": mats,
                                "accept": True,
                            },
                            201,
                        )
                        url = f"/api/v1/cases/{case['number']}/transitions"
                        step("start_review", url, reviewer, {"action": "start_review"}, 200)
                        step("approve", url, reviewer, {"action": "approve"}, 200)
                        step(
                            "deliver",
                            url,
                            clerk,
                            {"action": "deliver", "data": {"method": "e_certificate"}},
                            200,
                        )
                        step("close", url, clerk, {"action": "close"}, 200)
                        done[i] += 1
                    except Exception as exc:  # noqa: BLE001 - reported below
                        errors.append(str(exc))
                        if len(errors) > 20:
                            return

        def phase(seconds: float) -> tuple[dict, list, list]:
            lat: dict[str, list[float]] = {s: [] for s in STEPS}
            done, errors = [0] * CLIENTS, []
            stop_at = time.perf_counter() + seconds
            threads = [
                threading.Thread(target=client, args=(i, stop_at, lat, done, errors))
                for i in range(CLIENTS)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return lat, done, errors

        # warm-up, not measured: both workers booted, connected, their statements prepared
        phase(WARMUP)
        cpu0 = cpu_seconds()
        t0 = time.perf_counter()
        lat, done, errors = phase(SECONDS)
        elapsed = time.perf_counter() - t0
        cpu1 = cpu_seconds()
        cpu = cpu_used(cpu0, cpu1)
        counts = _written()
        baseline = _baseline(bench_url)
        total = sum(done)
        rate = total / elapsed
        print(
            f"{CLIENTS} clients, gunicorn {WORKERS} workers × {THREADS} threads, "
            f"{os.cpu_count()} cores, {elapsed:.1f} s; load average {load_before:.1f} before, "
            f"{os.getloadavg()[0]:.1f} after (other processes on the machine count)"
        )
        print("baselines measured in this run:")
        print(f"  single-row INSERT over psycopg, {CLIENTS} threads: {baseline:,.0f} tx/s")
        print(
            f"  do-nothing WSGI app, same client threads: {trivial[0]:,.0f} req/s, "
            f"p50 {trivial[1]:.1f} ms, p99 {trivial[2]:.1f} ms (client + loopback + gunicorn)"
        )
        print(f"{'step':16} {'n':>6} {'p50 ms':>8} {'p99 ms':>8}")
        for s in STEPS:
            print(f"{s:16} {len(lat[s]):6d} {_pct(lat[s], 50):8.1f} {_pct(lat[s], 99):8.1f}")
        print(f"complete lifecycles: {total} = {rate:.1f}/s ({rate * len(STEPS):.0f} requests/s)")
        requests = max(sum(len(v) for v in lat.values()), 1)
        print(
            "CPU per request (ms): "
            + ", ".join(f"{k} {1000 * v / requests:.2f}" for k, v in cpu.items())
            + f"; cores used: {sum(cpu.values()) / elapsed:.2f} of {os.cpu_count()}"
        )
        print(
            "written: "
            + ", ".join(f"{k} {v}" for k, v in counts.items())
            + " (notices are delivered by the task worker, not started here)"
        )
        if errors:
            print(f"errors: {len(errors)}; first: {errors[0]}")
        met = rate >= 100 and not errors
        print(f"target ≥ 100 lifecycles/s: {'MET' if met else 'MISSED'}")
        return 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        drop_scratch(admin, BENCH_DB, tmp)


if __name__ == "__main__":
    sys.exit(main())
