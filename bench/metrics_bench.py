"""Benchmark: the figures and the case lists over a million cases, on PostgreSQL, through HTTP.

``DATABASE_URL=postgres://… .venv/bin/python bench/metrics_bench.py`` (``BENCH_CASES``,
default 1,000,000; tickets are twice as many). Not part of ``make test``.

Creates a scratch database (``onetrip_metrics_bench``, dropped afterwards), migrates it, builds a
district (6 streets with 2 communities each, 8 departments, 40 matters, 40 agencies, 2 queues a
point, 5,000 people and 1,000 companies), then generates in SQL (``generate_series``, no Python
per row) two years of history ending yesterday: ``BENCH_CASES`` cases in every state (old ones
mostly finished, the last month's mostly open), five events each, supplement notices, ratings
for a third of the finished ones, and twice as many tickets with exponential waits. Then it
rebuilds the roll-ups (``metrics_rebuild``), starts gunicorn as production does and measures,
one request at a time (latency, not throughput), median and p95 of:

- the dashboard ``/metrics/`` (a manager: the figures of two periods side by side, breakdowns by
  point, department, matter and agency, weekly trends) for the district and for one street,
  over a month and over a year; and ``GET /api/v1/metrics`` for a year;
- the back-office queue ``/backoffice/`` (default view: open work by due date, a manager and a
  reviewer) and a deep page (the cursor 4,000 rows in);
- ``GET /api/v1/cases`` (50 rows; 200 rows; a page half a million cases deep);

beside three baselines measured in the same run: a do-nothing WSGI app under the same gunicorn,
a do-nothing Django request (a 404 of an unknown URL through the whole middleware stack) and
pgbench (one client reading one case by primary key: the database's own round trip).
Targets (issue 13): dashboard < 1 s, lists < 50 ms median.

``BENCH_DB`` names the scratch database; ``BENCH_KEEP=1`` keeps it (and its million cases)
after the run, ``BENCH_REUSE=1`` measures a kept one again without generating (migrating it and
rebuilding the roll-ups; ``BENCH_REBUILD=0`` skips the rebuild) — drop it when done, it takes
several gigabytes. The dashboard cases also cut a year by department, applicant kind, channel,
matter and agency.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from _common import drop_scratch, postgres_url
from cases_bench import _free_port, _gunicorn, _Http, _wait_up

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
BENCH_DB = os.environ.get("BENCH_DB", "onetrip_metrics_bench")
#: reuse the data set a run with BENCH_KEEP=1 left (migrate and rebuild the roll-ups only)
REUSE = bool(os.environ.get("BENCH_REUSE"))
PGBIN = Path("/usr/lib/postgresql/15/bin")
CASES = int(os.environ.get("BENCH_CASES", "1000000"))
TICKETS = int(os.environ.get("BENCH_TICKETS", str(2 * CASES)))
DAYS = 730
REPEAT = int(os.environ.get("BENCH_REPEAT", "15"))


def _prepare(url: str) -> tuple[str, str, bool]:
    """(admin URL, bench URL, whether a kept data set is reused)."""
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone()
        if not (REUSE and exists):
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    return admin, urlunsplit(parts._replace(path=f"/{BENCH_DB}")), bool(REUSE and exists)


def _world() -> dict:
    from onetrip.catalogue.models import Department, PointLevel
    from onetrip.people.models import Agency, Applicant, Company
    from onetrip.people.services import api_token_create
    from onetrip.queueing.models import Queue
    from tests.factories import make_matter, make_point, make_user, ric_number, uscc_number

    city = make_point("hz", "杭州市", PointLevel.CITY)
    district = make_point("sc", "上城区", PointLevel.DISTRICT, city)
    points = [district]
    for s in range(6):
        street = make_point(f"sc-s{s}", f"街道{s}", PointLevel.STREET, district)
        points.append(street)
        for c in range(2):
            points.append(make_point(f"sc-s{s}-c{c}", f"社区{s}-{c}", PointLevel.COMMUNITY, street))
    depts = [
        Department.objects.create(district=district, code=f"d{i}", name=f"部门{i}")
        for i in range(8)
    ]
    matters = [
        make_matter(
            district,
            depts[i % 8],
            f"m{i:02d}",
            f"事项{i}",
            audience="company" if i % 3 == 0 else "individual",
            visits_needed=0 if i % 5 == 0 else 1,
        )
        for i in range(40)
    ]
    agencies = [
        Agency.objects.create(district=district, name=f"代办{i}", credit_code=uscc_number(seq=i))
        for i in range(40)
    ]
    Applicant.objects.bulk_create(
        Applicant(
            name=f"申请人{i}",
            id_number=ric_number(
                birth=(dt.date(1960, 1, 1) + dt.timedelta(days=i // 1000)).strftime("%Y%m%d"),
                seq=i,
            ),
        )
        for i in range(5000)
    )
    Company.objects.bulk_create(
        Company(name=f"企业{i}", credit_code=uscc_number(seq=1000 + i)) for i in range(1000)
    )
    queues = []
    for p in points:
        for j, code in enumerate(("A", "B")):
            q = Queue.objects.create(
                point=p, code=code, name=f"{p.name}{code}", department=depts[(p.pk + j) % 8]
            )
            q.matters.add(*[m for m in matters if m.department_id == q.department_id][:3])
            queues.append(q)
    manager = make_user("bench-manager", "manager", point=district)
    reviewer = make_user("bench-reviewer", "reviewer", point=district, department=depts[0])
    return {
        "district": district,
        "street": points[1],
        "points": points,
        "depts": depts,
        "matters": matters,
        "agencies": agencies,
        "queues": queues,
        "manager": manager,
        "reviewer": reviewer,
        "token": api_token_create(user=manager, name="bench")[1],
        "applicants": list(Applicant.objects.values_list("pk", flat=True)),
        "companies": list(Company.objects.values_list("pk", flat=True)),
    }


def _world_again() -> dict:
    """The world of a kept data set (BENCH_REUSE), looked up by the codes ``_world`` gave."""
    from onetrip.catalogue.models import Department, ServicePoint
    from onetrip.people.models import User
    from onetrip.people.services import api_token_create

    district = ServicePoint.objects.get(code="sc")
    manager = User.objects.get(username="bench-manager")
    return {
        "district": district,
        "street": ServicePoint.objects.get(code="sc-s0"),
        "depts": list(Department.objects.filter(district=district).order_by("pk")),
        "manager": manager,
        "reviewer": User.objects.get(username="bench-reviewer"),
        "token": api_token_create(user=manager, name="bench")[1],
    }


def _pgbench(url: str, seconds: int = 5) -> tuple[float, float] | None:
    """Same-run database baseline: one pgbench client reading one case by primary key
    (``SELECT … WHERE id = random``) for ``seconds``: (transactions/s, mean latency ms)."""
    import re
    import subprocess

    exe = PGBIN / "pgbench"
    if not exe.exists():
        return None
    parts = urlsplit(url)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(f"\\set id random(1, {CASES})\nSELECT * FROM cases_case WHERE id = :id;\n")
        script = f.name
    try:
        out = subprocess.run(
            [
                str(exe),
                "-n",
                "-c",
                "1",
                "-T",
                str(seconds),
                "-M",
                "prepared",
                "-f",
                script,
                "-h",
                parts.hostname or "127.0.0.1",
                "-p",
                str(parts.port or 5432),
                "-U",
                parts.username or "postgres",
                parts.path.lstrip("/"),
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 30,
        ).stdout
    finally:
        os.unlink(script)
    tps = re.search(r"tps = ([0-9.]+)", out)
    lat = re.search(r"latency average = ([0-9.]+) ms", out)
    if not (tps and lat):
        return None
    return float(tps.group(1)), float(lat.group(1))


def _arr(values) -> str:
    return "(ARRAY[" + ",".join(str(int(v)) for v in values) + "])"


BULK_TABLES = ("cases_case", "cases_caseevent", "cases_supplementnotice", "queueing_ticket")


def _drop_indexes(cur) -> list[str]:
    """Drop the plain indexes of the bulk-loaded tables (not those behind a primary key or a
    unique constraint): building an index once after the load is much cheaper than keeping it
    up to date row by row. Returns the statements that recreate them."""
    cur.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
           FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
           WHERE t.relname = ANY(%s) AND NOT i.indisprimary
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
        [list(BULK_TABLES)],
    )
    rows = cur.fetchall()
    for name, _definition in rows:
        cur.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in rows]


def _generate(w: dict, end: dt.date) -> dict[str, float]:
    """Every row in SQL: returns seconds per table."""
    from django.db import connection

    from onetrip.cases.models import Case, CaseEvent, SupplementNotice
    from onetrip.catalogue.models import PointLevel
    from onetrip.db import InsertParts
    from onetrip.metrics.models import Rating
    from onetrip.queueing.models import Ticket

    start = end - dt.timedelta(days=DAYS)
    district = w["district"]
    points = w["points"]
    matters = w["matters"]
    levels = {PointLevel.DISTRICT: 0, PointLevel.STREET: 1, PointLevel.COMMUNITY: 2}
    timings = {}
    with connection.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        cur.execute("SET maintenance_work_mem = '256MB'")
        cur.execute("SET work_mem = '64MB'")
        # the generated rows point only at rows that exist: skip the foreign-key triggers (one
        # index probe per key per row) for the load; the constraints stay declared
        cur.execute("SET session_replication_role = replica")
        cur.execute("SELECT setseed(0.42)")
        recreate = _drop_indexes(cur)
        t0 = time.perf_counter()
        # one row of random draws per case, then every column from them
        src = f"""(
          SELECT g, s.*,
            {_arr(m.pk for m in matters)}[s.mi] AS matter_id,
            {_arr(m.department_id for m in matters)}[s.mi] AS department_id,
            {_arr(1 if m.audience == "company" else 0 for m in matters)}[s.mi] AS is_co,
            {_arr(p.pk for p in points)}[s.pi] AS point_id,
            {_arr(levels[p.level] for p in points)}[s.pi] AS lvl,
            timestamptz '{start.isoformat()} 00:00+08' + (((g - 1) * {DAYS})::bigint / {CASES})
              * interval '1 day' + interval '9 hours' + s.r_time * interval '8 hours' AS sub_at,
            {DAYS} - ((g - 1) * {DAYS})::bigint / {CASES} AS age
          FROM generate_series(1, {CASES}) g,
          LATERAL (SELECT 1 + floor(random() * 40)::int AS mi,
                          1 + floor(random() * {len(points)})::int AS pi,
                          random() AS r_time, random() AS r_state, random() AS r_sup,
                          random() AS r_vis, random() AS r_ag, random() AS r_dec,
                          random() AS r_on, 1 + floor(random() * 40)::int AS ai,
                          1 + floor(random() * 5000)::int AS api,
                          1 + floor(random() * 1000)::int AS coi,
                          g * 0 AS pin) s
        ) x"""
        state = """(CASE WHEN age > 30 THEN
              CASE WHEN r_state < 0.03 THEN 'refused' WHEN r_state < 0.04 THEN 'withdrawn'
                   WHEN r_state < 0.14 THEN 'delivered' ELSE 'closed' END
            ELSE CASE WHEN r_state < 0.03 THEN 'refused' WHEN r_state < 0.08 THEN 'submitted'
                   WHEN r_state < 0.33 THEN 'accepted' WHEN r_state < 0.68 THEN 'in_review'
                   WHEN r_state < 0.78 THEN 'supplement_requested'
                   WHEN r_state < 0.83 THEN 'resubmitted' WHEN r_state < 0.93 THEN 'approved'
                   ELSE 'delivered' END END)"""
        finished = "('closed', 'delivered', 'approved')"
        exprs = {
            "number": ("'B' || lpad(g::text, 9, '0')", []),
            "district_id": (str(district.pk), []),
            "matter_id": ("matter_id", []),
            "department_id": ("department_id", []),
            "applicant_id": (f"CASE WHEN is_co = 0 THEN {_arr(w['applicants'])}[api] END", []),
            "company_id": (f"CASE WHEN is_co = 1 THEN {_arr(w['companies'])}[coi] END", []),
            "agency_id": (
                f"CASE WHEN is_co = 1 AND r_ag < 0.3 THEN {_arr(a.pk for a in w['agencies'])}[ai] END",
                [],
            ),
            "channel": (
                "CASE WHEN is_co = 1 AND r_ag < 0.3 THEN 'agent' WHEN lvl = 1 THEN 'street'"
                " WHEN lvl = 2 THEN 'community' WHEN r_on < 0.3 THEN 'online' ELSE 'window' END",
                [],
            ),
            "point_id": ("point_id", []),
            "state": ("st", []),
            "created_at": ("sub_at", []),
            "submitted_at": ("sub_at", []),
            "state_changed_at": ("sub_at", []),
            "accepted_at": (
                "CASE WHEN st NOT IN ('submitted', 'refused', 'withdrawn') THEN sub_at END",
                [],
            ),
            "accepted_on": (
                "CASE WHEN st NOT IN ('submitted', 'refused', 'withdrawn')"
                " THEN (sub_at AT TIME ZONE 'Asia/Shanghai')::date END",
                [],
            ),
            "promised_due": (
                "CASE WHEN st NOT IN ('submitted', 'refused', 'withdrawn')"
                " THEN (sub_at AT TIME ZONE 'Asia/Shanghai')::date + 7 END",
                [],
            ),
            "decided_at": (
                f"CASE WHEN st IN {finished} THEN sub_at + (2 + r_dec * 7) * interval '1 day' END",
                [],
            ),
            "delivered_at": (
                "CASE WHEN st IN ('closed', 'delivered') THEN sub_at + interval '10 days' END",
                [],
            ),
            "closed_at": ("CASE WHEN st = 'closed' THEN sub_at + interval '11 days' END", []),
            # the overdue sweep runs every few minutes in production: running cases past
            # their promised date are flagged, as are some finished late
            "overdue_at": (
                "CASE WHEN st IN ('accepted', 'in_review', 'resubmitted')"
                f" AND (sub_at AT TIME ZONE 'Asia/Shanghai')::date + 7 < date '{end.isoformat()}'"
                " THEN sub_at + interval '8 days'"
                " WHEN st NOT IN ('submitted', 'refused', 'withdrawn') AND r_dec > 0.97"
                " THEN sub_at + interval '8 days' END",
                [],
            ),
            "supplement_rounds": (
                "CASE WHEN st = 'supplement_requested' THEN 1 + (r_sup > 0.9)::int"
                " WHEN r_sup < 0.7 THEN 0 WHEN r_sup < 0.95 THEN 1 ELSE 2 END",
                [],
            ),
            "visit_count": (
                "CASE WHEN r_on < 0.3 AND lvl = 0 THEN 0 WHEN r_vis < 0.8 THEN 1 ELSE 2 END",
                [],
            ),
            "tracking_token": ("md5(g::text) || 'b'", []),
        }
        parts = InsertParts(Case(), exprs=exprs)
        cur.execute(parts.insert_select(f"(SELECT x.*, {state} AS st FROM {src}) y"), parts.params)
        timings["cases"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        actions = "(ARRAY['create', 'accept', 'start_review', 'approve', 'deliver', 'close'])"
        parts = InsertParts(
            CaseEvent(),
            exprs={
                "case_id": ("c.id", []),
                "at": ("c.submitted_at + k * interval '1 day'", []),
                "role": ("'clerk'", []),
                "action": (f"{actions}[k]", []),
                "to_state": ("c.state", []),
            },
        )
        cur.execute(
            parts.insert_select(
                f"{Case._meta.db_table} c, generate_series(1, 5 + (c.id %% 2)::int) k"
            ),
            parts.params,
        )
        timings["case events"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        parts = InsertParts(
            SupplementNotice(),
            exprs={
                "case_id": ("c.id", []),
                "round": ("k", []),
                "created_at": ("c.submitted_at + interval '1 day'", []),
                "answered_at": (
                    "CASE WHEN NOT (c.state = 'supplement_requested' AND k = c.supplement_rounds)"
                    " AND (c.id %% 10) > 0 THEN c.submitted_at + interval '3 days' END",
                    [],
                ),
            },
        )
        cur.execute(
            parts.insert_select(
                f"{Case._meta.db_table} c, generate_series(1, c.supplement_rounds) k"
                " WHERE c.supplement_rounds > 0"
            ),
            parts.params,
        )
        timings["supplement notices"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        parts = InsertParts(
            Rating(score=5),
            exprs={
                "case_id": ("c.id", []),
                "score": ("1 + (c.id * 7919 %% 1000) / 200", []),
                "at": ("c.decided_at + interval '1 day'", []),
            },
        )
        cur.execute(
            parts.insert_select(
                f"{Case._meta.db_table} c WHERE c.decided_at IS NOT NULL AND c.id %% 3 = 0"
            ),
            parts.params,
        )
        timings["ratings"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        queues = w["queues"]
        tsrc = f"""(
          SELECT g, s.*, {_arr(q.pk for q in queues)}[s.qi] AS queue_id,
            {_arr(q.point_id for q in queues)}[s.qi] AS point_id,
            timestamptz '{start.isoformat()} 00:00+08' + (((g - 1) * {DAYS})::bigint / {TICKETS})
              * interval '1 day' + interval '8.5 hours' + s.r_time * interval '8 hours' AS iss
          FROM generate_series(1, {TICKETS}) g,
          LATERAL (SELECT 1 + floor(random() * {len(queues)})::int AS qi, random() AS r_time,
                          random() AS r_wait, random() AS r_show, random() AS r_ag,
                          1 + floor(random() * 40)::int AS ai, g * 0 AS pin) s
        ) x"""
        called = "iss + (-ln(1 - r_wait * 0.999) * 18) * interval '1 minute'"
        parts = InsertParts(
            Ticket(),
            exprs={
                "queue_id": ("queue_id", []),
                "point_id": ("point_id", []),
                "day": ("(iss AT TIME ZONE 'Asia/Shanghai')::date", []),
                "seq": ("g", []),
                "number": ("'T' || g", []),
                "token": ("md5('t' || g)", []),
                "status": ("CASE WHEN r_show < 0.95 THEN 'done' ELSE 'no_show' END", []),
                "sort_at": ("iss", []),
                "issued_at": ("iss", []),
                "first_called_at": (f"CASE WHEN r_show < 0.95 THEN {called} END", []),
                "called_at": (f"CASE WHEN r_show < 0.95 THEN {called} END", []),
                "finished_at": (
                    f"CASE WHEN r_show < 0.95 THEN {called} + interval '9 minutes' END",
                    [],
                ),
                "call_count": ("1", []),
                "agency_id": (
                    f"CASE WHEN r_ag < 0.05 THEN {_arr(a.pk for a in w['agencies'])}[ai] END",
                    [],
                ),
            },
        )
        cur.execute(parts.insert_select(tsrc), parts.params)
        timings["tickets"] = time.perf_counter() - t0
        for table in ("cases_case", "cases_caseevent", "queueing_ticket", "metrics_rating"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        t0 = time.perf_counter()
        cur.execute("SET session_replication_role = DEFAULT")
        for statement in recreate:
            cur.execute(statement)
        timings["indexes"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        cur.execute("ANALYZE")
        timings["analyze"] = time.perf_counter() - t0
    return timings


def _session_cookie(user) -> str:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    if "django_otp" in settings.INSTALLED_APPS:  # signed in with the second factor too
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", confirmed=True)
        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def _measure(http: _Http, path: str, headers: dict, n: int) -> tuple[float, float, int]:
    lat = []
    status = 0
    for i in range(n + 2):
        t = time.perf_counter()
        r = http.request("GET", path, None, headers)
        if i >= 2:  # two warm-up requests: both workers connected and prepared
            lat.append((time.perf_counter() - t) * 1000)
        status = r.status_code
    lat.sort()
    p95 = lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))]
    return statistics.median(lat), p95, status


def main() -> int:
    url = postgres_url("metrics_bench")
    if url is None:
        return 2
    load_before = os.getloadavg()[0]
    tmp = Path(tempfile.mkdtemp(prefix="onetrip-metrics-bench-"))
    admin, bench_url, reused = _prepare(url)
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "ONETRIP_VAR": str(tmp),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or os.urandom(32).hex(),  # production mode
        "DJANGO_SETTINGS_MODULE": "onetrip.settings",
        "CONN_MAX_AGE": "600",
        "LOG_LEVEL": "ERROR",
        "ONETRIP_ACCESS_LOG_LEVEL": "ERROR",  # one access-log line per measured request otherwise
        "ONETRIP_TASK_BACKEND": "django_tasks_db.DatabaseBackend",
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from onetrip.cases import lists
    from onetrip.cases import selectors as sel
    from onetrip.cases.models import Case

    server = trivial = None
    try:
        t0 = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"database: PostgreSQL {BENCH_DB}; migrated in {time.perf_counter() - t0:.1f} s")
        end = sel.local_today()
        if reused:
            w = _world_again()
            print(f"  reusing the kept data set: {Case.objects.count():,} cases")
        else:
            w = _world()
            t0 = time.perf_counter()
            timings = _generate(w, end)
            counts = {
                "cases": Case.objects.count(),
                "tickets": __import__(
                    "onetrip.queueing.models", fromlist=["Ticket"]
                ).Ticket.objects.count(),
            }
            print(
                f"generated in SQL in {time.perf_counter() - t0:.0f} s: "
                + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items())
                + f"; {counts['cases']:,} cases, {counts['tickets']:,} tickets"
            )
            with connections["default"].cursor() as cur:
                cur.execute("SELECT count(*) FROM cases_caseevent")
                print(f"  case events: {cur.fetchone()[0]:,}")
        if not (reused and os.environ.get("BENCH_REBUILD") == "0"):
            t0 = time.perf_counter()
            call_command("metrics_rebuild")
            took = time.perf_counter() - t0
            print(f"  roll-ups rebuilt in {took:.0f} s (onetrip metrics_rebuild)")

        # targets of the lists
        dept = w["depts"][0]
        queue = list(
            lists.backoffice_queue(user=w["manager"], department=dept, today=end).values_list(
                "promised_due", "id"
            )[3999:4000]
        )
        deep_after = (
            f"{queue[0][0].isoformat() if queue[0][0] else '-'}.{queue[0][1]}" if queue else ""
        )
        mid_id = Case.objects.order_by("-id").values_list("id", flat=True)[CASES // 2]
        cookie = {"Cookie": _session_cookie(w["manager"])}
        reviewer_cookie = {"Cookie": _session_cookie(w["reviewer"])}
        bearer = {"Authorization": f"Bearer {w['token']}"}
        connections.close_all()

        port = _free_port()
        trivial = _gunicorn("queue_bench:trivial_app", port, env, ROOT / "bench")
        tbase = f"http://127.0.0.1:{port}"
        _wait_up(tbase, "/")
        port = _free_port()
        server = _gunicorn("onetrip.wsgi:application", port, env)
        base = f"http://127.0.0.1:{port}"
        if not _wait_up(base, "/api/openapi.json"):
            print("gunicorn did not start")
            return 2

        def dash(a0, a1, b0, b1, point=None, **cut):
            q = {"a_since": a0, "a_until": a1, "b_since": b0, "b_until": b1, **cut}
            if point:
                q["point"] = point
            return "/metrics/?" + urlencode(q)

        y = end - dt.timedelta(days=1)
        m0 = (y.replace(day=1) - dt.timedelta(days=1)).replace(day=1)  # last whole month
        m1 = y.replace(day=1) - dt.timedelta(days=1)
        mid = m0 + dt.timedelta(days=14)
        y0 = y - dt.timedelta(days=364)
        ymid = y0 + dt.timedelta(days=182)
        street = w["street"].code
        from onetrip.people.models import Agency

        agency = Agency.objects.filter(district=w["district"]).order_by("pk").first().pk
        d = dt.date.isoformat
        cases = [
            (
                "dashboard",
                "district, month",
                dash(d(m0), d(mid), d(mid + dt.timedelta(days=1)), d(m1)),
                cookie,
                1000,
            ),
            (
                "dashboard",
                "district, year",
                dash(d(y0), d(ymid), d(ymid + dt.timedelta(days=1)), d(y)),
                cookie,
                1000,
            ),
            (
                "dashboard",
                "street, month",
                dash(d(m0), d(mid), d(mid + dt.timedelta(days=1)), d(m1), street),
                cookie,
                1000,
            ),
            (
                "dashboard",
                "street, year",
                dash(d(y0), d(ymid), d(ymid + dt.timedelta(days=1)), d(y), street),
                cookie,
                1000,
            ),
            (
                "dashboard",
                "department, year",
                dash(d(y0), d(ymid), d(ymid + dt.timedelta(days=1)), d(y), department=dept.code),
                cookie,
                1000,
            ),
            (
                "dashboard",
                "companies, year",
                dash(d(y0), d(ymid), d(ymid + dt.timedelta(days=1)), d(y), kind="company"),
                cookie,
                1000,
            ),
            (
                "dashboard",
                "online channel, year",
                dash(d(y0), d(ymid), d(ymid + dt.timedelta(days=1)), d(y), channel="online"),
                cookie,
                1000,
            ),
            (
                "dashboard",
                "matter, year",
                dash(d(y0), d(ymid), d(ymid + dt.timedelta(days=1)), d(y), matter="m03"),
                cookie,
                1000,
            ),
            (
                "dashboard",
                "agency, year",
                dash(d(y0), d(ymid), d(ymid + dt.timedelta(days=1)), d(y), agency=agency),
                cookie,
                1000,
            ),
            (
                "API metrics",
                "district, year",
                f"/api/v1/metrics?since={d(y0)}&until={d(y)}",
                bearer,
                1000,
            ),
            ("back office", "manager, default view", "/backoffice/", cookie, 50),
            ("back office", "reviewer, default view", "/backoffice/", reviewer_cookie, 50),
            (
                "back office",
                "deep page (row 4,000)",
                f"/backoffice/?department={dept.pk}&after={deep_after}",
                cookie,
                50,
            ),
            ("back office", "overdue", "/backoffice/?due=overdue", cookie, 50),
            ("API cases", "default (50 rows)", "/api/v1/cases", bearer, 50),
            ("API cases", "limit=200", "/api/v1/cases?limit=200", bearer, 50),
            (
                "API cases",
                f"deep page (before id {mid_id})",
                f"/api/v1/cases?before={mid_id}",
                bearer,
                50,
            ),
        ]
        results = []
        pgbench = _pgbench(bench_url)
        with _Http(tbase) as http:
            nothing = _measure(http, "/", {}, 200)
        with _Http(base) as http:
            django_nothing = _measure(http, "/bench-nothing-here/", {}, 200)
            for what, cut, path, headers, target in cases:
                n = REPEAT if what in ("dashboard", "API metrics") else 4 * REPEAT
                results.append((what, cut, *_measure(http, path, headers, n), target))
        print(
            f"gunicorn 2 workers × 4 threads, {os.cpu_count()} cores shared with other work;"
            f" load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
        )
        print("baselines measured in this run (one request at a time):")
        print(f"  do-nothing WSGI app: median {nothing[0]:.2f} ms, p95 {nothing[1]:.2f} ms")
        print(
            f"  do-nothing Django request (404 through the middleware): median"
            f" {django_nothing[0]:.2f} ms, p95 {django_nothing[1]:.2f} ms"
        )
        if pgbench:
            print(
                f"  pgbench, 1 client, a case by primary key: {pgbench[0]:,.0f} tx/s,"
                f" mean latency {pgbench[1]:.3f} ms"
            )
        print(f"{'request':13} {'cut':34} {'median ms':>10} {'p95 ms':>9}  target")
        met = True
        for what, cut, median, p95, status, target in results:
            ok = median < target and status == 200
            met &= ok
            print(
                f"{what:13} {cut:34} {median:10.1f} {p95:9.1f}  < {target} ms"
                f" {'MET' if ok else 'MISSED'}{'' if status == 200 else f' (HTTP {status})'}"
            )
        print(f"all targets: {'MET' if met else 'MISSED'}")
        return 0
    finally:
        for proc in (server, trivial):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=10)
        drop_scratch(admin, BENCH_DB, tmp, keep=bool(os.environ.get("BENCH_KEEP")))


if __name__ == "__main__":
    sys.exit(main())
