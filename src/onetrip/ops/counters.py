"""Business counters for Prometheus, beside django-prometheus's request counters.

Each web process counts what it did; Prometheus sums the app servers (and, within one server,
the processes of ``onetrip serve``, which sets ``PROMETHEUS_MULTIPROC_DIR``)."""

from __future__ import annotations

from typing import Any

from prometheus_client import Counter

TICKETS_ISSUED = Counter(
    "onetrip_tickets_issued_total", "Tickets issued (kiosk, window zero, online).", ["channel"]
)
TICKETS_CALLED = Counter("onetrip_tickets_called_total", "Tickets called to a window.")
CASE_TRANSITIONS = Counter(
    "onetrip_case_transitions_total",
    "Case state changes, by action and the state reached.",
    ["action", "state"],
)


def _ticket_issued(*, ticket: Any, **_: Any) -> None:
    TICKETS_ISSUED.labels(channel=str(ticket.channel)).inc()


def _ticket_called(**_: Any) -> None:
    TICKETS_CALLED.inc()


def _case_state_changed(*, action: Any = "", to_state: Any = "", **_: Any) -> None:
    CASE_TRANSITIONS.labels(action=str(action or ""), state=str(to_state or "")).inc()


def connect() -> None:
    from onetrip.cases.signals import case_state_changed
    from onetrip.queueing.signals import ticket_called, ticket_issued

    ticket_issued.connect(_ticket_issued, dispatch_uid="ops.ticket_issued")
    ticket_called.connect(_ticket_called, dispatch_uid="ops.ticket_called")
    case_state_changed.connect(_case_state_changed, dispatch_uid="ops.case_state_changed")
