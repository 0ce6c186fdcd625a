"""The roll-ups are maintained on write, never by a read: a new case reaches the figures through
the task the write enqueued (run here as ``db_worker`` runs it), and a GET of the figures writes
nothing and shows how current they are."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onetrip.cases.services import case_create
from onetrip.metrics import tasks
from onetrip.metrics.models import RollupMark
from onetrip.metrics.rollups import AS_OF
from tests.metrics.conftest import at
from tests.metrics.test_api import bearer

pytestmark = pytest.mark.django_db

URL = "/api/v1/metrics"
PERIOD = {"since": "2026-10-01", "until": "2026-10-31"}
WRITE = re.compile(r'^\s*(INSERT|UPDATE|DELETE)\b[^;]*"?metrics_', re.IGNORECASE)


@pytest.fixture
def db_tasks(settings, monkeypatch):
    """The production task backend (rows in the database) with no debounce delay."""
    from django_tasks import task_backends

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    task_backends._settings = None  # re-read TASKS
    monkeypatch.setattr(tasks, "DEBOUNCE", 0.0)
    monkeypatch.setattr(tasks, "_last_enqueued", -1e9)
    yield
    task_backends._settings = None


def _run_worker() -> int:
    """Run the ready tasks as ``onetrip db_worker`` does (its loop would close the test's
    connection between tasks, so its ``run_task`` is called directly)."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    )
    n = 0
    while (row := DBTaskResult.objects.ready().first()) is not None:
        row.claim("test")
        worker.run_task(row)
        n += 1
    return n


def _figures(client, user) -> tuple[dict, list[str]]:
    """The API's figures, and the statements of that GET that wrote to a metrics table."""
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(URL, PERIOD, **bearer(user))
    assert r.status_code == 200, r.content
    return r.json(), [q["sql"] for q in ctx.captured_queries if WRITE.match(q["sql"])]


def test_a_new_case_reaches_the_figures_through_the_worker_not_a_read(
    client, history, db_tasks, django_capture_on_commit_callbacks
):
    h = history
    before, writes = _figures(client, h.manager)
    assert writes == []
    as_of = dt.datetime.fromisoformat(before["as_of"])
    n = before["figures"]["cases"]["cases"]

    with django_capture_on_commit_callbacks(execute=True):
        case_create(
            matter=h.senior_card,
            actor=h.clerk,
            channel="window",
            applicant=h.person,
            materials={},
            accept=True,
            now=at(dt.date(2026, 10, 20), 10),
            today=dt.date(2026, 10, 20),
        )
    from django_tasks_db.models import DBTaskResult

    queued = list(DBTaskResult.objects.values_list("task_path", flat=True))
    assert queued and set(queued) == {"onetrip.metrics.tasks.refresh_rollups"}  # the write's

    # reading does not refresh: the figures stay as they were, and nothing is written
    for _ in range(2):
        still, writes = _figures(client, h.manager)
        assert writes == []
        assert still["figures"]["cases"]["cases"] == n
        assert still["as_of"] == before["as_of"]
    page = client.get("/metrics/", {"a_since": "2026-10-01", "a_until": "2026-10-15"})
    assert page.status_code == 302  # signed out: the login page, nothing computed
    client.force_login(h.manager)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(
            "/metrics/",
            {
                "a_since": "2026-10-01",
                "a_until": "2026-10-15",
                "b_since": "2026-10-16",
                "b_until": "2026-10-31",
            },
        )
    assert page.status_code == 200
    assert [q["sql"] for q in ctx.captured_queries if WRITE.match(q["sql"])] == []
    assert "数据截至" in page.content.decode()

    # the worker runs the task: the new case is counted and the figures are newer
    assert _run_worker() == len(queued)
    assert DBTaskResult.objects.successful().count() == len(queued)
    after, writes = _figures(client, h.manager)
    assert writes == []
    assert after["figures"]["cases"]["cases"] == n + 1
    assert dt.datetime.fromisoformat(after["as_of"]) > as_of
    assert RollupMark.objects.get(name=AS_OF).at > as_of


def test_a_rating_and_a_called_ticket_enqueue_the_refresh_too(
    history, db_tasks, monkeypatch, django_capture_on_commit_callbacks
):
    """Every write a figure reads schedules the worker's refresh: ratings (on commit) and
    ticket calls (the queueing signal) as well as case state changes."""
    from django_tasks_db.models import DBTaskResult

    from onetrip.cases.signals import case_state_changed
    from onetrip.metrics.services import rating_submit
    from onetrip.queueing.signals import ticket_called

    receivers = {r[0][0] for r in ticket_called.receivers + case_state_changed.receivers}
    assert {"metrics_refresh_rollups", "metrics_refresh_rollups_ticket"} <= receivers
    ticket = history.queue_a.tickets.first()
    ticket_called.send(sender=type(ticket), ticket=ticket, window=None, user=None, at=None)
    refreshes = DBTaskResult.objects.filter(task_path="onetrip.metrics.tasks.refresh_rollups")
    assert refreshes.count() == 1
    monkeypatch.setattr(tasks, "_last_enqueued", -1e9)
    with django_capture_on_commit_callbacks(execute=True):
        rating_submit(case=history.c6, score=2, actor=history.person_user)
    assert refreshes.count() == 2
    assert _run_worker() >= 2
    assert refreshes.successful().count() == 2
