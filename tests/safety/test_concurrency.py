"""Two operators dispatch the same incident at the same moment: the row lock lets one through,
the other is told the state has moved on; one dispatch event in the audit log, one department."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from onetrip.audit.models import AuditEvent
from onetrip.errors import DomainError
from onetrip.safety.services import incident_report, incident_transition
from tests.factories import make_user


@pytest.mark.django_db(transaction=True)
def test_simultaneous_dispatch_goes_through_once():
    from tests.safety.conftest import make_grid

    g = make_grid()
    op2 = make_user("op2", "operator", point=g.district)
    incident = incident_report(
        district=g.district, actor=g.grid_a, kind="other", description="共享单车堵塞通道",
        cell_code=g.cell_b.code,
    )  # fmt: skip
    assert incident.state == "reported"
    barrier = threading.Barrier(2)
    results: list[str] = []

    def dispatch(user, dept):
        try:
            barrier.wait(timeout=10)
            incident_transition(
                incident=incident, action="dispatch", actor=user,
                data={"platform": "service", "department": dept.pk},
            )  # fmt: skip
            results.append("ok")
        except DomainError as exc:
            results.append(exc.code)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=dispatch, args=(g.operator, g.civil)),
        threading.Thread(target=dispatch, args=(op2, g.cg)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(results) == 2 and results.count("ok") == 1, results
    loser = next(r for r in results if r != "ok")
    if connections["default"].vendor == "postgresql":
        # the second waited for the row lock, then found the incident already dispatched
        assert loser == "illegal_transition"
    else:
        # the in-memory SQLite test database refuses the second writer outright (shared-cache
        # table lock) instead of waiting: still nothing written twice
        assert loser in ("illegal_transition", "OperationalError: database table is locked")
    assert AuditEvent.objects.filter(subject_id=incident.number, action="dispatch").count() == 1
    incident.refresh_from_db()
    assert incident.state == "dispatched" and incident.department in (g.civil, g.cg)
