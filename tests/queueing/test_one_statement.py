"""The window scenarios of test_services again, outside any transaction.

Inside a test transaction the services take their ORM path. A web request has no surrounding
transaction, and on PostgreSQL it then issues, calls, starts, finishes, recalls, returns and
marks no-shows with one SQL statement each (falling back to the ORM path to explain a
refusal). Both paths must behave the same: same call order, same refusals, same records."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onetrip.audit.models import AuditEvent
from onetrip.queueing import services
from onetrip.queueing.models import Ticket, TicketEvent
from tests.queueing import test_booking as booking_scenarios
from tests.queueing import test_services as scenarios
from tests.queueing.conftest import build_hall


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "scenario",
    [
        scenarios.test_call_order_priority_then_window_queue_order_then_age,
        scenarios.test_full_lifecycle_records_times_and_events,
        scenarios.test_no_show_distinct_from_walk_out_and_return_keeps_place,
        scenarios.test_call_at_closed_window_and_wrong_staff,
        scenarios.test_illegal_transitions_refused,
        scenarios.test_appointment_not_called_before_its_slot,
        booking_scenarios.test_checked_in_appointment_called_ahead_of_walk_ins,
        booking_scenarios.test_green_channel_still_comes_before_appointments,
    ],
    ids=lambda f: f.__name__.removeprefix("test_"),
)
def test_window_scenario_outside_a_transaction(tworld, scenario):
    assert not connection.in_atomic_block
    scenario(build_hall(tworld))


@pytest.mark.django_db(transaction=True)
def test_one_statement_actions_write_what_the_orm_path_writes(tworld):
    from django.db import transaction

    hall = build_hall(tworld)
    fast_ticket = services.ticket_issue(queue=hall.qa, phone="13900000001")
    slow_ticket = services.ticket_issue(queue=hall.qa, phone="13900000002")
    services.window_open(window=hall.w1, user=hall.clerk)

    def serve(atomic: bool) -> None:
        for step in (
            services.ticket_call_next,
            services.ticket_recall,
            services.ticket_start,
            services.ticket_finish,
        ):
            if atomic:
                with transaction.atomic():
                    step(window=hall.w1, user=hall.clerk)
                continue
            with CaptureQueriesContext(connection) as ctx:
                step(window=hall.w1, user=hall.clerk)
            if connection.vendor == "postgresql" and step is not services.ticket_call_next:
                assert len(ctx) == 1, [q["sql"][:60] for q in ctx]  # really one statement

    serve(atomic=False)
    serve(atomic=True)

    def records(ticket):
        ticket = Ticket.objects.get(pk=ticket.pk)
        events = list(
            TicketEvent.objects.filter(ticket=ticket)
            .order_by("id")
            .values_list("action", "from_status", "to_status", "window_id", "actor_id", "note")
        )
        audits = [
            (a.action, a.from_state, a.to_state, a.actor_id, a.point_id, a.data["window"])
            for a in AuditEvent.objects.filter(subject_type="ticket", subject_id=str(ticket.pk))
            .exclude(action="issue")
            .order_by("id")
        ]
        row = (ticket.status, ticket.call_count, ticket.window_id, ticket.served_by_id)
        times = [ticket.first_called_at, ticket.called_at, ticket.started_at, ticket.finished_at]
        assert all(times) and times == sorted(times)
        return row, events, audits

    assert records(fast_ticket) == records(slow_ticket)
    assert records(fast_ticket)[0] == ("done", 2, hall.w1.pk, hall.clerk.pk)


@pytest.mark.django_db(transaction=True)
def test_return_and_no_show_write_what_the_orm_path_writes(tworld):
    """The other window actions of the contract (queueing.contract.WRITES): a call returned to
    the queue, called again and marked absent — the same rows on both paths."""
    from django.db import transaction

    hall = build_hall(tworld)
    services.window_open(window=hall.w1, user=hall.clerk)
    fast_ticket = services.ticket_issue(queue=hall.qa, phone="13900000011")

    def serve(atomic: bool) -> None:
        steps = (
            services.ticket_call_next,
            services.ticket_return,
            services.ticket_call_next,
            services.ticket_no_show,
        )
        for step in steps:
            if atomic:
                with transaction.atomic():
                    step(window=hall.w1, user=hall.clerk)
            else:
                with CaptureQueriesContext(connection) as ctx:
                    step(window=hall.w1, user=hall.clerk)
                if connection.vendor == "postgresql" and step is not services.ticket_call_next:
                    assert len(ctx) == 1, [q["sql"][:60] for q in ctx]

    serve(atomic=False)
    slow_ticket = services.ticket_issue(queue=hall.qa, phone="13900000012")
    serve(atomic=True)

    def records(ticket):
        ticket = Ticket.objects.get(pk=ticket.pk)
        events = list(
            TicketEvent.objects.filter(ticket=ticket)
            .order_by("id")
            .values_list("action", "from_status", "to_status", "window_id", "actor_id")
        )
        audits = list(
            AuditEvent.objects.filter(subject_type="ticket", subject_id=str(ticket.pk))
            .order_by("id")
            .values_list("action", "from_state", "to_state", "actor_id", "point_id")
        )
        row = (ticket.status, ticket.call_count, ticket.window_id, ticket.served_by_id)
        assert ticket.no_show_at is not None and ticket.first_called_at <= ticket.called_at
        return row, events, audits

    assert records(fast_ticket) == records(slow_ticket)
    assert records(fast_ticket)[0] == ("no_show", 2, hall.w1.pk, hall.clerk.pk)


@pytest.mark.django_db(transaction=True)
def test_both_paths_send_ticket_called_once_per_call(tworld):
    """The one-statement call sends the same signal as the ORM path (no faked post_save)."""
    from django.db import transaction

    from onetrip.queueing.signals import ticket_called

    hall = build_hall(tworld)
    services.window_open(window=hall.w1, user=hall.clerk)
    first = services.ticket_issue(queue=hall.qa)
    second = services.ticket_issue(queue=hall.qa)
    heard = []

    def listen(sender, *, ticket, window, user, at, **kw):
        heard.append((ticket.pk, window.pk, user.pk, connection.in_atomic_block))

    ticket_called.connect(listen, dispatch_uid="test-listen")
    try:
        services.ticket_call_next(window=hall.w1, user=hall.clerk)  # one statement on PG
        services.ticket_return(window=hall.w1, user=hall.clerk)
        with transaction.atomic():  # the ORM path
            services.ticket_call_next(window=hall.w1, user=hall.clerk)
    finally:
        ticket_called.disconnect(dispatch_uid="test-listen")
    assert [h[:3] for h in heard] == [
        (first.pk, hall.w1.pk, hall.clerk.pk),
        (first.pk, hall.w1.pk, hall.clerk.pk),
    ]
    assert all(h[3] for h in heard)  # inside the call's transaction, both times
    assert second.pk != first.pk
