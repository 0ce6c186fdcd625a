"""Benchmark: GET /api/v1/matters?q=... on the sample district's catalogue.

Standalone: ``DATABASE_URL=postgres://… .venv/bin/python bench/catalogue_bench.py`` (or without
DATABASE_URL for a temporary SQLite file). It creates a fresh database (``onetrip_bench`` on the
PostgreSQL server of DATABASE_URL, dropped afterwards), migrates it, imports the demo catalogue
(``src/onetrip/demo/data/catalogue.yaml`` with placeholder sample files; generated matters if the
file is missing), then times requests through Django's test Client and prints median/p90/p99
beside two baselines measured in the same run: ``SELECT 1`` through the ORM connection and a
bare Django request to a trivial view (same middleware stack). Target: median < 50 ms.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import POSTGRES_SCHEMES, create_scratch, drop_scratch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DEMO_YAML = ROOT / "src/onetrip/demo/data/catalogue.yaml"
BENCH_DB = "onetrip_bench"
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
QUERIES = [
    {"q": "营业执照"},
    {"q": "身份证"},
    {"q": "老年"},
    {"q": "公司 登记"},
    {"q": "演出"},
    {"q": "证明", "visits": "0"},
    {"level": "street", "audience": "individual"},
    {"q": "许可", "department": "scjg"},
    {},
]


def _prepare_database(tmp: Path) -> str | None:
    """Point DATABASE_URL at a fresh database; return the PostgreSQL admin URL to drop it later."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(POSTGRES_SCHEMES):
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
        return None
    admin, os.environ["DATABASE_URL"] = create_scratch(url, BENCH_DB)
    return admin


def _load_catalogue(tmp: Path) -> str:
    from onetrip.catalogue.interchange import catalogue_import

    if DEMO_YAML.exists():
        folder = tmp / "catalogue"
        folder.mkdir()
        shutil.copy(DEMO_YAML, folder / "catalogue.yaml")
        text = DEMO_YAML.read_text(encoding="utf-8")
        for rel in set(re.findall(r"(?:result_sample|sample|blank_form): (\S+)", text)):
            target = folder / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(b"%PDF-1.4 placeholder")
        t0 = time.perf_counter()
        report = catalogue_import(path=folder / "catalogue.yaml")
        took = (time.perf_counter() - t0) * 1000
        return f"demo catalogue imported in {took:.0f} ms: {report.summary()}"
    return _generate(tmp)


def _generate(tmp: Path) -> str:  # fallback while the demo YAML does not exist
    from onetrip.catalogue.models import Department, Material, Matter, ServicePoint

    city = ServicePoint.objects.create(code="hz", name="杭州市", level="city")
    district = ServicePoint.objects.create(code="sc", name="上城区", level="district", parent=city)
    depts = [
        Department.objects.create(district=district, code=f"d{i}", name=f"部门{i}")
        for i in range(12)
    ]
    words = ["营业执照", "身份证", "老年", "公司登记", "演出许可", "证明", "户口", "社保"]
    for i in range(70):
        m = Matter.objects.create(
            district=district,
            department=depts[i % 12],
            code=f"sc-{i:04d}",
            name=f"{words[i % 8]}事项{i}",
            audience="individual" if i % 2 else "company",
            kind="committed",
            legal_limit_days=20,
            promised_limit_days=5,
            visits_needed=i % 2,
            visits_reason="核验原件" if i % 2 else "",
            level_street=bool(i % 3),
            result_type="licence",
        )
        for j in range(4):
            Material.objects.create(matter=m, position=j + 1, name=f"{words[(i + j) % 8]}材料{j}")
    return "generated 70 matters (demo catalogue YAML not found)"


def _timed(fn, n: int) -> list[float]:
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _stats(samples: list[float]) -> tuple[float, float, float]:
    qs = statistics.quantiles(samples, n=100, method="inclusive")
    return statistics.median(samples), qs[89], qs[98]


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="onetrip-bench-"))
    os.environ["ONETRIP_VAR"] = str(tmp)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onetrip.settings")
    os.environ.setdefault("SECRET_KEY", os.urandom(32).hex())  # production mode needs one
    os.environ.setdefault("ONETRIP_ACCESS_LOG_LEVEL", "WARNING")  # no line per request
    admin_url = _prepare_database(tmp)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.http import HttpResponse
    from django.test import Client
    from django.urls import include, path

    global urlpatterns
    urlpatterns = [
        path("bench/ping/", lambda request: HttpResponse("ok")),
        path("", include("onetrip.urls")),
    ]
    settings.ROOT_URLCONF = __name__
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    try:
        t0 = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"database: {engine}; migrated in {time.perf_counter() - t0:.1f} s")
        print(_load_catalogue(tmp))
        client = Client(HTTP_HOST="127.0.0.1")  # the production settings allow no "testserver"
        first = client.get("/api/v1/matters", QUERIES[0])
        assert first.status_code == 200, first.content
        for params in QUERIES:  # warm up and show what is being searched
            body = client.get("/api/v1/matters", params).json()
            print(f"  {params!s:50} -> {body['total']} matters")
        for _ in range(20):
            client.get("/bench/ping/")

        def cursor_select(_i):
            with connection.cursor() as cur:
                cur.execute("SELECT 1")
                cur.fetchone()

        search = _timed(
            lambda i: client.get("/api/v1/matters", QUERIES[i % len(QUERIES)]), REQUESTS
        )
        detail_codes = [m["code"] for m in client.get("/api/v1/matters").json()["items"]]
        detail = _timed(
            lambda i: client.get(f"/api/v1/matters/{detail_codes[i % len(detail_codes)]}"),
            max(REQUESTS // 3, 50),
        )
        page = _timed(
            lambda i: client.get("/matters/", QUERIES[i % len(QUERIES)]), max(REQUESTS // 3, 50)
        )
        ping = _timed(lambda _i: client.get("/bench/ping/"), REQUESTS)
        select1 = _timed(cursor_select, REQUESTS * 3)
        print()
        print(f"{'measurement':44} {'n':>5} {'median':>8} {'p90':>8} {'p99':>8}  (ms)")
        rows = [
            ("baseline: SELECT 1 via ORM connection", select1),
            ("baseline: bare Django request (trivial view)", ping),
            ("GET /api/v1/matters?q=… (search)", search),
            ("GET /api/v1/matters/{code} (detail)", detail),
            ("GET /matters/?q=… (citizen page, HTML)", page),
        ]
        for label, samples in rows:
            med, p90, p99 = _stats(samples)
            print(f"{label:44} {len(samples):5d} {med:8.2f} {p90:8.2f} {p99:8.2f}")
        med = statistics.median(search)
        ratio = med / statistics.median(ping)
        print()
        print(
            f"search median {med:.2f} ms = {ratio:.1f}× a bare Django request; "
            f"target < 50 ms: {'MET' if med < 50 else 'MISSED'}"
        )
        return 0 if med < 50 else 1
    finally:
        drop_scratch(admin_url, BENCH_DB, tmp, force=False)


urlpatterns: list = []

if __name__ == "__main__":
    sys.exit(main())
