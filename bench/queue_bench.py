"""Queue benchmark: issue and call tickets through the HTTP API under gunicorn on PostgreSQL.

    .venv/bin/python bench/queue_bench.py [--seconds 20] [--clients 16] [--windows 4]

What it does (bounded: at most 30 s of load, about a minute in all):
1. creates a scratch PostgreSQL database on the private cluster (scripts/pg.sh), migrates it and
   sets up one service hall (a queue open around the clock, windows with clerks and API tokens);
2. measures two baselines in the same run: the raw single-row INSERT rate of the same
   PostgreSQL with pgbench (on its own scratch database), and what the HTTP client, loopback
   and gunicorn cost with no Django at all (a do-nothing WSGI app under the same gunicorn
   settings, hammered by the same client threads);
3. starts gunicorn (gthread workers; default 2 workers × 4 threads for 2 cores: the work is
   CPU-bound Python, threads only cover database waits) on a free loopback port, and then, in
   the same run, granian (same workers, blocking threads = threads) for the same load
   (``--server gunicorn|granian|both``, default both);
4. runs --clients concurrent clients for --seconds: (clients - windows) kiosks POST /api/v1/tickets,
   and --windows clerks loop call-next → start → finish on their own window;
5. prints issued tickets/s, served tickets/s, p50/p99 latency per request kind and overall, the
   load average before and after (other processes on the machine count), and checks that no
   ticket was called twice;
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
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from proc_cpu import cpu_seconds, cpu_used

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


# ---------------------------------------------------------------------------- baselines


def trivial_app(environ, start_response):
    """A WSGI app that does nothing: served by the same gunicorn set-up, it shows what the
    HTTP client, the loopback and gunicorn itself cost before Django does any work."""
    body = b'{"ok": true}'
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "12")])
    return [body]


class SmsGateway:
    """A stand-in SMS gateway on loopback (the HTTP sender's contract): production sends
    ticket reminders through such a gateway from the background task worker, so the bench does
    too. Its own CPU counts as the client's."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        gateway = self
        self.received = 0

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                gateway.received += 1
                body = json.dumps({"id": f"bench-{gateway.received}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


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

    def post(self, path: str, body: dict | None) -> tuple[int, dict, float]:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        t0 = time.perf_counter()
        try:
            self.conn.request("POST" if body is not None else "GET", path, data, headers)
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
                    counts[f"status {status}"] = counts.get(f"status {status}", 0) + 1

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
                    counts[f"status {status}"] = counts.get(f"status {status}", 0) + 1
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
    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    cpu = cpu_used(cpu0, cpu_seconds())
    return lat, counts, called, elapsed, cpu


def trivial_load(port: int, *, seconds: float, clients: int) -> tuple[float, float, float]:
    """Requests/s, p50 and p99 of ``clients`` threads hammering a do-nothing endpoint."""
    stop = threading.Event()
    lat: list[float] = []
    lock = threading.Lock()

    def run():
        c = Client(port)
        mine = []
        while not stop.is_set():
            mine.append(c.post("/", None)[2])
        with lock:
            lat.extend(mine)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    return len(lat) / (time.perf_counter() - t0), pct(lat, 50), pct(lat, 99)


def wait_until_serving(port: int, seconds: float = 90) -> None:
    """Until the server answers an HTTP request (granian opens its port before its workers
    have loaded the app, and refuses connections meanwhile)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/health/live")
            conn.getresponse().read()
            conn.close()
            return
        except (OSError, http.client.HTTPException):
            time.sleep(0.2)
    raise RuntimeError(f"nothing serves on port {port} after {seconds} s")


def start_gunicorn(app: str, port: int, args, env) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--worker-class",
            "gthread" if args.threads > 1 else "sync",
            "--log-level",
            "warning",
            "--backlog",
            "256",
            "--keep-alive",
            "30",
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,  # stopped as a group: no worker outlives its server
    )
    wait_until_serving(port)
    return proc


def start_granian(app: str, port: int, args, env) -> subprocess.Popen:
    """The same app under granian (Rust HTTP server, WSGI interface): as many worker processes
    and blocking threads per worker as gunicorn's workers × threads."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--blocking-threads",
            str(args.threads),
            "--backlog",
            "256",
            "--log-level",
            "warning",
            "--no-ws",
            app,
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,  # stopped as a group: no worker outlives its server
    )
    wait_until_serving(port)
    return proc


SERVERS = {"gunicorn": start_gunicorn, "granian": start_granian}


def stop_process(proc: subprocess.Popen | None) -> None:
    if proc is None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # the server's whole group (granian's workers too)
    except (ProcessLookupError, PermissionError):
        proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            proc.kill()


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


def print_run(name, args, lat, counts, called, elapsed, cpu, sms) -> dict:
    """One server's figures; returns the summary row for the side-by-side table."""
    duplicates = len(called) - len(set(called))
    everything = [v for vals in lat.values() for v in vals]
    ms = lambda v: f"{v * 1000:7.1f}"  # noqa: E731
    issued_rate = counts["issued"] / elapsed
    print()
    print(f"== {name}: {args.workers} workers × {args.threads} threads; {args.clients} clients")
    print(f"duration               {elapsed:8.1f} s")
    print(f"tickets issued         {counts['issued']:8d}   {issued_rate:8.1f} tickets/s")
    print(
        f"tickets served         {counts['served']:8d}   {counts['served'] / elapsed:8.1f} /s (call-next+start+finish)"
    )
    print(f"requests               {len(everything):8d}   {len(everything) / elapsed:8.1f} req/s")
    print(f"errors                 {counts['errors']:8d}   empty-queue calls {counts['empty']}")
    by_status = {k: v for k, v in counts.items() if k.startswith("status ")}
    if by_status:
        print("errors by status       " + ", ".join(f"{k[7:]}: {v}" for k, v in by_status.items()))
    print(f"tickets called twice   {duplicates:8d}")
    print(f'SMS through gateway    {sms:8d}   ("3 ahead" reminders, sent by the task worker)')
    print(f"{'latency ms':22s}{'p50':>8s}{'p99':>8s}{'mean':>8s}{'n':>8s}")
    for kind, vals in [*lat.items(), ("all requests", everything)]:
        if vals:
            print(
                f"{kind:22s}{ms(pct(vals, 50))} {ms(pct(vals, 99))} {ms(statistics.fmean(vals))} {len(vals):7d}"
            )
    requests = max(1, len(everything))
    print(
        "CPU per request (ms of one core; 'gunicorn' is the web server): "
        + ", ".join(f"{k} {v / requests * 1000:.2f}" for k, v in cpu.items())
        + f"; cores busy {sum(cpu.values()) / elapsed:.2f} of {os.cpu_count()}"
    )
    return {
        "server": name,
        "issued": issued_rate,
        "served": counts["served"] / elapsed,
        "req": len(everything) / elapsed,
        "p50": pct(everything, 50),
        "p99": pct(everything, 99),
        "issue_p99": pct(lat["issue"], 99),
        "web_cpu": cpu["gunicorn"] / requests * 1000,
        "errors": counts["errors"],
        "duplicates": duplicates,
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=20, help="seconds of load (kept ≤ 30)")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--windows", type=int, default=4)
    ap.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", "2")))
    ap.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", "4")))
    ap.add_argument(
        "--server",
        default=os.environ.get("BENCH_SERVER", "both"),
        help="web server(s) to measure, in order: gunicorn, granian, a comma-separated list "
        "(granian,gunicorn) or both (= gunicorn,granian: one after the other in the same run)",
    )
    ap.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = ap.parse_args()
    args.seconds = min(args.seconds, 30)
    servers = ["gunicorn", "granian"] if args.server == "both" else args.server.split(",")
    if not servers or any(name not in SERVERS for name in servers):
        ap.error(f"--server: one or more of {', '.join(SERVERS)}")
    load_before = os.getloadavg()[0]

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
        "SECRET_KEY": os.environ.get("SECRET_KEY") or os.urandom(32).hex(),  # production mode
        "CONN_MAX_AGE": "600",
        "DEBUG": "",
        "LOG_LEVEL": "WARNING",
        "ONETRIP_TASK_BACKEND": "django_tasks_db.DatabaseBackend",
        "ONETRIP_SMS_BACKEND": "http",
        # The bench's kiosks stand for a city's worth of hall devices behind one loopback
        # address: the per-client ticket limit (onetrip.throttles) is off here; the per-phone
        # one stays on (each kiosk request uses a new random number), so its cost is measured.
        "ONETRIP_THROTTLE_TICKET": "",
        "ONETRIP_ACCESS_LOG_LEVEL": "WARNING",  # as before the JSON access log existed
        "PROMETHEUS_MULTIPROC_DIR": os.path.join(var, "prometheus"),
    }
    os.makedirs(env["PROMETHEUS_MULTIPROC_DIR"])
    gateway = SmsGateway()
    env["ONETRIP_SMS_HTTP_URL"] = gateway.url
    py = sys.executable
    server = trivial = worker = None
    trivials: dict[str, tuple[float, float, float]] = {}
    rows = []
    try:
        print(f"scratch database {DB}; migrating…", flush=True)
        subprocess.run([py, "-m", "django", "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
        # the cache table (rate limits count there), as `onetrip serve` creates it
        subprocess.run([py, "-m", "django", "createcachetable"], env=env, check=True, cwd=ROOT)
        setup = json.loads(
            subprocess.check_output([py, "-c", SETUP, str(args.windows)], env=env, cwd=ROOT)
            .decode()
            .strip()
            .splitlines()[-1]
        )
        print("pgbench baseline (single-row INSERT, same clients)…", flush=True)
        baseline = pgbench_baseline(base, 8, args.clients)
        trivial_env = {**env, "PYTHONPATH": str(Path(__file__).parent)}
        for name in servers:
            print(f"client + {name} baseline (a do-nothing WSGI app, same clients)…", flush=True)
            port = free_port()
            trivial = SERVERS[name]("queue_bench:trivial_app", port, args, trivial_env)
            trivials[name] = trivial_load(port, seconds=5, clients=args.clients)
            stop_process(trivial)
            trivial = None

        for name in servers:
            port = free_port()
            server = SERVERS[name]("onetrip.wsgi:application", port, args, env)
            # the background task worker, as `onetrip serve --worker` runs it: it sends the SMS
            worker = subprocess.Popen(
                [py, "-m", "onetrip.cli", "db_worker", "--interval", "1"], env=env, cwd=ROOT
            )

            # warm every worker (imports, connections)
            def warm_up(port=port):
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
                f"{args.seconds} s against {name} ({args.workers} workers × {args.threads} "
                "threads)…",
                flush=True,
            )
            sms0 = gateway.received
            result = run_load(
                port, setup, seconds=args.seconds, clients=args.clients, n_windows=args.windows
            )
            stop_process(server)
            stop_process(worker)
            server = worker = None
            rows.append(print_run(name, args, *result, gateway.received - sms0))
    finally:
        stop_process(trivial)
        stop_process(server)
        stop_process(worker)
        gateway.close()
        shutil.rmtree(var, ignore_errors=True)
        if not args.keep:
            psql_admin(base, f"DROP DATABASE IF EXISTS {DB}")

    print()
    print(
        f"machine: {os.cpu_count()} cores; load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} at the end (other processes count too); "
        f"PostgreSQL {base.split('@')[-1]}"
    )
    print("side by side (same run, same database, one server after the other):")
    print(
        f"{'server':10s}{'issued/s':>10s}{'served/s':>10s}{'req/s':>8s}{'p50 ms':>8s}"
        f"{'p99 ms':>8s}{'issue p99':>10s}{'web CPU ms/req':>16s}{'no-op req/s':>13s}"
    )
    for r in rows:
        noop = trivials.get(r["server"], (float("nan"),))[0]
        print(
            f"{r['server']:10s}{r['issued']:10.1f}{r['served']:10.1f}{r['req']:8.1f}"
            f"{r['p50'] * 1000:8.1f}{r['p99'] * 1000:8.1f}{r['issue_p99'] * 1000:10.1f}"
            f"{r['web_cpu']:16.2f}{noop:13.0f}"
        )
    by_name = {r["server"]: r for r in rows}
    if {"gunicorn", "granian"} <= by_name.keys():
        a, b = by_name["gunicorn"], by_name["granian"]
        print(
            f"granian/gunicorn: issued {b['issued'] / a['issued']:.2f}×, requests "
            f"{b['req'] / a['req']:.2f}×, p99 {b['p99'] / a['p99']:.2f}×"
        )
    print("baselines measured in this run:")
    if baseline:
        best = max(r["issued"] for r in rows)
        print(
            f"  pgbench single-row INSERT      {baseline:8.0f} tx/s   →  best issued tickets/s = "
            f"{best / baseline:.1%} of it"
        )
    else:
        print("  pgbench baseline: not available")
    for name, (rate, p50, p99) in trivials.items():
        print(
            f"  do-nothing WSGI app, {name:9s}{rate:8.0f} req/s  p50 {p50 * 1000:.1f} ms"
            f"  p99 {p99 * 1000:.1f} ms  (client + loopback + server, no Django)"
        )
    for r in rows:
        target_ok = r["p99"] < 0.1 and r["issued"] >= 500
        print(
            f"target (p99 < 100 ms and ≥ 500 issued/s) under {r['server']}: "
            f"{'met' if target_ok else 'NOT met'}"
        )
    return 1 if any(r["duplicates"] or r["errors"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
