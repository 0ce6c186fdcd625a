"""CPU per request of the hot steps, in one process, beside a do-nothing Django request.

``DATABASE_URL=postgres://… .venv/bin/python bench/steps_cpu_bench.py [--rounds 3]``

The HTTP benches (queue_bench, cases_bench) measure rates, which other load on a 2-core machine
moves by 2× between neighbouring runs. This one measures what a request costs the Python
process that serves it: Django's test client sends each request through the whole middleware
stack and URL routing of the production settings (DEBUG off, a real SECRET_KEY, the database
task backend, the HTTP SMS sender that is never reached) on PostgreSQL, one thread, and
``time.process_time()`` adds up the CPU of this process only (Django, the app, psycopg's client
side; not PostgreSQL's server). Other load moves that far less than wall-clock rates, so runs of
two commits can be compared on a busy machine.

Steps, each round (``--rounds``, default 3; the table shows the median round and min–max):
- ``noop``: a do-nothing view mounted beside the project's URLs: the baseline, i.e. what the
  middleware stack and routing cost by themselves;
- queue: ``--tickets`` (600) ``POST /api/v1/tickets`` from a kiosk with a fresh phone number,
  then ``--calls`` (200) rounds of call-next → start → finish on one window;
- cases: ``--lifecycles`` (150) of create+accept → start_review → approve → deliver → close
  through ``/api/v1/cases`` (the same requests as cases_bench).

Prints, per step, SQL statements per request, CPU ms per request and its ratio to the noop
request. It uses cases_bench's scratch database (``onetrip_cases_bench``, dropped afterwards) and
small district, with a queue and a window in it open around the clock. The script only
uses the HTTP API and tests.factories, so it runs unchanged on older checkouts (copy it there
and put that checkout's ``src`` first on ``PYTHONPATH``) for a before/after comparison.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

# the lifecycle bench's scratch database (dropped at the end) and small district
from _common import create_scratch, drop_scratch, postgres_url  # noqa: E402
from cases_bench import BENCH_DB, _world  # noqa: E402

QUEUE_STEPS = ["ticket issue", "call-next", "start", "finish"]
CASE_STEPS = ["create+accept", "start_review", "approve", "deliver", "close"]


def _noop_urlconf() -> str:
    """The project's URLs plus one do-nothing view, as a module Django can import by name."""
    from django.http import HttpResponse
    from django.urls import include, path

    module = types.ModuleType("steps_bench_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("bench-noop", lambda request: HttpResponse(b"ok", content_type="text/plain")),
        path("", include("onetrip.urls")),
    ]
    sys.modules[module.__name__] = module
    return module.__name__


def _hall() -> dict:
    """A queue open around the clock with one window and its clerk, in the district of
    cases_bench's world (its opening hours widened to every hour of every day)."""
    from django.contrib.auth.models import Group

    from onetrip.catalogue.models import ServicePoint
    from onetrip.people.models import User
    from onetrip.people.services import api_token_create
    from onetrip.queueing.services import queue_create, window_create

    every_hour = {"opens_at": dt.time(0, 0), "closes_at": dt.time(23, 59, 59)}
    ServicePoint.objects.filter(code="sc").update(
        **every_hour, open_weekdays="1234567", open_on_holidays=True
    )
    point = ServicePoint.objects.get(code="sc")
    queue = queue_create(point=point, code="A", name="企业自办")
    window = window_create(point=point, number="1", kind="self", queues=[queue])
    user = User.objects.create_user(username="bench-clerk", password="x" * 12, point=point)
    user.groups.add(Group.objects.get(name="clerk"))
    _, key = api_token_create(user=user, name="bench")
    return {"queue": queue.pk, "window": window.pk, "token": key}


