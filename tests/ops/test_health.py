"""/health/live and /health/ready: what the proxy and the orchestrator ask."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import OperationalError, connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

pytestmark = pytest.mark.django_db


def test_live_needs_no_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        r = client.get("/health/live")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}
    assert "no-cache" in r["Cache-Control"]


def test_ready_checks_the_database_and_the_task_queue(client):
    r = client.get("/health/ready")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["tasks"] == {"ok": True, "ready": 0, "lag_seconds": 0.0, "max": 300.0}
    assert "replica" not in body  # none configured


def _task(**fields):
    return DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="onetrip.metrics.tasks.refresh_rollups",
        backend_name="default",
        **fields,
    )


def test_ready_reports_the_task_queue_lag(client, settings):
    from django_tasks_db.models import get_date_max

    settings.ONETRIP_READY_TASK_LAG_MAX = 60
    now = timezone.now()
    old = _task(run_after=get_date_max())
    DBTaskResult.objects.filter(pk=old.pk).update(enqueued_at=now - dt.timedelta(seconds=90))
    _task(run_after=now - dt.timedelta(seconds=30))  # delayed, due 30 s ago
    _task(run_after=now + dt.timedelta(hours=1))  # not due yet: no lag
    r = client.get("/health/ready")
    body = r.json()
    assert r.status_code == 200  # the web server still serves: degraded, not out of rotation
    assert body["status"] == "degraded"
    assert body["tasks"]["ready"] == 2
    assert 89 <= body["tasks"]["lag_seconds"] <= 120
    assert body["tasks"]["ok"] is False
    DBTaskResult.objects.filter(pk=old.pk).delete()
    body = client.get("/health/ready").json()
    assert body["status"] == "ok" and 29 <= body["tasks"]["lag_seconds"] <= 60


def test_ready_fails_when_the_database_does_not_answer(client, monkeypatch):
    conn = connections["default"]

    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(conn, "cursor", broken_cursor)
    r = client.get("/health/ready")
    monkeypatch.undo()
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "fail"
    assert body["database"] == {"ok": False, "error": "OperationalError"}


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_ready_reports_the_replica(client, settings):
    settings.ONETRIP_REPLICA_ALIAS = "replica"
    body = client.get("/health/ready").json()
    replica = body["replica"]
    if connections["replica"].vendor == "postgresql":
        # the test database is a primary, not in recovery: not a usable replica
        assert replica["ok"] is False and body["status"] == "degraded"
    else:
        assert replica == {"ok": True, "lag_seconds": 0.0}


def test_health_is_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/health/live").status_code == 200
    assert client.get("/metrics/").status_code == 301
