"""Performance guards for the hot paths of a hall: how many queries issuing and calling take,
that the one-query wait figures agree with the ORM definitions, that window locks do not lock
the service point row, and that numbering outside a caller's transaction stays gap-free and
unique (PostgreSQL takes the number in its own short transaction there)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from onetrip.errors import DomainError
from onetrip.people.services import api_token_create
from onetrip.queueing import selectors, services
from onetrip.queueing.models import DailyCounter, Ticket, TicketEvent
from tests.queueing.conftest import build_hall


def _bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user, name='perf')[1]}"}


def _post(client, url, data=None, **headers):
    return client.post(url, data=data or {}, content_type="application/json", **headers)


def _without_abuse_limits(captured) -> tuple[list[dict], list[dict]]:
    """The captured queries split into the ticket's own and the abuse limits' counting
    (``onetrip.throttles.store``: one statement per limit on PostgreSQL, a short transaction
    with its savepoint pair on SQLite), which is budgeted on its own."""
    own: list[dict] = []
    limits: list[dict] = []
    queries = list(captured)
    i = 0
    while i < len(queries):
        sql = queries[i]["sql"]
        if "throttles_throttlehistory" in sql:
            limits.append(queries[i])
        elif (
            sql.startswith("SAVEPOINT")
            and i + 1 < len(queries)
            and "throttles_throttlehistory" in queries[i + 1]["sql"]
        ):
            # SQLite's transaction around the count: the savepoint, the count, its release
            j = i + 1
            while j < len(queries) and "throttles_throttlehistory" in queries[j]["sql"]:
                limits.append(queries[j])
                j += 1
            if j < len(queries) and queries[j]["sql"].startswith("RELEASE SAVEPOINT"):
                j += 1
            i = j
            continue
        else:
            own.append(queries[i])
        i += 1
    return own, limits


@pytest.mark.django_db
def test_issue_and_serve_query_budget(client, hall):
    """Issue at a kiosk: queue, counter, live-ticket check, ticket, event, audit, wait figures
    (+ a savepoint pair inside the test transaction) = 9; it was 11. Start/finish: 9; was 13."""
    _post(client, "/api/v1/tickets", {"queue_id": hall.qa.pk, "phone": "13900000000"})
    with CaptureQueriesContext(connection) as captured:
        r = _post(client, "/api/v1/tickets", {"queue_id": hall.qa.pk, "phone": "13900000001"})
    assert r.status_code == 201, r.content
    assert r.json()["ahead"] == 1
    issue, limits = _without_abuse_limits(captured)
    assert len(issue) <= 9, [q["sql"][:80] for q in issue]
    if connection.vendor == "postgresql":
        # the two abuse limits (this address, this phone number): one statement each
        assert len(limits) == 2, [q["sql"][:80] for q in limits]
    h = _bearer(hall.clerk)
    assert _post(client, f"/api/v1/windows/{hall.w1.pk}/open", **h).status_code == 200
    _post(client, f"/api/v1/windows/{hall.w1.pk}/call-next", **h)
    with CaptureQueriesContext(connection) as start:
        assert _post(client, f"/api/v1/windows/{hall.w1.pk}/start", **h).status_code == 200
    with CaptureQueriesContext(connection) as finish:
        assert _post(client, f"/api/v1/windows/{hall.w1.pk}/finish", **h).status_code == 200
    # token+roles, window, lock, current ticket, update, event, audit (+ savepoint pair)
    assert len(start) <= 9, [q["sql"][:80] for q in start]
    assert len(finish) <= 9, [q["sql"][:80] for q in finish]
    # the auth query brings the roles along: no separate group query
    assert not any("auth_group" in q["sql"] and "apitoken" not in q["sql"] for q in start)


@pytest.mark.django_db
def test_wait_figures_match_the_orm_definitions(hall):
    now = timezone.now()
    services.window_open(window=hall.w1, user=hall.clerk)
    plain = [services.ticket_issue(queue=hall.qa, now=now) for _ in range(3)]
    green = services.ticket_issue(queue=hall.qa, priority=True, now=now)
    late = services.ticket_issue(queue=hall.qa, now=now)
    for ticket in [*plain, green, late]:
        ticket.refresh_from_db()
        windows, mean, ahead = selectors._wait_figures(
            queue_ids=[hall.qa.pk], day=ticket.day, ahead_of=ticket
        )[hall.qa.pk]
        assert ahead == selectors.people_ahead(ticket=ticket)
        assert windows == 1 and mean is None
    assert selectors.people_ahead(ticket=green) == 0
    assert selectors.people_ahead(ticket=late) == 4  # three earlier plus the green channel
    # a finished ticket of 90 s sets the mean exactly (no float drift)
    services.ticket_call_next(window=hall.w1, user=hall.clerk, now=now)
    services.ticket_start(window=hall.w1, user=hall.clerk, now=now)
    services.ticket_finish(window=hall.w1, user=hall.clerk, now=now + dt.timedelta(seconds=90))
    _, mean, _ = selectors._wait_figures(queue_ids=[hall.qa.pk], day=late.day)[hall.qa.pk]
    assert mean == 90.0


@pytest.mark.django_db
def test_window_lock_locks_the_window_row_only(hall):
    with CaptureQueriesContext(connection) as ctx:
        services.window_open(window=hall.w1, user=hall.clerk)
    locks = [q["sql"] for q in ctx if "FOR UPDATE" in q["sql"]]
    if connection.features.has_select_for_update:  # PostgreSQL
        assert locks and all('FOR UPDATE OF "queueing_window"' in sql for sql in locks)
    else:  # SQLite serialises writers; there is no row locking at all
        assert locks == []


@pytest.mark.django_db(transaction=True)
def test_numbers_outside_a_transaction_are_unique_and_gap_free(tworld):
    """The path a web request takes (no surrounding transaction): on PostgreSQL the number is
    taken in its own statement; a refused duplicate is refused before that and costs none."""
    hall = build_hall(tworld)
    assert not connection.in_atomic_block
    first = services.ticket_issue(queue=hall.qa, phone="13900000001")
    with pytest.raises(DomainError) as refused:
        services.ticket_issue(queue=hall.qa, phone="13900000001")
    assert refused.value.code == "duplicate_live_ticket"
    second = services.ticket_issue(queue=hall.qa, phone="13900000002")
    anonymous = services.ticket_issue(queue=hall.qa)
    assert [first.number, second.number, anonymous.number] == ["A001", "A002", "A003"]
    assert DailyCounter.objects.get(queue=hall.qa).last == 3
    assert Ticket.objects.filter(queue=hall.qa).count() == 3
    assert TicketEvent.objects.filter(action="issue").count() == 3


@pytest.mark.django_db(transaction=True)
def test_one_statement_issue_writes_what_the_orm_path_writes(tworld):
    """On PostgreSQL a web request issues with one SQL statement; inside a caller's transaction
    the ORM path runs. Both must leave the same ticket, event and audit rows, and the wait
    figures computed in the statement must equal a fresh read."""
    from django.db import transaction

    from onetrip.audit.models import AuditEvent

    hall = build_hall(tworld)
    services.window_open(window=hall.w1, user=hall.clerk)
    fast = services.ticket_issue(
        queue=hall.qa, phone="13900000001", actor=hall.guide, channel="guide"
    )
    with transaction.atomic():
        slow = services.ticket_issue(
            queue=hall.qa, phone="13900000002", actor=hall.guide, channel="guide"
        )
    assert (fast.number, slow.number) == ("A001", "A002")
    if connection.vendor == "postgresql":
        assert fast.issued_wait_figures == (1, None, 0)
    status = selectors.ticket_public_status(ticket=fast)
    fresh = Ticket.objects.select_related("queue", "point").get(pk=fast.pk)
    assert status == selectors.ticket_public_status(ticket=fresh)

    def row(ticket):
        ticket = Ticket.objects.get(pk=ticket.pk)
        event = TicketEvent.objects.get(ticket=ticket)
        audit = AuditEvent.objects.get(subject_type="ticket", subject_id=str(ticket.pk))
        return (
            (ticket.status, ticket.channel, ticket.priority, ticket.point_id, ticket.issued_by_id),
            (event.action, event.from_status, event.to_status, event.actor_id, event.window_id),
            (audit.action, audit.actor_id, audit.from_state, audit.to_state, audit.point_id),
            {k: v for k, v in audit.data.items() if k != "number"},
            audit.data["number"] == ticket.number,
        )

    assert row(fast) == row(slow)
    assert row(fast)[-1] is True


@pytest.mark.django_db(transaction=True)
def test_a_cached_queue_row_never_issues_for_a_closed_queue(tworld, client):
    """The kiosk path reads the queue from a per-process cache. Closing the queue behind the
    cache's back (another process) must still refuse with the usual message, write nothing,
    and reopening must issue again."""
    hall = build_hall(tworld)
    url, body = "/api/v1/tickets", {"queue_id": hall.qa.pk}
    assert _post(client, url, body).status_code == 201
    assert selectors._QUEUE_CACHE.rows  # the kiosk path cached the row
    type(hall.qa).objects.filter(pk=hall.qa.pk).update(is_open=False)  # no signal: stale cache
    r = _post(client, url, body)
    assert r.status_code == 409 and r.json()["code"] == "queue_closed", r.content
    assert Ticket.objects.filter(queue=hall.qa).count() == 1
    assert DailyCounter.objects.get(queue=hall.qa).last == 1
    type(hall.qa).objects.filter(pk=hall.qa.pk).update(is_open=True)  # cache still says closed?
    r = _post(client, url, body)
    assert r.status_code == 201 and r.json()["number"] == "A002", r.content
    hall.point.is_active = False
    hall.point.save()  # a save forgets the cache at once
    r = _post(client, url, body)
    assert r.status_code == 409 and r.json()["code"] == "point_inactive", r.content