class _Meter:
    """CPU seconds and SQL statements spent per named step; ``profile`` names one step to run
    under cProfile, timed by CPU (its figures then include the profiler's overhead);
    ``counting`` runs every step under its own cProfile to count the calls of Python functions
    (which, unlike CPU time, other load does not move)."""

    def __init__(self, profile: str = "", counting: bool = False) -> None:
        import cProfile

        self.profile = profile
        self.profiler = cProfile.Profile(time.process_time) if profile else None
        self.counting = counting
        self.counters: dict[str, cProfile.Profile] = {}
        self.cpu: dict[str, float] = {}
        self.count: dict[str, int] = {}
        self.sql: dict[str, int] = {}
        self._statements = 0

    def wrapper(self, execute, sql, params, many, context):
        self._statements += 1
        return execute(sql, params, many, context)

    def run(self, step: str, expect: int, send, *args):
        before_sql = self._statements
        started = time.process_time()
        if self.counting:
            import cProfile

            response = self.counters.setdefault(step, cProfile.Profile()).runcall(send, *args)
        elif self.profiler is not None and step == self.profile:
            response = self.profiler.runcall(send, *args)
        else:
            response = send(*args)
        self.cpu[step] = self.cpu.get(step, 0.0) + time.process_time() - started
        self.count[step] = self.count.get(step, 0) + 1
        self.sql[step] = self.sql.get(step, 0) + self._statements - before_sql
        if response.status_code != expect:
            raise RuntimeError(f"{step}: {response.status_code} {response.content[:300]!r}")
        return response

    def calls_per_request(self, step: str) -> float:
        import pstats

        # Python functions only: C builtins (len, getattr, dict.get) cost a few dozen ns each
        # and would swamp the count
        stats = pstats.Stats(self.counters[step]).stats  # type: ignore[attr-defined]
        calls = sum(row[1] for key, row in stats.items() if key[0] != "~")
        return calls / self.count[step]


