"""The dashboard and the exports read from the replica when one is configured; everything
else, and every write, stays on the primary (onetrip.dbrouter)."""

from __future__ import annotations

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from onetrip.cases.models import Case
from onetrip.dbrouter import ReplicaRouter, current_read_alias, primary_reads, replica_reads
from onetrip.people.services import api_token_create
from tests.metrics.test_page import Q
from tests.settings_probe import probe_json

# A second connection to the test database stands in for the replica: queries on it are the
# queries that a real deployment sends to the replica.
pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture
def replica(settings):
    settings.ONETRIP_REPLICA_ALIAS = "replica"  # the test settings' mirror of the test database
    return connections["replica"]


def _tables(queries) -> str:
    return " ".join(q["sql"] for q in queries)


def test_router_off_without_a_replica(settings):
    settings.ONETRIP_REPLICA_ALIAS = None
    with replica_reads():
        assert ReplicaRouter().db_for_read(Case) is None
        assert current_read_alias() == "default"


def test_router_rules(replica):
    router = ReplicaRouter()
    assert router.db_for_read(Case) is None  # outside replica_reads: the primary
    with replica_reads():
        assert router.db_for_read(Case) == "replica"
        assert router.db_for_write(Case) == "default"
        from django.contrib.sessions.models import Session
        from django_tasks_db.models import DBTaskResult

        assert router.db_for_read(Session) == "default"
        assert router.db_for_read(DBTaskResult) == "default"
        with primary_reads():
            assert router.db_for_read(Case) is None
        with transaction.atomic():  # read-your-writes inside a transaction
            assert router.db_for_read(Case) == "default"
        assert router.db_for_read(Case) == "replica"
    assert router.allow_migrate("replica", "cases") is False
    assert router.allow_migrate("default", "cases") is True


def test_unreachable_replica_falls_back_to_the_primary(replica):
    replica.close()
    saved = dict(replica.settings_dict)
    replica.settings_dict.update(PORT="1", NAME="/nonexistent/dir/replica.sqlite3")
    try:
        with replica_reads():
            assert current_read_alias() == "default"
            assert Case.objects.count() == 0
    finally:
        replica.close()
        replica.settings_dict.clear()
        replica.settings_dict.update(saved)


def test_dashboard_reads_from_the_replica(client, history, replica):
    from onetrip.metrics.models import CaseDay, WaitDay

    client.force_login(history.manager)
    assert client.get("/metrics/", Q).status_code == 200  # builds the roll-ups (primary)
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(replica) as rep,
    ):
        r = client.get("/metrics/", Q)
    assert r.status_code == 200
    figures = (CaseDay._meta.db_table, WaitDay._meta.db_table)
    on_replica, on_primary = _tables(rep.captured_queries), _tables(primary.captured_queries)
    assert all(t in on_replica for t in figures)
    # the primary served the session, the user and the roll-up check, none of the figures
    assert not any(t in on_primary for t in figures)
    assert len(rep.captured_queries) > len(primary.captured_queries)


def test_exports_read_from_the_replica(client, history, replica):
    _, key = api_token_create(user=history.manager, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    period = {"since": "2026-10-01", "until": "2026-10-31"}
    for url in ("/api/v1/metrics", "/api/v1/metrics/export.xlsx"):
        with CaptureQueriesContext(replica) as rep:
            r = client.get(url, period, **auth)
        assert r.status_code == 200, r.content
        assert len(rep.captured_queries) >= 3, url
    client.force_login(history.manager)
    with CaptureQueriesContext(replica) as rep:
        r = client.get("/metrics/export.csv", {"table": "point", **period})
    assert r.status_code == 200
    assert len(rep.captured_queries) >= 3


def test_other_pages_and_writes_stay_on_the_primary(client, history, replica):
    client.force_login(history.manager)
    with CaptureQueriesContext(replica) as rep:
        client.get("/matters/")
        client.get("/backoffice/")
    assert rep.captured_queries == []


def test_the_router_is_installed_only_with_a_replica(tmp_path):
    """Production settings without ONETRIP_REPLICA_URL route nothing (the router would answer
    "default" to every query); with one, the router is in DATABASE_ROUTERS."""
    probe = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps(settings.DATABASE_ROUTERS))"
    )

    def routers(**extra: str) -> list[str]:
        return probe_json(tmp_path, probe, SECRET_KEY="k" * 50, **extra)

    assert routers() == []
    replica = "postgres://reader@127.0.0.1:1/onetrip"
    assert routers(ONETRIP_REPLICA_URL=replica) == ["onetrip.dbrouter.ReplicaRouter"]
