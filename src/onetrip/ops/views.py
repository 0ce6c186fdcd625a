"""Health endpoints for the proxy and the orchestrator, and the Prometheus scrape endpoint.

``/health/live``   the process answers (no database): restart it when this fails.
``/health/ready``  the primary answers; also the replica's lag and the task queue's lag.
                   503 only when the primary does not answer (take the server out of the
                   proxy); a task queue or replica behind is ``"status": "degraded"`` with 200,
                   because the web server can still serve — monitoring alerts on it.
``/prometheus/metrics``  django-prometheus request figures and the business counters; with
                   ``ONETRIP_METRICS_TOKEN`` set it needs ``Authorization: Bearer <token>``,
                   otherwise only a direct loopback client (not through the proxy) gets it.
"""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import os
import time
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from onetrip.dbrouter import replica_alias


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _database() -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
    except DatabaseError as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _replica(alias: str) -> dict[str, Any]:
    """The replica's replay lag in seconds (0 when it has replayed all it received)."""
    conn = connections[alias]
    try:
        with conn.cursor() as cur:
            if conn.vendor != "postgresql":
                cur.execute("SELECT 1")
                return {"ok": True, "lag_seconds": 0.0}
            cur.execute(
                "SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() = "
                "pg_last_wal_replay_lsn() THEN 0 ELSE EXTRACT(EPOCH FROM now() - "
                "pg_last_xact_replay_timestamp()) END"
            )
            in_recovery, lag = cur.fetchone()
    except DatabaseError as exc:
        return {"ok": False, "error": type(exc).__name__}
    lag = float(lag or 0.0)
    limit = settings.ONETRIP_READY_REPLICA_LAG_MAX
    return {"ok": bool(in_recovery) and lag <= limit, "lag_seconds": round(lag, 3)}


def _tasks() -> dict[str, Any]:
    """Tasks ready to run and how long the oldest has waited for a worker."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = timezone.now()
    try:
        ready = DBTaskResult.objects.ready()
        count = ready.count()
        oldest = None
        if count:
            due = ready.exclude(run_after=get_date_max()).order_by("run_after")
            asap = ready.filter(run_after=get_date_max()).order_by("enqueued_at")
            times = [
                t
                for t in (
                    due.values_list("run_after", flat=True).first(),
                    asap.values_list("enqueued_at", flat=True).first(),
                )
                if t is not None
            ]
            oldest = min(times) if times else None
    except DatabaseError as exc:
        return {"ok": False, "error": type(exc).__name__}
    lag = max(0.0, (now - oldest).total_seconds()) if oldest else 0.0
    limit = settings.ONETRIP_READY_TASK_LAG_MAX
    return {"ok": lag <= limit, "ready": count, "lag_seconds": round(lag, 1), "max": limit}


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    checks: dict[str, Any] = {"database": _database()}
    if checks["database"]["ok"]:
        checks["tasks"] = _tasks()
    alias = replica_alias()
    if alias is not None:
        checks["replica"] = _replica(alias)
    if not checks["database"]["ok"]:
        status, code = "fail", 503
    elif all(c["ok"] for c in checks.values()):
        status, code = "ok", 200
    else:
        status, code = "degraded", 200
    return JsonResponse(
        {"status": status, "checked_at": dt.datetime.now(dt.UTC).isoformat(), **checks},
        status=code,
    )


def _may_scrape(request: HttpRequest) -> bool:
    token = settings.ONETRIP_METRICS_TOKEN
    if token:
        given = request.META.get("HTTP_AUTHORIZATION", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    if "HTTP_X_FORWARDED_FOR" in request.META:  # came through the proxy: not for the public
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


@never_cache
@require_GET
def prometheus_metrics(request: HttpRequest) -> HttpResponse:
    if not _may_scrape(request):
        raise Http404
    import prometheus_client
    from prometheus_client import multiprocess

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = prometheus_client.REGISTRY
    return HttpResponse(
        prometheus_client.generate_latest(registry),
        content_type=prometheus_client.CONTENT_TYPE_LATEST,
    )