def _round(client, meter: _Meter, hall: dict, district: dict, args, round_no: int) -> None:
    import json
    import random

    def post(path: str, body: dict, token: str | None = None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        return client.post(path, data=json.dumps(body), content_type="application/json", **headers)

    rng = random.Random(round_no)
    for _ in range(args.noop):
        meter.run("noop", 200, client.get, "/bench-noop")
    window = f"/api/v1/windows/{hall['window']}"
    for _ in range(args.tickets):
        phone = f"13{rng.randrange(10**9):09d}"
        body = {"queue_id": hall["queue"], "phone": phone}
        meter.run("ticket issue", 201, post, "/api/v1/tickets", body)
    for _ in range(args.calls):
        meter.run("call-next", 200, post, f"{window}/call-next", {}, hall["token"])
        meter.run("start", 200, post, f"{window}/start", {}, hall["token"])
        meter.run("finish", 200, post, f"{window}/finish", {}, hall["token"])
    mats = [{"material": pk, "status": "received"} for pk in district["materials"]]
    for n in range(args.lifecycles):
        number = district["numbers"][n % len(district["numbers"])]
        application = {
            "matter": district["matter"],
            "applicant": {"kind": args.person_kind, "number": number},
            "materials": mats,
            "accept": True,
        }
        created = meter.run(
            "create+accept", 201, post, "/api/v1/cases", application, district["keys"]["clerk"]
        )
        url = f"/api/v1/cases/{created.json()['number']}/transitions"
        for step, token, body in [
            ("start_review", district["keys"]["reviewer"], {"action": "start_review"}),
            ("approve", district["keys"]["reviewer"], {"action": "approve"}),
            (
                "deliver",
                district["keys"]["clerk"],
                {"action": "deliver", "data": {"method": "e_certificate"}},
            ),
            ("close", district["keys"]["clerk"], {"action": "close"}),
        ]:
            meter.run(step, 200, post, url, body, token)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--noop", type=int, default=600)
    ap.add_argument("--tickets", type=int, default=600)
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--lifecycles", type=int, default=150)
    ap.add_argument(
        "--person-kind",
        default="person",
        help="the API's word for a citizen applicant (older checkouts such as 74cfcba: individual)",
    )
    ap.add_argument("--profile", default="", metavar="STEP", help="cProfile one step, e.g. noop")
    ap.add_argument(
        "--middleware",
        default="",
        metavar="A,B,…",
        help="dotted middleware paths to use instead of settings.MIDDLEWARE (what they cost)",
    )
    ap.add_argument("--profile-dump", default="", metavar="FILE", help="also write its pstats")
    args = ap.parse_args()
    url = postgres_url("steps_cpu_bench")
    if url is None:
        return 2
    load_before = os.getloadavg()[0]
    var = Path(tempfile.mkdtemp(prefix="onetrip-steps-bench-"))
    admin, bench_url = create_scratch(url, BENCH_DB)
    os.environ.update(
        {
            "DATABASE_URL": bench_url,
            "ONETRIP_VAR": str(var),
            "SECRET_KEY": os.environ.get("SECRET_KEY") or os.urandom(32).hex(),  # production
            "DJANGO_SETTINGS_MODULE": "onetrip.settings",
            "DEBUG": "",
            "CONN_MAX_AGE": "600",
            "LOG_LEVEL": "ERROR",
            "ONETRIP_ACCESS_LOG_LEVEL": "WARNING",
            "ONETRIP_TASK_BACKEND": "django_tasks_db.DatabaseBackend",
            "ONETRIP_SMS_BACKEND": "http",
            "ONETRIP_SMS_HTTP_URL": "http://127.0.0.1:9/unused",
            # one kiosk stands for a hall: the per-client ticket limit is off, the per-phone
            # one stays on (every ticket has a new number), as in queue_bench
            "ONETRIP_THROTTLE_TICKET": "",
            "PROMETHEUS_MULTIPROC_DIR": str(var / "prometheus"),
        }
    )
    (var / "prometheus").mkdir()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    try:
        print(f"scratch database {BENCH_DB}; migrating…", flush=True)
        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        district = _world()
        hall = _hall()
        settings.ROOT_URLCONF = _noop_urlconf()
        if args.middleware:
            settings.MIDDLEWARE = [name for name in args.middleware.split(",") if name]
        client = Client(HTTP_HOST="127.0.0.1")
        opened = client.post(
            f"/api/v1/windows/{hall['window']}/open",
            data="{}",
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {hall['token']}",
        )
        if opened.status_code != 200:
            raise RuntimeError(f"window open: {opened.status_code} {opened.content[:300]!r}")
        rounds: list[_Meter] = []
        for round_no in range(args.rounds + 1):  # round 0 warms caches up and is not shown
            meter = _Meter(args.profile if round_no == args.rounds else "")
            gc.collect()
            with connection.execute_wrapper(meter.wrapper):
                _round(client, meter, hall, district, args, round_no)
            if round_no:
                rounds.append(meter)
        # one more, smaller round to count function calls (a tenth of the requests)
        counted = _Meter(counting=True)
        tenth = argparse.Namespace(
            noop=max(args.noop // 10, 10),
            tickets=max(args.tickets // 10, 10) if args.tickets else 0,
            calls=max(args.calls // 10, 5) if args.calls else 0,
            lifecycles=max(args.lifecycles // 10, 5) if args.lifecycles else 0,
            person_kind=args.person_kind,
        )
        _round(client, counted, hall, district, tenth, args.rounds + 1)
        load_after = os.getloadavg()[0]
        print(
            f"\nCPU of this process per request (median of {args.rounds} rounds, min–max), "
            f"load average {load_before:.2f} before, {load_after:.2f} after:"
        )
        noop = statistics.median(m.cpu["noop"] / m.count["noop"] for m in rounds) * 1000
        print(
            f"{'step':<14}{'SQL/req':>8}{'py calls':>10}{'CPU ms/req':>12}{'min–max':>16}"
            f"{'÷ noop':>9}"
        )
        for step in [s for s in ["noop", *QUEUE_STEPS, *CASE_STEPS] if s in rounds[-1].count]:
            per = [m.cpu[step] / m.count[step] * 1000 for m in rounds]
            sql = rounds[-1].sql[step] / rounds[-1].count[step]
            mid = statistics.median(per)
            print(
                f"{step:<14}{sql:>8.1f}{counted.calls_per_request(step):>10.0f}{mid:>12.2f}"
                f"{f'{min(per):.2f}–{max(per):.2f}':>16}{mid / noop:>8.1f}×"
            )
        if args.profile:
            import pstats

            print(f"\ncProfile of {args.profile!r} in the last round, by own time:")
            pstats.Stats(rounds[-1].profiler).sort_stats("tottime").print_stats(35)
            pstats.Stats(rounds[-1].profiler).sort_stats("cumulative").print_stats(60)
            if args.profile_dump:
                rounds[-1].profiler.dump_stats(args.profile_dump)
        return 0
    finally:
        drop_scratch(admin, BENCH_DB, var)


if __name__ == "__main__":
    sys.exit(main())
